// Package storetest is the contract suite every kesu storage engine must
// pass: the same behaviour, checked against a real database, for SQLite and
// PostgreSQL alike.
package storetest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/storage/sqlstore"
)

// Run runs the contract suite. open must return a freshly migrated, empty
// database for each call and close it when t ends.
func Run(t *testing.T, open func(t *testing.T) *sqlstore.DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"ComplaintRoundTrip", testComplaintRoundTrip},
		{"NumberingPerPeriod", testNumberingPerPeriod},
		{"ReferenceChecksWriteNothing", testReferenceChecks},
		{"ListFilters", testListFilters},
		{"KeysetPagination", testKeysetPagination},
		{"Search", testSearch},
		{"Idempotency", testIdempotency},
		{"UpdateVersionConflict", testUpdateVersionConflict},
		{"Timeline", testTimeline},
		{"AppendOnly", testAppendOnly},
		{"Attachments", testAttachments},
		{"AuditVerify", testAuditVerify},
		{"Customers", testCustomers},
		{"ProductsBatchesSuppliers", testProducts},
		{"DepartmentsUsers", testDepartments},
		{"Auth", testAuth},
		{"CaseRoundTrip", testCaseRoundTrip},
		{"CaseVersionConflict", testCaseVersionConflict},
		{"CaseApprovalsFollowUps", testCaseApprovalsFollowUps},
		{"CaseCAPA", testCaseCAPA},
		{"CaseResponsible", testCaseResponsible},
		{"CaseParties", testCaseParties},
		{"CaseMyWork", testCaseMyWork},
		{"CaseBatchIncident", testCaseBatchIncident},
		{"CaseBatchUnits", testCaseBatchUnits},
		{"CaseLinks", testCaseLinks},
		{"CaseDealerLedger", testCaseDealerLedger},
		{"ReportStatistics", testReportStatistics},
		{"Exports", testExports},
		{"PrivacyErasure", testPrivacyErasure},
		{"AuditAnchors", testAuditAnchors},
		{"AuditKey", testAuditKey},
		{"Mail", testMail},
		{"QueueTickets", testQueueTickets},
		{"QueueReminder", testQueueReminder},
		{"QueueRefusedAndTransferred", testQueueRefusedAndTransferred},
		{"QueueGuard", testQueueGuard},
		{"DeskSwapRules", testDeskSwapRules},
		{"DeskRosterBoard", testDeskRosterBoard},
		{"DeskHandover", testDeskHandover},
		{"DeskKnowledgeBase", testDeskKnowledgeBase},
		{"DeskContacts", testDeskContacts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, setup(t, open))
		})
	}
	t.Run("QueueConcurrentCalls", func(t *testing.T) { QueueConcurrentCalls(t, setup(t, open).db) })
	// Not parallel: it wants the machine to itself.
	t.Run("ConcurrentNumbering", func(t *testing.T) {
		e := setup(t, open)
		nums := CreateConcurrently(t, e.db, e.clock.Now(), 1000, 50)
		AssertSequence(t, nums, Day.Spec(e.clock.Now().In(Zone)), 1000)
		if n := e.count(t, "audit_log"); n != 1000+len(org.DefaultDepartments) {
			t.Errorf("audit entries %d, want 1000 creations and the seeded departments", n)
		}
		if bad, checked, err := e.db.Audit().Verify(e.ctx); err != nil || bad != 0 || checked != int64(e.count(t, "audit_log")) {
			t.Fatalf("audit chain after concurrent creations: bad=%d checked=%d err=%v", bad, checked, err)
		}
	})
}

// Zone is the organisation time zone the suite numbers in.
var Zone = time.FixedZone("CST", 8*3600)

// Start is the suite's fixed "now": 2026-11-25 10:00 in Zone.
var Start = time.Date(2026, 11, 25, 10, 0, 0, 0, Zone)

// Day is the default daily numbering pattern.
var Day = mustPattern(complaint.DefaultPattern)

func mustPattern(p string) complaint.Pattern {
	pat, err := complaint.ParsePattern(p)
	if err != nil {
		panic(err)
	}
	return pat
}

// Clock is a settable clock for injection as DB.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type env struct {
	ctx   context.Context
	db    *sqlstore.DB
	clock *Clock
	svc   *complaint.Service
}

func setup(t *testing.T, open func(t *testing.T) *sqlstore.DB) *env {
	t.Helper()
	db := open(t)
	clk := &Clock{t: Start}
	db.Now = clk.Now
	ctx := t.Context()
	if err := db.Seed(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return &env{ctx: ctx, db: db, clock: clk,
		svc: &complaint.Service{Store: db.Complaints(), Now: clk.Now, Loc: Zone, Pattern: Day, ExpectedDays: 15}}
}

// NewComplaint returns a minimal valid complaint.
func NewComplaint(subject string) *complaint.Complaint {
	return &complaint.Complaint{Channel: "phone", Subject: subject, Description: "描述 " + subject,
		Severity: "minor", Complainant: complaint.Complainant{Name: "张三"}}
}

// create registers c through the service with the system actor.
func (e *env) create(t *testing.T, c *complaint.Complaint) *complaint.Complaint {
	t.Helper()
	if _, err := e.svc.Create(e.ctx, c, complaint.CreateOptions{Actor: audit.System}); err != nil {
		t.Fatalf("create %q: %v", c.Subject, err)
	}
	return c
}

// count returns the number of rows in table, read through the writer so a
// just-committed write is seen on every engine.
func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.W.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// counts snapshots the row counts of every table a complaint write touches.
func (e *env) counts(t *testing.T) map[string]int {
	m := map[string]int{}
	for _, tb := range []string{"complaints", "complaint_events", "attachments", "audit_log", "number_counters", "idempotency_keys"} {
		m[tb] = e.count(t, tb)
	}
	return m
}

func (e *env) assertCounts(t *testing.T, before map[string]int) {
	t.Helper()
	after := e.counts(t)
	for tb, n := range before {
		if after[tb] != n {
			t.Errorf("%s: %d rows before, %d after; the failed call wrote", tb, n, after[tb])
		}
	}
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("error = %v (code %q), want code %q", err, apperr.CodeOf(err), code)
	}
	ae, _ := err.(*apperr.Error)
	return ae
}

// wantField fails t unless err is an apperr with exactly one error on field
// with rule.
func wantField(t *testing.T, err error, code apperr.Code, field, rule string) {
	t.Helper()
	ae := wantCode(t, err, code)
	if ae == nil || len(ae.Fields) != 1 || ae.Fields[0].Field != field || ae.Fields[0].Rule != rule {
		t.Fatalf("error = %+v, want one field error %s/%s", ae, field, rule)
	}
}

// CreateConcurrently creates n complaints from workers goroutines at the
// same instant and returns their numbers.
func CreateConcurrently(t *testing.T, db *sqlstore.DB, now time.Time, n, workers int) []string {
	t.Helper()
	svc := &complaint.Service{Store: db.Complaints(), Now: func() time.Time { return now }, Loc: Zone, Pattern: Day}
	nums := make([]string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				c := NewComplaint(fmt.Sprintf("并发 %d", i))
				if _, err := svc.Create(context.Background(), c, complaint.CreateOptions{Actor: audit.System}); err != nil {
					errs <- fmt.Errorf("create %d: %w", i, err)
					continue
				}
				nums[i] = c.Number
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return nums
}

// AssertSequence fails t unless nums are exactly spec's numbers 1…n, each
// once.
func AssertSequence(t *testing.T, nums []string, spec complaint.NumberSpec, n int) {
	t.Helper()
	got := append([]string(nil), nums...)
	sort.Strings(got)
	if len(got) != n {
		t.Fatalf("%d numbers, want %d", len(got), n)
	}
	for i, s := range got {
		if want := spec.Format(int64(i + 1)); s != want {
			t.Fatalf("sorted number %d = %q, want %q (gap or duplicate)", i, s, want)
		}
	}
}

func i64(v int64) *int64 { return &v }

// update writes c's record fields the way the case service does: one
// Save at the version c was read at.
func (e *env) update(c *complaint.Complaint, changes []complaint.Change, actor audit.Actor) error {
	r, err := e.db.Cases().Load(e.ctx, c.ID)
	if err != nil {
		return err
	}
	r.Version, r.DepartmentID = c.Version, c.DepartmentID
	if c.Status != "" {
		r.Status = c.Status
	}
	err = e.db.Cases().Save(e.ctx, r, casework.Write{Action: "complaint.update", Complaint: c, Changes: changes,
		Event: complaint.Event{Kind: complaint.EventChanged, Data: map[string]any{"changes": changes}}}, actor)
	if err == nil {
		c.Version = r.Version
	}
	return err
}

// addEvent writes a timeline entry through the case's one write.
func (e *env) addEvent(ev *complaint.Event, actor audit.Actor) error {
	r, err := e.db.Cases().Load(e.ctx, ev.ComplaintID)
	if err != nil {
		return err
	}
	return e.db.Cases().Save(e.ctx, r, casework.Write{Action: "complaint.event." + ev.Kind, Event: *ev}, actor)
}

// attach stores an attachment through the case's one write.
func (e *env) attach(a *complaint.Attachment, actor audit.Actor) error {
	r, err := e.db.Cases().Load(e.ctx, a.ComplaintID)
	if err != nil {
		return err
	}
	return e.db.Cases().Save(e.ctx, r, casework.Write{Action: "complaint.attachment", Attachment: a,
		Event: complaint.Event{Kind: complaint.EventAttachment, Public: a.Public, Data: map[string]any{}}}, actor)
}
