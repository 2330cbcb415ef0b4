package casework

import (
	"context"
	"slices"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	"kesu/internal/complaint"
	"kesu/internal/workflow"
)

// Assign sets the holder and backup of a case by hand; neither may be a
// person complained about.
func (s *Service) Assign(ctx context.Context, complaintID int64, version int, holder, backup *int64, actor Actor) (*Record, error) {
	r, err := s.begin(ctx, complaintID, version, actor, auth.CaseAssign, false)
	if err != nil {
		return nil, err
	}
	before := cloneRecord(r)
	var v apperr.Validation
	for _, p := range []struct {
		f  string
		id *int64
	}{{"holder_id", holder}, {"backup_id", backup}} {
		if p.id != nil && slices.Contains(r.Parties, *p.id) {
			v.Add(p.f, workflow.RulePartyToComplaint, "")
		}
	}
	if holder != nil && backup != nil && *holder == *backup {
		v.Add("backup_id", "same_as_holder", "")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r.HolderID, r.BackupID = holder, backup
	w := Write{Action: "workflow.assign", Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(), Kind: "assigned",
		Data: map[string]any{"holder_id": holder, "backup_id": backup, "by_hand": true}}}
	return r, s.commit(ctx, before, r, &w, actor)
}

// SetParties records the staff a complaint is about (当事人). A holder or
// backup who is one of them is taken off the case; from then on they can
// write nothing on it.
func (s *Service) SetParties(ctx context.Context, complaintID int64, userIDs []int64, actor Actor) error {
	r, err := s.begin(ctx, complaintID, 0, actor, auth.CaseAssign, false)
	if err != nil {
		return err
	}
	before := cloneRecord(r)
	parties := []int64{}
	for _, u := range userIDs {
		if !slices.Contains(parties, u) {
			parties = append(parties, u)
		}
	}
	if r.HolderID != nil && slices.Contains(parties, *r.HolderID) {
		r.HolderID = nil
	}
	if r.BackupID != nil && slices.Contains(parties, *r.BackupID) {
		r.BackupID = nil
	}
	r.Parties = parties
	w := Write{Action: "workflow.parties", Parties: parties, Event: complaint.Event{ComplaintID: r.ComplaintID, At: s.Now(),
		Kind: "parties", Data: map[string]any{"user_ids": parties}}}
	return s.commit(ctx, before, r, &w, actor)
}

// Lookups are the registers routing reads for a new complaint.
type Lookups struct {
	Customer    func(ctx context.Context, id int64) (class, region string, dealerID int64, err error)
	ProductLine func(ctx context.Context, id int64) (string, error)
	Quality     func(ctx context.Context, category string) (bool, error)
}

// Router returns the routing step of registration (complaint.Service.Route):
// it sets the lifecycle profile and its version, the owning department,
// holder and backup of a new complaint by the default profile's newest
// rules, so they are stored with it.
func (s *Service) Router(l Lookups) func(ctx context.Context, c *complaint.Complaint) error {
	return func(ctx context.Context, c *complaint.Complaint) error {
		latest, _ := s.Definitions.Latest(s.Default)
		if c.Profile != "" && c.Profile != s.Default {
			// Registration asked for another profile: its rules route.
			if v, known := s.Definitions.Latest(c.Profile); known {
				latest = v
			}
		}
		def := latest.Definition
		sub := workflow.Subject{Category: c.Category, Severity: c.Severity, Safety: c.Safety, Channel: c.Channel, Region: c.Region}
		var err error
		if c.Category != "" {
			if sub.Quality, err = l.Quality(ctx, c.Category); err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		if c.CustomerID != nil {
			var region string
			sub.CustomerClass, region, sub.DealerID, err = l.Customer(ctx, *c.CustomerID)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if region != "" && (c.Region == "" || c.Region == "domestic") {
				sub.Region = region
			}
		}
		if c.ProductID != nil {
			if sub.ProductLine, err = l.ProductLine(ctx, *c.ProductID); err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		// The case runs the newest version of its profile for its life.
		c.Profile, c.ProfileVersion = latest.Profile, latest.Version
		out, ok := workflow.Route(def.Routing, sub)
		if !ok {
			return nil
		}
		if out.Profile != "" {
			if v, known := s.Definitions.Latest(out.Profile); known {
				c.Profile, c.ProfileVersion = v.Profile, v.Version
			}
		}
		dept := out.Department
		if out.ToDealer() {
			dept = "sales" // the dealer services; sales guides it (CUS-2)
		}
		if c.DepartmentID == nil {
			id, err := s.departmentID(ctx, dept)
			if apperr.Is(err, apperr.NotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			c.DepartmentID = &id
		}
		if c.HolderID != nil {
			return nil
		}
		team, err := s.team(ctx, *c.DepartmentID, def.OpenStates())
		if err != nil {
			return err
		}
		if len(team) == 0 {
			return nil // nobody there: the case waits unassigned
		}
		if team, err = s.onShift(ctx, *c.DepartmentID, team); err != nil {
			return err
		}
		var last int64
		if out.Strategy != workflow.LeastLoaded {
			if last, err = s.lastHolder(ctx, *c.DepartmentID); err != nil {
				return err
			}
		}
		asg, err := workflow.Pick(out.Strategy, team, last, nil)
		if apperr.Is(err, apperr.Conflict) {
			return nil // nobody there: the case waits unassigned
		}
		if err != nil {
			return err
		}
		c.HolderID = &asg.Primary
		if asg.Backup != 0 {
			c.BackupID = &asg.Backup
		}
		s.lastAssigned.Store(*c.DepartmentID, asg.Primary)
		s.assigned(*c.DepartmentID, asg.Primary)
		return nil
	}
}

// teamTTL is how long routing trusts a department's member list and loads;
// its own assignments are counted in meanwhile.
const teamTTL = 10 * time.Second

type cachedTeam struct {
	team []workflow.Candidate
	at   time.Time
}

// team returns a department's candidates, read at most every teamTTL.
func (s *Service) team(ctx context.Context, departmentID int64, open []string) ([]workflow.Candidate, error) {
	s.teamMu.Lock()
	ct, ok := s.teams[departmentID]
	s.teamMu.Unlock()
	now := s.Now()
	if ok && now.Sub(ct.at) < teamTTL && now.After(ct.at.Add(-time.Second)) {
		return slices.Clone(ct.team), nil
	}
	team, err := s.Store.Team(ctx, departmentID, open)
	if err != nil {
		return nil, err
	}
	s.teamMu.Lock()
	if s.teams == nil {
		s.teams = map[int64]cachedTeam{}
	}
	s.teams[departmentID] = cachedTeam{team: slices.Clone(team), at: now}
	s.teamMu.Unlock()
	return team, nil
}

type cachedDuty struct {
	users []int64
	at    time.Time
}

// onShift marks the members of team who are not on shift as unavailable,
// when the department's roster has any of them on shift now; the roster
// is read at most every teamTTL.
func (s *Service) onShift(ctx context.Context, departmentID int64, team []workflow.Candidate) ([]workflow.Candidate, error) {
	if s.OnDuty == nil {
		return team, nil
	}
	now := s.Now()
	s.teamMu.Lock()
	cd, ok := s.duty[departmentID]
	s.teamMu.Unlock()
	if !ok || now.Sub(cd.at) >= teamTTL || now.Before(cd.at) {
		users, err := s.OnDuty(ctx, departmentID, now)
		if err != nil {
			return nil, err
		}
		cd = cachedDuty{users: users, at: now}
		s.teamMu.Lock()
		if s.duty == nil {
			s.duty = map[int64]cachedDuty{}
		}
		s.duty[departmentID] = cd
		s.teamMu.Unlock()
	}
	on := 0
	for _, c := range team {
		if slices.Contains(cd.users, c.UserID) && !c.OnLeave {
			on++
		}
	}
	if on == 0 {
		return team, nil
	}
	out := slices.Clone(team)
	for i := range out {
		if !slices.Contains(cd.users, out[i].UserID) {
			out[i].OnLeave = true
		}
	}
	return out, nil
}

// assigned counts a new case on the cached load of its holder, so that
// least-loaded routing spreads a burst of complaints.
func (s *Service) assigned(departmentID, userID int64) {
	s.teamMu.Lock()
	defer s.teamMu.Unlock()
	ct, ok := s.teams[departmentID]
	if !ok {
		return
	}
	for i := range ct.team {
		if ct.team[i].UserID == userID {
			ct.team[i].Load++
		}
	}
}

// departmentID resolves a department code; codes are stable, so answers
// are remembered.
func (s *Service) departmentID(ctx context.Context, code string) (int64, error) {
	if v, ok := s.deptIDs.Load(code); ok {
		return v.(int64), nil
	}
	id, err := s.Store.DepartmentByCode(ctx, code)
	if err == nil {
		s.deptIDs.Store(code, id)
	}
	return id, err
}

// lastHolder is where round-robin continues in a department: this
// server's last pick, or the holder of the department's newest case when
// it has not picked there yet.
func (s *Service) lastHolder(ctx context.Context, departmentID int64) (int64, error) {
	if v, ok := s.lastAssigned.Load(departmentID); ok {
		return v.(int64), nil
	}
	last, err := s.Store.LastHolder(ctx, departmentID)
	if err == nil {
		s.lastAssigned.LoadOrStore(departmentID, last)
	}
	return last, err
}
