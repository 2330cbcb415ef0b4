package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// The WAL is copied back into the database file (a checkpoint) mostly by
// a connection of its own, in the background, not by the writer. SQLite's
// default is that the transaction whose commit takes the WAL past 1,000
// pages runs the checkpoint inside its commit: it copies the pages and
// syncs the WAL and the database file while every other write waits for
// the single writer. Under a steady stream of small transactions (a
// bank's queue tickets, registrations) that was a commit of ~10 ms every
// second or so, and the requests queued behind it made the 99th
// percentile. A passive checkpoint blocks neither the writer nor the
// readers, so the background copies the pages as they come. The WAL
// starts again from its top only when a write begins with every frame
// copied, which a stream of writes rarely allows; the writer therefore
// still checkpoints itself past walBackstop pages, which bounds the WAL
// (16 MB), and by then it has only the frames of the last fraction of a
// second left to copy.
const (
	checkpointEvery = 200 * time.Millisecond
	walBackstop     = 4000 // pages
)

// checkpointer runs passive checkpoints on db until stopped.
type checkpointer struct {
	db     *sql.DB
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, log: log, cancel: cancel}
	c.wg.Go(func() {
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var busy, frames, done int
			err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done)
			if err != nil && ctx.Err() == nil && !failing && log != nil {
				log.Warn("sqlite checkpoint", "err", err)
			}
			failing = err != nil
		}
	})
	return c
}

// stop ends the checkpoints and closes the connection.
func (c *checkpointer) stop() error {
	c.cancel()
	c.wg.Wait()
	return c.db.Close()
}
