// Package reload keeps a server's copy of stored settings — business
// calendars, time-limit policies, workflow definitions — current when
// another server saves a new version.
package reload

import (
	"context"
	"log/slog"
	"time"
)

// Watch calls refresh every interval until ctx ends. A failure is logged
// as "<what> reload"; a refresh that loaded something new is logged as
// "<what> reloaded" with the version now in use.
func Watch(ctx context.Context, every time.Duration, log *slog.Logger, what string,
	refresh func(context.Context) (bool, error), version func() any) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := refresh(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn(what+" reload", "err", err)
		case changed:
			log.Info(what+" reloaded", "version", version())
		}
	}
}
