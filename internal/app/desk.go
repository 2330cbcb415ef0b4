package app

import (
	"context"
	"encoding/json"
	"fmt"

	"kesu/internal/desk"
	"kesu/internal/jobs"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
)

// handoverReminder reminds the manager on duty of a handover the next
// shift has not acknowledged: the rostered duty managers, or without a
// roster the team's manager and deputy. An acknowledged handover needs no
// reminder; the notice key keeps a repeated job from telling twice.
func handoverReminder(db *sqlstore.DB, svc *desk.Service) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p desk.HandoverReminder
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return fmt.Errorf("handover reminder payload: %w", err)
		}
		h, err := svc.Handover(ctx, p.HandoverID)
		if err != nil {
			return err
		}
		if h.AckAt != nil {
			return nil
		}
		to, err := svc.DutyManagers(ctx, h.DepartmentID, svc.Clock())
		if err != nil {
			return err
		}
		if len(to) == 0 {
			d, err := db.Registers().GetDepartment(ctx, h.DepartmentID)
			if err != nil {
				return err
			}
			for _, u := range []*int64{d.ManagerID, d.DeputyID} {
				if u != nil {
					to = append(to, *u)
				}
			}
		}
		ns := make([]sla.Notice, 0, len(to))
		for _, u := range to {
			ns = append(ns, sla.Notice{UserID: u, Kind: "desk.handover",
				Title: fmt.Sprintf("交接班日志未确认（%s 交班）", h.FromName),
				Body:  fmt.Sprintf("%s 于 %s 交班，接班人尚未确认交接班日志，请跟进。", h.FromName, h.CreatedAt.In(svc.Location()).Format("2006-01-02 15:04")),
				Key:   fmt.Sprintf("desk.handover:%d:%d", h.ID, u)})
		}
		return db.SLAClocks().Notify(ctx, ns...)
	}
}
