package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/storage/sqlstore"
	"kesu/internal/workflow"
)

// How generated cases end (the manufacturer profile's final states), and
// how they are decided. Figures are shares out of 1,000.
const (
	withdrawnPerMille  = 30  // withdrawn by the customer
	mergedPerMille     = 15  // merged into an earlier complaint
	spotPerMille       = 150 // resolved on the spot (non-quality only)
	slowPerMille       = 30  // everything after acceptance takes four times as long
	stuckPerMille      = 7   // … or twenty-five times: cases that linger for months
	waitingPerMille    = 50  // of the open ones: waiting on the customer
	repeatPerMille     = 30  // recorded as a repeat of an earlier complaint
	answeredPerMille   = 850 // closed cases with a follow-up score
	reopenPerMille     = 40  // closed cases reopened once (a sixth of them twice)
	unassignedPerMille = 300 // registered cases not yet given a holder
)

// stateClosed is the manufacturer profile's state of a closed case.
const stateClosed = "closed"

// rootCauses are the recurring causes found, most frequent first, so that
// a Pareto of them has a few vital causes and a long tail.
var rootCauses = map[bool][]string{
	true: {"密封圈硬度不足", "滤芯端盖焊接不良", "供应商来料尺寸超差", "装配扭矩不足", "电路板虚焊", "出厂检验漏检",
		"包装缓冲不足导致运输损伤", "说明书安装步骤不清", "压力开关批次不良", "外壳注塑缩痕", "配件清单漏放", "软件参数设置错误"},
	false: {"物流延误", "安装师傅未按规范操作", "客服未及时回电", "订单录入错误", "价格政策解释不清", "发货仓库拣货错误",
		"发票信息录入错误", "客户使用不当"},
}

// responsibleDepts are the departments found responsible for established
// quality cases, besides the one the scenario points at.
var responsibleDepts = []string{"qa", "production", "production", "rd", "purchasing", "warehouse"}

// Staffing is who handles complaints: the demo users of QA (quality
// categories) and sales (the rest), as routing assigns them.
type Staffing struct {
	qa, sales   int64
	byDept      map[int64][]int64 // handling staff by department
	responsible []int64
	deptID      map[string]int64
	quality     map[string]bool // by category code
}

func NewStaffing(refs *Refs) *Staffing {
	s := &Staffing{byDept: map[int64][]int64{}, deptID: map[string]int64{}, quality: map[string]bool{}}
	for code, d := range refs.Departments {
		s.deptID[code] = d.ID
	}
	s.qa, s.sales = s.deptID["qa"], s.deptID["sales"]
	for _, u := range refs.Users {
		if u.DepartmentID != nil && u.Role != org.RoleAdmin && !u.Disabled {
			s.byDept[*u.DepartmentID] = append(s.byDept[*u.DepartmentID], u.ID)
		}
	}
	for _, code := range responsibleDepts {
		s.responsible = append(s.responsible, s.deptID[code])
	}
	for _, c := range complaint.DefaultCategories {
		s.quality[c.Code] = c.Quality
	}
	return s
}

// Plan is one complaint's generated handling; the complaint's status,
// department and holder are set on it before it is stored, the rest is
// written once it has an id.
type Plan struct {
	state       sqlstore.CaseState
	quality     bool
	final       bool       // closed, archived, withdrawn or merged
	pausedAt    *time.Time // waiting on the customer since
	containment *time.Time // CAPA replies of a quality case
	corrective  *time.Time
	end         time.Time // closure (or withdrawal, merger), past or future
	repeat      bool
}

// lognormal draws a duration with the given median; sigma spreads it
// (1.0: a tenth of the draws are above 3.6 × the median).
func lognormal(r *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

// Handle decides how c is handled up to now and sets its status,
// department and holder.
func (s *Staffing) Handle(r *rand.Rand, c *complaint.Complaint, now time.Time) *Plan {
	p := &Plan{quality: s.quality[c.Category]}
	scenarioDept := c.DepartmentID
	dept := s.sales
	if p.quality {
		dept = s.qa
	}
	c.DepartmentID = &dept
	recv := c.ReceivedAt
	at := func(d time.Duration) *time.Time {
		t := recv.Add(d).Truncate(time.Second)
		return &t
	}
	slow := time.Duration(1)
	switch n := r.IntN(1000); {
	case n < stuckPerMille:
		slow = 25
	case n < stuckPerMille+slowPerMille:
		slow = 4
	}

	// The milestones of the case, as offsets from receipt; they may lie
	// in the future, where they have not happened yet.
	kind := r.IntN(1000)
	var accept, reply, execute, closeAt time.Duration // 0: never
	status := stateClosed
	switch {
	case kind < withdrawnPerMille:
		status, closeAt = "withdrawn", lognormal(r, 30*time.Hour, 1.0)
		if a := lognormal(r, 2*time.Hour, 1.3); a < closeAt {
			accept = a
		}
	case kind < withdrawnPerMille+mergedPerMille:
		status, closeAt = "merged", lognormal(r, 4*time.Hour, 1.0)
	case !p.quality && kind < withdrawnPerMille+mergedPerMille+spotPerMille:
		accept = lognormal(r, time.Hour, 1.0)
		reply = accept
		closeAt = accept + slow*lognormal(r, 72*time.Hour, 0.6)
		status = "resolved_on_spot"
	default:
		accept = lognormal(r, 2*time.Hour, 1.3)
		med := 8 * time.Hour
		if p.quality {
			med = 20 * time.Hour
		}
		reply = accept + slow*lognormal(r, med, 1.0)
		last := reply
		if p.quality || r.IntN(2) == 0 {
			execute = reply + slow*lognormal(r, 36*time.Hour, 0.9)
			last = execute
		}
		closeAt = last + slow*lognormal(r, 60*time.Hour, 0.8)
		if p.quality {
			ct := accept + lognormal(r, 20*time.Hour, 0.9)
			co := ct + slow*lognormal(r, 6*24*time.Hour, 0.6)
			p.containment, p.corrective = at(min(ct, closeAt)), at(min(co, closeAt))
		}
	}
	p.end = *at(closeAt)
	past := func(d time.Duration) *time.Time {
		if d == 0 || recv.Add(d).After(now) {
			return nil
		}
		return at(d)
	}
	st := &p.state
	st.AcceptedAt, st.RepliedAt, st.ExecutedAt, st.ClosedAt = past(accept), past(reply), past(execute), past(closeAt)
	if p.containment != nil && p.containment.After(now) {
		p.containment = nil
	}
	if p.corrective != nil && p.corrective.After(now) {
		p.corrective = nil
	}

	if st.ClosedAt != nil {
		p.final = true
		if status == "resolved_on_spot" || status == stateClosed {
			status = stateClosed
			if now.Sub(p.end) > 180*24*time.Hour && r.IntN(4) == 0 {
				status = "archived"
			}
		}
	} else {
		// Still open: the state follows how far the case has come.
		el := now.Sub(recv)
		frac := func(from, to time.Duration) float64 { return float64(el-from) / float64(max(to-from, 1)) }
		switch {
		case accept == 0 || el < accept:
			status = complaint.StatusRegistered
		case kind >= withdrawnPerMille+mergedPerMille && reply == accept:
			status = "resolved_on_spot"
			if frac(accept, closeAt) > 0.1 {
				status = "follow_up"
			}
		case reply == 0 || el < reply:
			f := 0.0 // a case that will be withdrawn stays accepted
			if reply != 0 {
				f = frac(accept, reply)
			}
			status = pickStage(f, []float64{0.2, 0.5, 0.7, 0.85}, "accepted", "investigating", "responsibility_determined", "measures", "approval")
		case execute != 0 && el < execute:
			status = pickStage(frac(reply, execute), []float64{0.3}, "replied", "executing")
		case execute != 0:
			status = pickStage(frac(execute, closeAt), []float64{0.4}, "verification", "follow_up")
		default:
			status = "follow_up"
		}
		if status != complaint.StatusRegistered && r.IntN(1000) < waitingPerMille {
			since := recv.Add(time.Duration(float64(el) * (0.6 + 0.4*r.Float64()))).Truncate(time.Second)
			p.pausedAt, status = &since, "waiting_on_customer"
		}
	}
	c.Status = status

	if status != complaint.StatusRegistered || r.IntN(1000) >= unassignedPerMille {
		staff := s.byDept[dept]
		h := staff[r.IntN(len(staff))]
		c.HolderID = &h
	}

	// Classification, decided halfway between acceptance and reply.
	decided := reply != 0 && !recv.Add(accept+(reply-accept)/2).After(now)
	if decided && status != "merged" {
		yes := r.IntN(100) < 50
		if p.quality {
			yes = r.IntN(100) < 72
		}
		st.Established = &yes
		switch {
		case yes && r.IntN(100) < 85:
			st.Validity = workflow.ValidityValid
		case yes:
			st.Validity = workflow.ValidityPending
		default:
			st.Validity = workflow.ValidityInvalid
		}
		if yes {
			st.Responsibility = pickWeighted(r, []int{60, 20, 12, 8}, workflow.RespInternal, workflow.RespSupplier, workflow.RespLogistics, workflow.RespUndetermined)
			causes := rootCauses[p.quality]
			st.RootCause = causes[zipf(r, len(causes))]
			if p.quality {
				d := s.responsible[r.IntN(len(s.responsible))]
				if scenarioDept != nil && r.IntN(2) == 0 {
					d = *scenarioDept
				}
				st.Responsible = []int64{d}
				if e := s.responsible[r.IntN(len(s.responsible))]; e != d && r.IntN(5) == 0 {
					st.Responsible = append(st.Responsible, e)
				}
			}
		} else {
			st.Responsibility = pickWeighted(r, []int{80, 20}, workflow.RespCustomer, workflow.RespUndetermined)
		}
	}
	if status == stateClosed || status == "archived" {
		if r.IntN(1000) < answeredPerMille {
			st.Satisfaction = pickWeighted(r, []int{5, 7, 13, 30, 45}, 1, 2, 3, 4, 5)
		}
		if r.IntN(1000) < reopenPerMille {
			st.Reopens = 1 + r.IntN(6)/5
		}
	}
	p.repeat = r.IntN(1000) < repeatPerMille
	return p
}

// clocks returns the time-limit clocks of the stored complaint c as its
// plan left them at now: sla_1, sla_2, sla_3 and the closure limit for
// every complaint, the CAPA replies (sla_4, sla_5) for quality ones. A
// clock is stopped by the milestone that meets it; one whose milestone
// never came ends with the case, not applicable (or breached when the
// case ended after its due time).
func (p *Plan) clocks(c *complaint.Complaint, now time.Time) []sla.Clock {
	st := &p.state
	recv := c.ReceivedAt
	closure, closureDays := "sla_9", 15
	if c.Region == "foreign" {
		closure, closureDays = "sla_9_foreign", 20
	}
	type limit struct {
		policy string
		due    time.Time
		stop   *time.Time
		pauses bool
	}
	limits := []limit{
		{"sla_1", recv.Add(24 * time.Hour), st.AcceptedAt, false},
		{"sla_2", recv.Add(24 * time.Hour), st.AcceptedAt, false},
		{"sla_3", recv.Add(48 * time.Hour), st.RepliedAt, true},
		{closure, recv.AddDate(0, 0, closureDays), st.ClosedAt, true},
	}
	if p.quality {
		limits = append(limits, limit{"sla_4", addWorkingDays(recv, 2), p.containment, true},
			limit{"sla_5", addWorkingDays(recv, 10), p.corrective, true})
	}
	out := make([]sla.Clock, 0, len(limits))
	for _, l := range limits {
		k := sla.Clock{Policy: l.policy, PolicyVersion: 1, StartedAt: recv, DueAt: l.due, HolderID: c.HolderID}
		stop := l.stop
		switch {
		case stop == nil && p.final && st.ClosedAt != nil && !st.ClosedAt.After(l.due):
			// The case ended on a path without this step: not applicable.
			k.State, k.StoppedAt = sla.NotApplicable, st.ClosedAt
		case stop == nil && p.final && st.ClosedAt != nil:
			// It ended late without the step: breached up to the end.
			due := l.due
			k.State, k.StoppedAt, k.BreachedAt, k.Lateness = sla.Breached, st.ClosedAt, &due, st.ClosedAt.Sub(l.due)
		case stop != nil && !stop.After(l.due):
			k.State, k.StoppedAt = sla.Met, stop
		case stop != nil:
			due := l.due
			k.State, k.StoppedAt, k.BreachedAt, k.Lateness = sla.Breached, stop, &due, stop.Sub(l.due)
		case p.pausedAt != nil && l.pauses:
			k.State, k.PausedAt = sla.Paused, p.pausedAt
		case l.due.Before(now):
			due := l.due
			k.State, k.BreachedAt = sla.Breached, &due
		default:
			k.State = sla.Running
		}
		out = append(out, k)
	}
	return out
}

// addWorkingDays adds n days skipping weekends (holidays are ignored:
// the data spans years the calendar may not know).
func addWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.In(beijing).Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// pickStage returns the stage whose share of the way f falls in: bounds
// are the cumulative fractions where each but the last stage ends.
func pickStage(f float64, bounds []float64, stages ...string) string {
	for i, b := range bounds {
		if f < b {
			return stages[i]
		}
	}
	return stages[len(bounds)]
}

func pickWeighted[T any](r *rand.Rand, weights []int, vals ...T) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n -= w; n < 0 {
			return vals[i]
		}
	}
	return vals[len(vals)-1]
}

// zipf draws an index in [0, n) with weight 1/(i+1).
func zipf(r *rand.Rand, n int) int {
	total := 0.0
	for i := range n {
		total += 1 / float64(i+1)
	}
	x := r.Float64() * total
	for i := range n {
		if x -= 1 / float64(i+1); x < 0 {
			return i
		}
	}
	return n - 1
}

// State is what the plan records on the stored complaint c (which has its
// id) at now: decisions, milestones, score, responsible departments and
// clocks, and the status, department and holder Handle chose. repeatOf
// picks an earlier complaint when the plan is a repeat (0 for none).
func (p *Plan) State(c *complaint.Complaint, now time.Time, repeatOf func() int64) sqlstore.CaseState {
	st := p.state
	st.ID = c.ID
	st.Status, st.DepartmentID, st.HolderID = c.Status, c.DepartmentID, c.HolderID
	st.Clocks = p.clocks(c, now)
	if p.repeat && repeatOf != nil {
		if id := repeatOf(); id != 0 {
			st.RepeatOf = id
			st.RepeatAt = c.ReceivedAt.Add(time.Hour)
		}
	}
	return st
}

// beijing is the zone the generated working days are counted in.
var beijing = time.FixedZone("CST", 8*3600)
