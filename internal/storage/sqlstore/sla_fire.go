package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"kesu/internal/sla"
)

// FireDue implements sla.Store. A cheap read of the earliest next firing
// comes first, so an idle monitor costs one index lookup and no write
// transaction. Then, in one transaction, it claims up to limit complaints
// whose clocks have something due by now (PostgreSQL: FOR UPDATE SKIP
// LOCKED, so servers share the work without taking a row twice; SQLite:
// one writer), fires what is due with its notices, and stores the clocks
// with their next firing. It returns how many complaints it took and when
// the next firing is due (zero when none).
func (s SLAStore) FireDue(ctx context.Context, now time.Time, limit int, compose sla.Composer) (int, time.Time, error) {
	if s.SLA == nil {
		return 0, time.Time{}, nil
	}
	var first sql.NullInt64
	if err := s.R.QueryRowContext(ctx, s.q("sla.next")).Scan(&first); err != nil {
		return 0, time.Time{}, s.classify(err)
	}
	if !first.Valid {
		return 0, time.Time{}, nil
	}
	if t := fromMicros(first.Int64); t.After(now) {
		return 0, t, nil
	}
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q("sla.due"), micros(now), limit)
		if err != nil {
			return err
		}
		type claimed struct {
			set    *clockSet
			fired  sla.Fired
			timers []sla.Timer
			stored bool // the complaint exists
		}
		var cs []claimed
		var ids []any
		for rows.Next() {
			var c claimed
			var base int64
			var text, ext string
			var cid, holder, backup, manager sql.NullInt64
			c.set = &clockSet{}
			if err := rows.Scan(&c.set.complaintID, &base, &text, &ext, &c.set.version, &cid, &c.fired.Number, &holder, &backup,
				&manager); err != nil {
				rows.Close()
				return err
			}
			if c.stored = cid.Valid; c.stored {
				ids = append(ids, cid.Int64)
			}
			c.set.base = fromMicros(base)
			if c.set.clocks, err = decodeClocks(c.set.complaintID, c.set.base, text, ext, c.set.version); err != nil {
				rows.Close()
				return err
			}
			c.fired.HolderID, c.fired.BackupID, c.fired.ManagerID = intPtr(holder), intPtr(backup), intPtr(manager)
			cs = append(cs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(cs)
		if n == 0 {
			return nil
		}
		// A complaint a case change holds is left for the next pass.
		if len(ids) > 0 {
			got, err := s.ids(ctx, tx, s.q("sla.due.complaints")+s.Dialect.Rebind(" "+inList(len(ids))+" ")+s.q("sla.due.complaints.tail"), ids...)
			if err != nil {
				return err
			}
			held := map[int64]bool{}
			for _, id := range got {
				held[id] = true
			}
			kept := cs[:0]
			for _, c := range cs {
				if !c.stored || held[c.set.complaintID] {
					kept = append(kept, c)
				}
			}
			cs, n = kept, len(kept)
		}
		var sets []clockSet
		outs := map[int64]string{}
		var fs []sla.Fired
		var gms []int64
		for i := range cs {
			c := &cs[i]
			before := outcomes(c.set.clocks)
			c.timers = s.SLA.Fire(c.set.clocks, now, c.fired.HolderID)
			sets = append(sets, *c.set)
			if o := outcomes(c.set.clocks); o != before {
				outs[c.set.complaintID] = o
			}
			for _, t := range c.timers {
				if t.Kind == sla.TimerEscalate && gms == nil {
					if gms, err = s.ids(ctx, tx, s.q("sla.gms")); err != nil {
						return err
					}
				}
				f := c.fired
				f.Timer, f.Clock = t, c.set.clocks[t.ClockID-1]
				fs = append(fs, f)
			}
		}
		if err := s.rewriteSets(ctx, tx, sets); err != nil {
			return err
		}
		if err := s.writeOutcomes(ctx, tx, outs); err != nil {
			return err
		}
		for i := range fs {
			if fs[i].Timer.Kind == sla.TimerEscalate {
				fs[i].GMs = gms
			}
		}
		return s.notifyFired(ctx, tx, fs, compose)
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	return n, now, nil
}

// notifyFired records the notices of fired timers and the jobs that carry
// them outside kesu.
func (s SLAStore) notifyFired(ctx context.Context, tx *sql.Tx, fs []sla.Fired, compose sla.Composer) error {
	if len(fs) == 0 || compose == nil {
		return nil
	}
	var ns []sla.Notice
	for _, f := range fs {
		ns = append(ns, compose(f)...)
	}
	if err := s.notifyTx(ctx, tx, ns...); err != nil {
		return err
	}
	if s.Outbox == nil {
		return nil
	}
	return s.enqueueTx(ctx, tx, s.Outbox.Fired(fs, ns)...)
}
