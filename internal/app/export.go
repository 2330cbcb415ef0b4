package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"kesu/internal/blob"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/export"
	"kesu/internal/jobs"
	"kesu/internal/storage/sqlstore"
)

// newExports builds the export service; files live in the data folder's
// exports/ beside the attachments.
func newExports(db *sqlstore.DB, cases *casework.Service, c Config, now func() time.Time) *export.Service {
	return &export.Service{
		Store: db.Exports(), Complaints: db.Complaints(), Now: now, Loc: c.Loc,
		Files:  &blob.Store{Dir: filepath.Join(c.Data, "exports")},
		TmpDir: filepath.Join(c.Data, "exports", "tmp"),
		Labels: func(ctx context.Context, lang string) (export.Labels, error) {
			return exportLabels(ctx, db, cases, lang)
		},
	}
}

// exportLabels names states, categories, departments and users in lang,
// read once per export.
func exportLabels(ctx context.Context, db *sqlstore.DB, cases *casework.Service, lang string) (export.Labels, error) {
	cats, err := db.Complaints().Categories(ctx)
	if err != nil {
		return export.Labels{}, err
	}
	catName := map[string]string{}
	byCode := map[string]complaint.Category{}
	for _, k := range cats {
		byCode[k.Code] = k
	}
	for _, k := range cats {
		l := k.Label(lang)
		if p, ok := byCode[k.Parent]; ok {
			l = p.Label(lang) + " / " + l
		}
		catName[k.Code] = l
	}
	depts, err := db.Registers().ListDepartments(ctx)
	if err != nil {
		return export.Labels{}, err
	}
	deptName := map[int64]string{}
	for _, d := range depts {
		deptName[d.ID] = d.Name
	}
	users, err := db.Registers().ListUsers(ctx)
	if err != nil {
		return export.Labels{}, err
	}
	userName := map[int64]string{}
	for _, u := range users {
		userName[u.ID] = u.Name
	}
	status := map[string]string{}
	for _, code := range complaint.Statuses.Codes() {
		status[code] = complaint.Statuses.Label(code, lang)
	}
	if cases != nil {
		for _, d := range cases.Definitions.All() {
			for _, st := range d.States {
				if _, ok := status[st.Code]; !ok {
					status[st.Code] = st.Label(lang)
				}
			}
		}
	}
	pick := func(m map[string]string) func(string) string {
		return func(code string) string {
			if l, ok := m[code]; ok {
				return l
			}
			return code
		}
	}
	pickID := func(m map[int64]string) func(int64) string {
		return func(id int64) string {
			if l, ok := m[id]; ok {
				return l
			}
			return strconv.FormatInt(id, 10)
		}
	}
	return export.Labels{Status: pick(status), Category: pick(catName), Department: pickID(deptName), User: pickID(userName)}, nil
}

// exportHandler makes the file of the export in a job's payload. A failed
// export is recorded on its row; the job does not retry (the user asks
// again).
func exportHandler(s *export.Service) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var id int64
		if err := json.Unmarshal(j.Payload, &id); err != nil {
			return jobs.Permanent(fmt.Errorf("export payload: %w", err))
		}
		if err := s.Run(ctx, id); err != nil {
			if ctx.Err() != nil {
				return err
			}
			return jobs.Permanent(err)
		}
		return nil
	}
}
