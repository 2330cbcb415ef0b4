package queue

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/org"
)

// WorkingDays tells whether a date is a working day of the business
// calendar (sla.Calendar satisfies it).
type WorkingDays interface {
	IsWorkingDay(t time.Time) (bool, error)
}

// Service is the queue as the web layer uses it: validation, opening
// hours, the day of a ticket, live figures and their watchers.
type Service struct {
	Store    Store
	Now      func() time.Time
	Loc      *time.Location
	Calendar func() WorkingDays // nil: every day is a working day
	Hub      *Hub               // told of every change made through the service
	// Departments lists the organisation's departments, whose tree gives
	// the reach of queue permissions held at department scope (access.go).
	// Nil: each department stands alone.
	Departments func(ctx context.Context) ([]org.Department, error)

	depts    deptTree
	counters sync.Map // counter id → branch id

	mu     sync.Mutex
	status map[int64]cachedStatus
	cfgMu  sync.Mutex // guards config and cfgGen; taken inside mu
	config map[int64]cachedConfig
	cfgGen map[int64]uint64 // configuration changes made through Changed
}

// Config is a branch with its service types and counters.
type Config struct {
	Branch   Branch
	Types    []ServiceType
	Counters []Counter
}

// Type returns the branch's service type id, or nil.
func (c *Config) Type(id int64) *ServiceType {
	for i := range c.Types {
		if c.Types[i].ID == id {
			return &c.Types[i]
		}
	}
	return nil
}

// Estimator returns the waiting estimator of the branch.
func (c *Config) Estimator() Estimator {
	byID := make(map[int64]ServiceType, len(c.Types))
	for _, t := range c.Types {
		byID[t.ID] = t
	}
	return Estimator{Policy: c.Branch.Policy, Types: byID, Counters: c.Counters}
}

type cachedConfig struct {
	c   *Config
	gen uint64
	at  time.Time
}

// Config returns a branch's configuration, cached until it is changed:
// on this server (Changed) or on another, as the hub's poll of the
// configuration versions sees it within a quarter of a second. Without a
// current poll (the hub not running) it is kept for a second at most.
// Tickets taken and called leave it be.
func (s *Service) Config(ctx context.Context, branchID int64) (*Config, error) {
	ttl := statusTTL
	var hubGen uint64
	if s.Hub != nil {
		var current bool
		if hubGen, current = s.Hub.ConfigGen(branchID); current {
			ttl = configTTL
		}
	}
	s.cfgMu.Lock()
	gen := s.cfgGen[branchID] + hubGen
	if c, ok := s.config[branchID]; ok && c.gen == gen && time.Since(c.at) < ttl {
		s.cfgMu.Unlock()
		return c.c, nil
	}
	s.cfgMu.Unlock()
	b, err := s.Store.Branch(ctx, branchID)
	if err != nil {
		return nil, err
	}
	c := &Config{Branch: *b}
	if c.Types, err = s.Store.Types(ctx, branchID); err != nil {
		return nil, err
	}
	if c.Counters, err = s.Store.Counters(ctx, branchID); err != nil {
		return nil, err
	}
	s.cfgMu.Lock()
	if s.config == nil {
		s.config = map[int64]cachedConfig{}
	}
	s.config[branchID] = cachedConfig{c: c, gen: gen, at: time.Now()}
	s.cfgMu.Unlock()
	return c, nil
}

// Day is the business day of t.
func (s *Service) Day(t time.Time) string { return t.In(s.Loc).Format(time.DateOnly) }

// IssueRequest is what a kiosk or an online customer asks for.
type IssueRequest struct {
	BranchID    int64  `json:"branch_id"`
	TypeID      int64  `json:"type_id"`
	Channel     string `json:"channel"` // kiosk or online
	Lang        string `json:"lang"`
	Phone       string `json:"phone"`
	RemindAhead int    `json:"remind_ahead"`
}

// Issued is a new ticket with what the printed ticket shows.
type Issued struct {
	Ticket        Ticket      `json:"ticket"`
	Type          ServiceType `json:"type"`
	Branch        Branch      `json:"branch"`
	Ahead         int         `json:"ahead"`
	EstimatedWait float64     `json:"estimated_wait_min"`
	Token         string      `json:"token"`
}

// Open reports whether branch b issues tickets at t.
func (s *Service) Open(b *Branch, t time.Time) (bool, error) {
	lt := t.In(s.Loc)
	hm := lt.Format("15:04")
	if hm < b.Opens || hm >= b.Closes {
		return false, nil
	}
	if b.EveryDay || s.Calendar == nil {
		return true, nil
	}
	return s.Calendar().IsWorkingDay(lt)
}

// Issue takes a ticket.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (*Issued, error) {
	var v apperr.Validation
	req.Phone = strings.TrimSpace(req.Phone)
	if req.Channel != "kiosk" && req.Channel != "online" {
		v.Add("channel", "one_of", "kiosk,online")
	}
	v.Phone("phone", req.Phone)
	if req.RemindAhead < 0 || req.RemindAhead > 99 {
		v.Add("remind_ahead", "out_of_range", "0–99")
	} else if req.RemindAhead > 0 && req.Phone == "" {
		v.Add("phone", "required", "")
	}
	if req.Lang != "en" {
		req.Lang = "zh"
	}
	cfg, err := s.Config(ctx, req.BranchID)
	if apperr.Is(err, apperr.NotFound) {
		v.Add("branch_id", "not_found", "")
	} else if err != nil {
		return nil, err
	}
	var typ *ServiceType
	var b *Branch
	if cfg != nil {
		b = &cfg.Branch
		if typ = cfg.Type(req.TypeID); typ == nil {
			v.Add("type_id", "not_found", "")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.Now()
	open, err := s.Open(b, now)
	if err != nil {
		return nil, err
	}
	if !open {
		v.Add("branch_id", "closed", b.Opens+"–"+b.Closes)
		return nil, v.Err()
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	t := &Ticket{BranchID: b.ID, TypeID: typ.ID, Day: s.Day(now), Status: StatusWaiting, Channel: req.Channel, Lang: req.Lang,
		Phone: req.Phone, RemindAhead: req.RemindAhead, Token: hex.EncodeToString(tok), IssuedAt: now}
	ahead, err := s.Store.Issue(ctx, t)
	if err != nil {
		return nil, err
	}
	s.changed(b.ID)
	out := &Issued{Ticket: *t, Type: *typ, Branch: *b, Ahead: len(ahead), Token: t.Token}
	out.EstimatedWait = cfg.Estimator().Wait(t.TypeID, ahead)
	return out, nil
}

// TicketView is a ticket as its page shows it.
type TicketView struct {
	Ticket        Ticket      `json:"ticket"`
	Type          ServiceType `json:"type"`
	Branch        Branch      `json:"branch"`
	Ahead         int         `json:"ahead"`
	EstimatedWait float64     `json:"estimated_wait_min"`
	Counter       string      `json:"counter,omitempty"`
}

// View returns a ticket by its token with its place in line.
func (s *Service) View(ctx context.Context, id int64, token string) (*TicketView, error) {
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(t.Token), []byte(token)) != 1 {
		return nil, apperr.New(apperr.NotFound, "no ticket %d", id)
	}
	cfg, err := s.Config(ctx, t.BranchID)
	if err != nil {
		return nil, err
	}
	v := &TicketView{Ticket: *t, Branch: cfg.Branch}
	if ty := cfg.Type(t.TypeID); ty != nil {
		v.Type = *ty
	}
	if t.CounterID != nil {
		for _, c := range cfg.Counters {
			if c.ID == *t.CounterID {
				v.Counter = c.Name
			}
		}
	}
	if t.Status == StatusWaiting {
		waiting, err := s.Store.Waiting(ctx, t.BranchID, t.Day)
		if err != nil {
			return nil, err
		}
		e := cfg.Estimator()
		ahead := e.Ahead(*t, waiting)
		v.Ahead, v.EstimatedWait = len(ahead), e.Wait(t.TypeID, ahead)
	}
	return v, nil
}

// LinkComplaint records the complaint the holder of ticket id (their
// token) filed from it; a ticket links one complaint.
func (s *Service) LinkComplaint(ctx context.Context, id int64, token string, complaintID int64) error {
	if _, err := s.View(ctx, id, token); err != nil {
		return err
	}
	return s.Store.LinkComplaint(ctx, id, complaintID)
}

// CallNext calls the next ticket to a counter, for a member of staff
// whose queue.serve reaches the counter's branch.
func (s *Service) CallNext(ctx context.Context, a Actor, counterID int64) (*Ticket, error) {
	if _, err := s.serveAt(ctx, a, counterID); err != nil {
		return nil, err
	}
	t, err := s.Store.CallNext(ctx, counterID, s.Day(s.Now()), s.Now(), a.Audit.Name)
	if err == nil {
		s.changed(t.BranchID)
	}
	return t, err
}

// Act applies a counter action to the ticket the counter holds, for a
// member of staff whose queue.serve reaches the counter's branch.
func (s *Service) Act(ctx context.Context, a Actor, ticketID, counterID int64, action string, toType int64) (*Ticket, error) {
	if _, err := s.serveAt(ctx, a, counterID); err != nil {
		return nil, err
	}
	var v apperr.Validation
	if v.OneOf("action", action, Actions); action == ActTransfer && toType <= 0 {
		v.Add("to_type", "required", "")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	t, err := s.Store.Act(ctx, ticketID, counterID, action, toType, s.Now(), a.Audit.Name)
	if err == nil {
		s.changed(t.BranchID)
	}
	return t, err
}

// Changed tells the branch's watchers of a change made outside the
// service (its configuration) and drops its cached configuration.
func (s *Service) Changed(branchID int64) {
	s.cfgMu.Lock()
	if s.cfgGen == nil {
		s.cfgGen = map[int64]uint64{}
	}
	s.cfgGen[branchID]++
	s.cfgMu.Unlock()
	s.changed(branchID)
}

func (s *Service) changed(branchID int64) {
	if s.Hub != nil {
		s.Hub.Notify(branchID)
	}
}

// statusTTL bounds how long a cached status is served without a
// notification; other servers' changes arrive by the hub's poll.
const statusTTL = time.Second

// configTTL bounds how long a configuration is kept while the hub's poll
// is current: a safety net, the poll sees every change.
const configTTL = time.Minute

type cachedStatus struct {
	st  BranchStatus
	gen uint64
	at  time.Time // wall time computed
}

// Status returns a branch's live figures. They are computed once per
// change however many watchers ask: a cached status serves until the hub
// announces a change of the branch, or for at most a second.
func (s *Service) Status(ctx context.Context, branchID int64) (BranchStatus, error) {
	var gen uint64
	if s.Hub != nil {
		gen = s.Hub.Gen(branchID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.status[branchID]; ok && c.gen == gen && time.Since(c.at) < statusTTL && s.Day(c.st.At) == s.Day(s.Now()) {
		return c.st, nil
	}
	cfg, err := s.Config(ctx, branchID)
	if err != nil {
		return BranchStatus{}, err
	}
	b := &cfg.Branch
	ver, err := s.Store.Version(ctx, branchID)
	if err != nil {
		return BranchStatus{}, err
	}
	day := s.Day(s.Now())
	waiting, err := s.Store.Waiting(ctx, b.ID, day)
	if err != nil {
		return BranchStatus{}, err
	}
	at, err := s.Store.AtCounters(ctx, b.ID, day)
	if err != nil {
		return BranchStatus{}, err
	}
	st := Status(*b, cfg.Types, cfg.Counters, waiting, at, s.Now())
	st.Version = ver
	if s.status == nil {
		s.status = map[int64]cachedStatus{}
	}
	s.status[branchID] = cachedStatus{st: st, gen: gen, at: time.Now()}
	return st, nil
}

// Compare returns every branch's live figures, the least busy first (by
// the shortest estimated wait of any type).
func (s *Service) Compare(ctx context.Context) ([]BranchStatus, error) {
	bs, err := s.Store.Branches(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BranchStatus, 0, len(bs))
	for _, b := range bs {
		st, err := s.Status(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	sort.SliceStable(out, func(i, j int) bool { return busiest(out[i]) < busiest(out[j]) })
	return out, nil
}

// busiest is a branch's longest estimated wait of a type it serves.
func busiest(st BranchStatus) float64 {
	m := 0.0
	for _, t := range st.Types {
		if t.EstimatedWait > m {
			m = t.EstimatedWait
		}
	}
	return m
}
