package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kesu/internal/audit"
	"kesu/internal/sla"
)

// CalendarStore implements sla.CalendarStore: the administrators' years of
// the business calendar.
type CalendarStore struct{ *DB }

var _ sla.CalendarStore = CalendarStore{}

// Calendar returns the calendar store.
func (db *DB) Calendar() CalendarStore { return CalendarStore{db} }

// Version implements sla.CalendarStore.
func (s CalendarStore) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.R.QueryRowContext(ctx, s.q("calendar.version")).Scan(&v); err != nil {
		return 0, fmt.Errorf("calendar version: %w", s.classify(err))
	}
	return v, nil
}

// Years implements sla.CalendarStore. The version is read first: a change
// committed in between gives newer years with an older version, which the
// next refresh reloads, never the reverse.
func (s CalendarStore) Years(ctx context.Context) ([]sla.StoredYear, int64, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, 0, err
	}
	ys, err := list(ctx, s.DB, s.q("calendar.years"), nil, scanStoredYear)
	return ys, v, err
}

func scanStoredYear(r scanner) (*sla.StoredYear, error) {
	var y sla.StoredYear
	var year int
	var data string
	var by sql.NullInt64
	var at int64
	if err := r.Scan(&year, &data, &y.Origin, &y.Note, &by, &y.By.Name, &at); err != nil {
		return nil, err
	}
	y.By.UserID, y.At = by.Int64, fromMicros(at)
	var err error
	if y.Year, err = sla.ParseYear(strings.NewReader(data)); err != nil {
		return nil, fmt.Errorf("stored calendar year %d: %w", year, err)
	}
	return &y, nil
}

// Change implements sla.CalendarStore. Moving the version first locks the
// state row, which serialises changes across servers on PostgreSQL.
func (s CalendarStore) Change(ctx context.Context, year int, change func(cur *sla.StoredYear) (*sla.StoredYear, error),
	actor audit.Actor, action string, detail map[string]any) (int64, error) {
	var version int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q("calendar.bump")).Scan(&version); err != nil {
			return err
		}
		cur, err := scanStoredYear(tx.QueryRowContext(ctx, s.q("calendar.year"), year))
		if errors.Is(err, sql.ErrNoRows) {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		next, err := change(cur)
		if err != nil {
			return err
		}
		if next == nil {
			if _, err := tx.ExecContext(ctx, s.q("calendar.delete"), year); err != nil {
				return err
			}
		} else {
			if next.Year.Year != year {
				return fmt.Errorf("calendar change of %d returned year %d", year, next.Year.Year)
			}
			data, err := next.Year.MarshalIndent()
			if err != nil {
				return err
			}
			var by sql.NullInt64
			if actor.UserID != 0 {
				by = sql.NullInt64{Int64: actor.UserID, Valid: true}
			}
			if _, err := tx.ExecContext(ctx, s.q("calendar.upsert"), year, string(data), string(next.Origin), next.Note,
				by, actor.Name, micros(s.Now())); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, action, "calendar:"+strconv.Itoa(year), detail)
	})
	return version, err
}
