package casework

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/sla"
)

// EventRepresentative is the timeline entry of a representative quality
// problem, and NoticeRepresentative the notice its recipients get.
const (
	EventRepresentative  = "representative_quality"
	NoticeRepresentative = "case.representative"
)

// RepresentativeDepartments are the departments whose managers hear of a
// representative quality problem (004 §6.4): QA, R&D, production and the
// GM office — the same as of a batch incident.
var RepresentativeDepartments = []string{"qa", "rd", "production", "gm"}

// FlagsRepresentative reports whether role is one of the roles that judge a quality problem
// representative: QA, managers and the GMs.
func FlagsRepresentative(role string) bool {
	switch role {
	case org.RoleQAEngineer, org.RoleManager, org.RoleDeputyGM, org.RoleGM:
		return true
	}
	return false
}

// FlagRepresentative records that the case's quality problem is
// representative (具有代表性的质量问题, 004 §6.4) whatever the number of
// units: the managers of QA, R&D, production and the GM office are told in
// the same transaction, and QA decides on corrective action. Flagging a
// case again tells them again.
func (s *Service) FlagRepresentative(ctx context.Context, complaintID int64, note string, actor Actor) (*Record, []int64, error) {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.ComplaintUpdate, false)
	if err != nil {
		return nil, nil, err
	}
	if actor.Public || !FlagsRepresentative(actor.User.Role) {
		return nil, nil, forbidden("actor", "role", "", "only QA, managers and the GMs flag a representative quality problem")
	}
	note = strings.TrimSpace(note)
	var v apperr.Validation
	if v.Required("note", note) {
		v.Text("note", note, MaxNote)
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	ds, err := s.Store.Departments(ctx)
	if err != nil {
		return nil, nil, err
	}
	var to []int64
	for _, d := range ds {
		if !slices.Contains(RepresentativeDepartments, d.Code) {
			continue
		}
		ms, err := s.managers(ctx, &d.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range ms {
			if !slices.Contains(to, m) {
				to = append(to, m)
			}
		}
	}
	slices.Sort(to)
	before := cloneRecord(r)
	now := s.Now()
	w := Write{Action: "case.representative", Event: complaint.Event{ComplaintID: r.ComplaintID, At: now, Kind: EventRepresentative,
		Body: note, Data: map[string]any{"recipients": to}}}
	cid := r.ComplaintID
	for _, u := range to {
		w.Notices = append(w.Notices, sla.Notice{UserID: u, Kind: NoticeRepresentative, ComplaintID: &cid,
			Title: fmt.Sprintf("代表性质量问题：%s", r.Number),
			Body:  note,
			Key:   "representative:" + strconv.FormatInt(cid, 10) + ":" + strconv.FormatInt(u, 10) + ":" + strconv.FormatInt(now.UnixMicro(), 10),
			Data:  map[string]string{"number": r.Number}})
	}
	if err := s.commit(ctx, before, r, &w, actor); err != nil {
		return nil, nil, err
	}
	return r, to, nil
}
