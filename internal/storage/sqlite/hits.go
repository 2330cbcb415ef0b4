package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// hitSets holds the search hits of queries in flight, as bitsets of
// complaint ids, under a handle passed to SQL. kesu_hit(handle, id) asks
// whether id is in the set: a frequent word (漏水, or a number fragment
// found in most complaints) then costs one pass over its hits in the full-
// text index plus a cheap check per row the list walks in its own order,
// instead of building and sorting a temporary index of all the hits.
var hitSets sync.Map // int64 → []uint64

var nextHitSet atomic.Int64

func init() {
	sqlite.MustRegisterScalarFunction("kesu_hit", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		h, ok1 := args[0].(int64)
		id, ok2 := args[1].(int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("kesu_hit: want two integers")
		}
		v, ok := hitSets.Load(h)
		if !ok {
			return nil, fmt.Errorf("kesu_hit: unknown hit set %d", h)
		}
		bits := v.([]uint64)
		if id < 0 || id/64 >= int64(len(bits)) {
			return int64(0), nil
		}
		return (int64(bits[id/64]>>(id%64)) & 1), nil
	})
}

// loadHits reads every hit of phrase into a new hit set and returns its
// handle and a function that drops it.
func (d *Dialect) loadHits(ctx context.Context, phrase string) (int64, func(), error) {
	rows, err := d.read.QueryContext(ctx, sqlHits, phrase)
	if err != nil {
		return 0, nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var bits []uint64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, nil, fmt.Errorf("search: %w", err)
		}
		if id < 0 {
			continue
		}
		for int64(len(bits)) <= id/64 {
			bits = append(bits, 0)
		}
		bits[id/64] |= 1 << (id % 64)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("search: %w", err)
	}
	h := nextHitSet.Add(1)
	hitSets.Store(h, bits)
	return h, func() { hitSets.Delete(h) }, nil
}
