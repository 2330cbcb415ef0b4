package app

import (
	"context"
	"errors"
	"slices"
	"testing"

	"kesu/internal/jobs"
	"kesu/internal/storage/sqlstore"
)

// The registration jobs the worker claims together run as one: every
// complaint once; a broken payload fails its own job, a failure of the run
// fails the others, to be run again.
func TestRegisteredBatch(t *testing.T) {
	var got [][]int64
	var fail error
	h := registeredBatch(func(_ context.Context, ids []int64) error {
		got = append(got, ids)
		return fail
	})
	js := []jobs.Job{
		{Kind: sqlstore.JobRegistered, Payload: jobs.Payload([]int64{1, 2})},
		{Kind: sqlstore.JobRegistered, Payload: []byte("[")},
		{Kind: sqlstore.JobRegistered, Payload: jobs.Payload([]int64{3, 2})},
	}
	errs := h(context.Background(), js)
	if len(got) != 1 || !slices.Equal(got[0], []int64{1, 2, 3}) {
		t.Fatalf("runs %v, want one of complaints 1, 2, 3", got)
	}
	if errs[0] != nil || errs[2] != nil || !jobs.IsPermanent(errs[1]) {
		t.Fatalf("errors %v, want only the broken payload to fail, for good", errs)
	}
	fail = errors.New("database is locked")
	errs = h(context.Background(), js)
	if !errors.Is(errs[0], fail) || !errors.Is(errs[2], fail) || jobs.IsPermanent(errs[0]) {
		t.Fatalf("errors %v, want the run's failure on every job, to be retried", errs)
	}
}
