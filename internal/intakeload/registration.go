package intakeload

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"kesu/internal/jobs"
	"kesu/internal/letter"
	"kesu/internal/storage/sqlstore"
)

// This file is the one place that knows how the database shows that a
// complaint's registration is finished:
//
//   - intake starts the time-limit clocks in the registration transaction
//     (one complaint_clocks row per complaint) and enqueues, with it, a
//     letter.ack job keyed "ack:<id>" for each complaint with an email
//     address; a complaint.registered job per batch, when the batch has
//     quality complaints about a lot, applies the batch-incident rule;
//   - a complaint is fully registered when it has its clocks, no open
//     complaint.registered job lists it, and its letter job, if it gets a
//     letter, is done.

// registrationKinds are the job kinds that registration leaves to the
// worker.
var registrationKinds = []string{sqlstore.JobRegistered, letter.JobAck}

// registration is the state of the registration work of the complaints
// with an id above a baseline.
type registration struct {
	Complaints  int // complaints above the baseline
	Registered  int // of them, fully registered
	LettersDue  int // complaints that get an acknowledgement letter
	LettersDone int
	Dead        int // registration or letter jobs that failed for good
	// LastFinish is when the last registered complaint's work finished
	// (the commit, or the latest of its jobs' completion).
	LastFinish time.Time
	// LastJob and LastLetter are when the last registration job and the
	// last letter of those complaints finished, to tell which of the two
	// the worker was behind on.
	LastJob, LastLetter time.Time
	// Lags are, per registered complaint, the time from its commit to the
	// end of its registration work, sorted; only with finish times asked.
	Lags []time.Duration
}

// complaintsState lists, per complaint above the baseline, whether it gets
// a letter, whether it has a clock, and its letter job (letter.Job's key).
const complaintsState = `SELECT c.id, c.created_at, c.complainant_email <> '',
  EXISTS (SELECT 1 FROM complaint_clocks k WHERE k.complaint_id = c.id),
  COALESCE(l.status, ''), COALESCE(l.done_at, 0)
FROM complaints c LEFT JOIN jobs l ON l.key = 'ack:' || c.id
WHERE c.id > ?`

// openRegistrationJobs are the registration jobs not done; the index of
// open jobs finds them without reading the done ones.
const openRegistrationJobs = `SELECT payload, status FROM jobs
WHERE status IN ('pending', 'running', 'dead') AND status <> 'done' AND kind = ?`

// doneRegistrationJobs are the registration jobs finished since a time,
// read once at the end for the finish time of each complaint.
const doneRegistrationJobs = `SELECT payload, done_at FROM jobs
WHERE status = 'done' AND kind = ? AND done_at >= ?`

// dueRegistrationJobs counts the registration work waiting for the worker
// now; cheap enough to poll while waiting for the backlog to clear.
const dueRegistrationJobs = `SELECT COUNT(*) FROM jobs
WHERE status IN ('pending', 'running') AND status <> 'done' AND run_at <= ? AND kind IN (?, ?)`

// registration reads the state of the complaints with id > after. With
// finishedSince set it also reads when each complaint's work finished (its
// registration job done since then), for LastFinish and Lags.
func (o *observer) registration(ctx context.Context, after int64, finishedSince time.Time) (registration, error) {
	var r registration
	open := map[int64]bool{}
	rows, err := o.db.QueryContext(ctx, o.q(openRegistrationJobs), sqlstore.JobRegistered)
	if err != nil {
		return r, fmt.Errorf("open registration jobs: %w", err)
	}
	for rows.Next() {
		var payload, status string
		if err := rows.Scan(&payload, &status); err != nil {
			rows.Close()
			return r, err
		}
		var ids []int64
		if err := json.Unmarshal([]byte(payload), &ids); err != nil {
			rows.Close()
			return r, fmt.Errorf("registration job payload %q: %w", payload, err)
		}
		for _, id := range ids {
			open[id] = true
		}
		if status == jobs.Dead {
			r.Dead++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}

	finished := map[int64]int64{} // complaint → its registration job's done_at
	if !finishedSince.IsZero() {
		rows, err := o.db.QueryContext(ctx, o.q(doneRegistrationJobs), sqlstore.JobRegistered, finishedSince.UnixMicro())
		if err != nil {
			return r, fmt.Errorf("done registration jobs: %w", err)
		}
		for rows.Next() {
			var payload string
			var done int64
			if err := rows.Scan(&payload, &done); err != nil {
				rows.Close()
				return r, err
			}
			var ids []int64
			if err := json.Unmarshal([]byte(payload), &ids); err != nil {
				rows.Close()
				return r, fmt.Errorf("registration job payload %q: %w", payload, err)
			}
			for _, id := range ids {
				finished[id] = max(finished[id], done)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return r, err
		}
	}

	rows, err = o.db.QueryContext(ctx, o.q(complaintsState), after)
	if err != nil {
		return r, fmt.Errorf("complaints' registration: %w", err)
	}
	defer rows.Close()
	var last, lastJob, lastLetter int64
	for rows.Next() {
		var id, created, letterDone int64
		var wantsLetter, hasClock bool
		var letterStatus string
		if err := rows.Scan(&id, &created, &wantsLetter, &hasClock, &letterStatus, &letterDone); err != nil {
			return r, err
		}
		r.Complaints++
		if wantsLetter {
			r.LettersDue++
		}
		switch letterStatus {
		case jobs.Done:
			r.LettersDone++
		case jobs.Dead:
			r.Dead++
		}
		if !hasClock || open[id] || (wantsLetter && letterStatus != jobs.Done) {
			continue
		}
		r.Registered++
		if finishedSince.IsZero() {
			continue
		}
		end := max(created, finished[id])
		lastJob = max(lastJob, finished[id])
		if wantsLetter {
			end = max(end, letterDone)
			lastLetter = max(lastLetter, letterDone)
		}
		last = max(last, end)
		r.Lags = append(r.Lags, time.Duration(end-created)*time.Microsecond)
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	for _, v := range []struct {
		t  *time.Time
		us int64
	}{{&r.LastFinish, last}, {&r.LastJob, lastJob}, {&r.LastLetter, lastLetter}} {
		if v.us > 0 {
			*v.t = time.UnixMicro(v.us)
		}
	}
	slices.Sort(r.Lags)
	return r, nil
}

// dueRegistration counts registration and letter jobs due by now and not
// done.
func (o *observer) dueRegistration(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := o.db.QueryRowContext(ctx, o.q(dueRegistrationJobs), now.UnixMicro(), registrationKinds[0], registrationKinds[1]).Scan(&n)
	return n, err
}
