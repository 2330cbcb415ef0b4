package storetest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/export"
	"kesu/internal/org"
	"kesu/internal/report"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

// reportCase is one fixture complaint of the statistics test.
type reportCase struct {
	category, severity, channel, class, region string
	dept                                       string
	holder                                     *org.User
	received                                   time.Time
	status                                     string
	established                                *bool
	validity, responsibility, rootCause        string
	accepted, replied, executed, closed        float64 // hours after received (replied..executed: after replied); 0: none
	satisfaction, reopens                      int
	clocks                                     []fixtureClock
}

type fixtureClock struct {
	policy, state     string
	due               time.Time
	breached, stopped bool
}

// testReportStatistics checks the statistics table, KPIs and dashboard
// against figures worked out by hand for a small, known month.
func testReportStatistics(t *testing.T, e *env) {
	qa, sales, prod := e.dept(t, "qa"), e.dept(t, "sales"), e.dept(t, "production")
	u1 := e.user(t, "wang", org.RoleQAEngineer, qa)
	u2 := e.user(t, "li", org.RoleAgent, sales)
	oct := func(day, hour int) time.Time { return time.Date(2026, 10, day, hour, 0, 0, 0, Zone) }
	yes, no := true, false
	past := oct(31, 0) // due before "now" (2026-11-25)
	future := Start.Add(48 * time.Hour)
	cases := []reportCase{
		{category: "quality.leak", severity: "major", channel: "phone", class: customer.ClassEndUser, region: "domestic", dept: "qa", holder: u1,
			received: oct(5, 9), status: "closed", established: &yes, validity: "valid", responsibility: "internal", rootCause: "密封圈硬度不足",
			accepted: 2, replied: 20, executed: 30, closed: 100, satisfaction: 5,
			clocks: []fixtureClock{{"sla_1", sla.Met, past, false, true}, {"sla_9", sla.Met, past, false, true}}},
		{category: "quality.leak", severity: "critical", channel: "web", class: customer.ClassDealer, region: "domestic", dept: "qa", holder: u1,
			received: oct(10, 10), status: "closed", established: &yes, validity: "valid", responsibility: "internal", rootCause: "密封圈硬度不足",
			accepted: 4, replied: 30, closed: 200, satisfaction: 3, reopens: 1,
			clocks: []fixtureClock{{"sla_1", sla.Breached, past, true, true}, {"sla_9", sla.Met, past, false, true}}},
		{category: "service.attitude", severity: "minor", channel: "phone", class: customer.ClassEndUser, region: "domestic", dept: "sales", holder: u2,
			received: oct(12, 9), status: "closed", established: &no, validity: "invalid", responsibility: "customer",
			accepted: 1, replied: 2, closed: 10, satisfaction: 4},
		{category: "quality.function", severity: "major", channel: "email", class: customer.ClassEndUser, region: "foreign", dept: "qa", holder: u2,
			received: oct(20, 14), status: "investigating", accepted: 6,
			clocks: []fixtureClock{{"sla_1", sla.Met, past, false, true}, {"sla_9_foreign", sla.Breached, past, true, false}}},
		{category: "service.response", severity: "minor", channel: "phone", class: customer.ClassWalkIn, region: "domestic", dept: "sales",
			received: oct(25, 11), status: "withdrawn", closed: 5},
		{category: "quality.leak", severity: "minor", channel: "phone", class: customer.ClassEndUser, region: "domestic", dept: "qa", holder: u1,
			received: oct(31, 23), status: "registered",
			clocks: []fixtureClock{{"sla_1", sla.Paused, future, false, false}}},
	}
	ids := make([]int64, len(cases))
	clocks := map[int64][]sla.Clock{}
	for i, rc := range cases {
		c := NewComplaint("统计样例")
		c.Category, c.Severity, c.Channel, c.ReceivedAt = rc.category, rc.severity, rc.channel, rc.received
		c.CustomerClass, c.Region = rc.class, rc.region
		e.create(t, c)
		ids[i] = c.ID
		// The class is normally the customer's; the fixture sets it directly.
		e.exec(t, `UPDATE complaints SET customer_class = ? WHERE id = ?`, rc.class, c.ID)
		r := e.load(t, c.ID)
		dept := e.dept(t, rc.dept)
		r.DepartmentID = &dept
		if rc.holder != nil {
			r.HolderID = &rc.holder.ID
		}
		r.Status, r.Established, r.Validity, r.Responsibility, r.RootCause = rc.status, rc.established, rc.validity, rc.responsibility, rc.rootCause
		r.LastSatisfaction, r.Reopens = rc.satisfaction, rc.reopens
		at := func(h float64, from time.Time) *time.Time {
			if h == 0 {
				return nil
			}
			v := from.Add(time.Duration(h * float64(time.Hour)))
			return &v
		}
		r.AcceptedAt, r.RepliedAt, r.ClosedAt = at(rc.accepted, rc.received), at(rc.replied, rc.received), at(rc.closed, rc.received)
		if r.RepliedAt != nil {
			r.ExecutedAt = at(rc.executed, *r.RepliedAt)
		}
		e.save(t, r, casework.Write{})
		for _, k := range rc.clocks {
			due := k.due
			clock := sla.Clock{Policy: k.policy, PolicyVersion: 1, StartedAt: rc.received, DueAt: due, State: k.state}
			if k.breached {
				clock.BreachedAt = &due
			}
			if k.stopped {
				clock.StoppedAt = &due
			}
			clocks[c.ID] = append(clocks[c.ID], clock)
		}
	}
	// Clocks written directly, with their outcomes on the complaints.
	if err := e.db.PutClocks(e.ctx, clocks); err != nil {
		t.Fatal(err)
	}
	// Outside the month: the last minute of September and the first of November.
	for _, at := range []time.Time{time.Date(2026, 9, 30, 23, 59, 0, 0, Zone), time.Date(2026, 11, 1, 0, 0, 0, 0, Zone)} {
		c := NewComplaint("月外")
		c.ReceivedAt = at
		e.create(t, c)
	}
	// The second case repeats the first; it was caused by QA and production.
	e.exec(t, `INSERT INTO complaint_links (from_id, to_id, kind, created_at) VALUES (?, ?, 'repeat', ?)`, ids[1], ids[0], micros(Start))
	for _, rd := range []struct {
		id   int64
		dept int64
	}{{ids[0], qa}, {ids[1], qa}, {ids[1], prod}} {
		e.exec(t, `INSERT INTO complaint_responsible (complaint_id, department_id, share) VALUES (?, ?, 50)`, rd.id, rd.dept)
	}

	def, err := workflow.LoadProfile(workflow.ProfileManufacturer)
	if err != nil {
		t.Fatal(err)
	}
	pols, err := sla.DefaultPolicies()
	if err != nil {
		t.Fatal(err)
	}
	svc := &report.Service{Store: e.db.Reports(), Now: e.clock.Now, Loc: Zone, Labels: report.DefaultLabels(def.StateSet()),
		Policies: pols.Set, OpenStatuses: def.OpenStates()}
	month := report.Query{From: time.Date(2026, 10, 1, 0, 0, 0, 0, Zone), To: time.Date(2026, 11, 1, 0, 0, 0, 0, Zone)}
	st, err := svc.Statistics(e.ctx, month)
	if err != nil {
		t.Fatal(err)
	}
	headline := [][2]int{{st.Total, 6}, {st.Closed, 4}, {st.Open, 2}, {st.Overdue, 1}, {st.Established, 2}, {st.NotEstablished, 1},
		{st.Undecided, 3}, {st.Repeats, 1}, {st.Reopened, 1}, {st.Withdrawn, 1}}
	for i, h := range headline {
		if h[0] != h[1] {
			t.Errorf("headline figure %d = %d, want %d (total, closed, open, overdue, established, not, undecided, repeats, reopened, withdrawn)", i, h[0], h[1])
		}
	}
	if st.RepeatRate != 0.1667 || st.ReopenRate != 0.1667 || st.WithdrawalRate != 0.1667 {
		t.Errorf("rates repeat %v reopen %v withdrawal %v, want 0.1667 each", st.RepeatRate, st.ReopenRate, st.WithdrawalRate)
	}
	counts := func(dim string) map[string]int {
		m := map[string]int{}
		for _, r := range st.Breakdown(dim).Rows {
			m[r.Key] = r.Count
		}
		return m
	}
	qaKey, salesKey, prodKey := itoa(qa), itoa(sales), itoa(prod)
	for dim, want := range map[string]map[string]int{
		"category_top":           {"quality": 4, "service": 2},
		"category":               {"quality.leak": 3, "quality.function": 1, "service.attitude": 1, "service.response": 1},
		"severity":               {"critical": 1, "major": 2, "minor": 3},
		"channel":                {"phone": 4, "web": 1, "email": 1},
		"class":                  {"end_user": 4, "dealer": 1, "walk_in": 1},
		"region":                 {"domestic": 5, "foreign": 1},
		"department":             {qaKey: 4, salesKey: 2},
		"responsible_department": {qaKey: 2, prodKey: 1},
		"responsibility":         {"internal": 2, "customer": 1, "": 3},
		"validity":               {"valid": 2, "invalid": 1, "": 3},
		"established":            {"true": 2, "false": 1, "": 3},
		"status":                 {"closed": 3, "investigating": 1, "withdrawn": 1, "registered": 1},
	} {
		if got := counts(dim); !reflect.DeepEqual(got, want) {
			t.Errorf("by %s = %v, want %v", dim, got, want)
		}
	}
	qaRow := st.Breakdown("department").Rows[0]
	if qaRow.Key != qaKey || qaRow.ZH != "品质部" || qaRow.Share != 0.6667 || qaRow.Open != 2 || qaRow.Overdue != 1 || qaRow.Closed != 2 {
		t.Errorf("QA row = %+v", qaRow)
	}
	wantStages := []report.Stage{
		{Stage: "accept", Count: 4, Mean: 3.25, Median: 3, P90: 5.4},
		{Stage: "reply", Count: 3, Mean: 17.33, Median: 20, P90: 28},
		{Stage: "execute", Count: 1, Mean: 30, Median: 30, P90: 30},
		{Stage: "close", Count: 4, Mean: 78.75, Median: 55, P90: 170},
	}
	if !reflect.DeepEqual(st.Stages, wantStages) {
		t.Errorf("stages = %+v\nwant %+v", st.Stages, wantStages)
	}
	if s := st.Satisfaction; s.Answered != 3 || s.Mean != 4 || s.Scores != [5]int{0, 0, 1, 1, 1} {
		t.Errorf("satisfaction = %+v", s)
	}
	limits := map[string]report.Limit{}
	for _, l := range st.Limits {
		limits[l.Policy] = l
	}
	for code, want := range map[string][4]float64{ // met, breached, running, on-time
		"sla_1":         {2, 1, 1, 0.6667},
		"sla_9":         {2, 0, 0, 1},
		"sla_9_foreign": {0, 1, 0, 0},
	} {
		l := limits[code]
		if got := [4]float64{float64(l.Met), float64(l.Breached), float64(l.Running), l.OnTime}; got != want {
			t.Errorf("limit %s = %v, want met/breached/running/on-time %v", code, got, want)
		}
	}
	if len(st.Limits) != 3 || st.Limits[0].Policy != "sla_1" || st.Limits[0].ZH == "" {
		t.Errorf("limits = %+v", st.Limits)
	}
	if p := st.Pareto[0]; p.Dim != "category" || p.Total != 6 || p.Items[0].Key != "quality.leak" || p.Items[0].Count != 3 ||
		p.Items[0].Cumulative != 0.5 || !p.Items[0].Vital {
		t.Errorf("category Pareto = %+v", p)
	}
	if p := st.Pareto[1]; p.Dim != "root_cause" || p.Total != 2 || len(p.Items) != 1 || p.Items[0].Key != "密封圈硬度不足" {
		t.Errorf("root cause Pareto = %+v", p)
	}
	last := st.Trend[len(st.Trend)-1]
	if len(st.Trend) != 12 || last.Month != "2026-10" || last.Count != 6 || st.Trend[10].Count != 1 || last.MoM == nil || *last.MoM != 5 {
		t.Errorf("trend ends %+v (month before %+v)", last, st.Trend[10])
	}

	// Filters narrow every figure the same way.
	minor := month
	minor.Filter.Severity = []string{"minor"}
	if st, err := svc.Statistics(e.ctx, minor); err != nil || st.Total != 3 || st.Closed != 2 || st.Breakdown("channel").Total != 3 {
		t.Errorf("minor only: %v %+v", err, st)
	}
	search := month
	search.Filter.Query = "统计样"
	if st, err := svc.Statistics(e.ctx, search); err != nil || st.Total != 6 {
		t.Errorf("search: %v total %d", err, st.Total)
	}
	// The list behind a count holds the same complaints.
	from, to := month.From, month.To
	page, err := e.db.Complaints().List(e.ctx, complaint.Filter{From: &from, To: &to, DepartmentID: &qa, State: "open", Limit: 50})
	if err != nil || len(page.Items) != qaRow.Open {
		t.Errorf("drill-down to QA's open cases: %v, %d items, want %d", err, len(page.Items), qaRow.Open)
	}
	page, err = e.db.Complaints().List(e.ctx, complaint.Filter{From: &from, To: &to, Responsibility: "internal", Established: &yes, HolderID: &u1.ID, Limit: 50})
	if err != nil || len(page.Items) != 2 {
		t.Errorf("drill-down by decision and holder: %v, %d items", err, len(page.Items))
	}

	kpis, err := svc.KPIs(e.ctx, month, "holder", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(kpis.Rows) != 3 {
		t.Fatalf("KPI rows = %+v", kpis.Rows)
	}
	k := kpis.Rows[0]
	if k.Key != itoa(u1.ID) || k.Rank != 1 || k.Volume != 3 || k.Closed != 2 || k.FirstResponse != 3 || k.Resolution != 150 ||
		k.Met != 3 || k.Breached != 1 || k.OnTime != 0.75 || k.Satisfaction != 4 || k.ReopenRate != 0.3333 ||
		k.Previous == nil || k.Previous.Volume != 0 {
		t.Errorf("first KPI row = %+v", k)
	}
	k = kpis.Rows[1]
	if k.Key != itoa(u2.ID) || k.Volume != 2 || k.FirstResponse != 3.5 || k.Resolution != 10 || k.OnTime != 0.5 || k.Satisfaction != 4 {
		t.Errorf("second KPI row = %+v", k)
	}
	depts, err := svc.KPIs(e.ctx, month, "department", false)
	if err != nil || len(depts.Rows) != 2 || depts.Rows[0].Name != "品质部" || depts.Rows[0].Volume != 4 {
		t.Errorf("department KPIs: %v %+v", err, depts)
	}

	// The monthly loss list (FIN-2): the amounts of the cases closed in
	// October, allocated by the responsible parties' shares.
	e.exec(t, `UPDATE complaints SET amount = ? WHERE id = ?`, 15000, ids[0])
	e.exec(t, `UPDATE complaints SET amount = ? WHERE id = ?`, 20000, ids[1])
	losses, err := svc.Losses(e.ctx, month)
	if err != nil {
		t.Fatal(err)
	}
	if losses.Cases != 2 || losses.Amount != 35000 || len(losses.Lines) != 3 {
		t.Errorf("losses: %d cases, %d fen, %d lines", losses.Cases, losses.Amount, len(losses.Lines))
	}
	gotTotals := map[string][2]int64{}
	for _, lt := range losses.Totals {
		gotTotals[lt.Kind+":"+lt.Name] = [2]int64{int64(lt.Cases), lt.Allocated}
	}
	if want := map[string][2]int64{"department:品质部": {2, 17500}, "department:生产部": {1, 10000}}; !reflect.DeepEqual(gotTotals, want) {
		t.Errorf("loss totals = %v, want %v", gotTotals, want)
	}
	// The loss workbook names categories and resolutions, not their codes.
	e.exec(t, `UPDATE complaints SET resolution = ? WHERE id = ?`, "refund", ids[0])
	if losses, err = svc.Losses(e.ctx, month); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		var buf bytes.Buffer
		if err := export.WriteCSV(&buf, report.LossSheets(losses, lang, time.UTC)[1]); err != nil {
			t.Fatal(err)
		}
		for _, l := range losses.Lines {
			if strings.Contains(buf.String(), ","+l.Category+",") || l.CategoryZH == "" || l.CategoryZH == l.Category {
				t.Errorf("%s loss list shows the category code %q: %s", lang, l.Category, buf.String())
			}
		}
		want := map[string]string{"zh": "退款", "en": "Refund"}[lang]
		if !strings.Contains(buf.String(), ","+want+",") || strings.Contains(buf.String(), ",refund,") {
			t.Errorf("%s loss list lacks the resolution label %q: %s", lang, want, buf.String())
		}
	}

	// The dashboard sees open work now: the investigating case is overdue.
	d, err := svc.Dashboard(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Open != 4 || d.Overdue != 1 { // two open October cases and the September and November ones
		t.Errorf("dashboard open %d overdue %d, want 4 and 1", d.Open, d.Overdue)
	}
	owner := map[string][2]int{}
	for _, r := range d.ByOwner {
		owner[r.Key] = [2]int{r.Open, r.Overdue}
	}
	if owner[itoa(u2.ID)] != [2]int{1, 1} || owner[itoa(u1.ID)] != [2]int{1, 0} {
		t.Errorf("open by owner = %v", owner)
	}
	if d.Month != "2026-11" || d.Received != 1 {
		t.Errorf("dashboard month %s received %d", d.Month, d.Received)
	}
}

func (e *env) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := e.db.W.ExecContext(e.ctx, e.db.Dialect.Rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func micros(t time.Time) int64 { return t.UnixMicro() }
