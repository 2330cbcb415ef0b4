package api_test

// The branch queue in the model-based test (issue 14): branches of several
// departments (one under another, one of none) with their service types
// and counters, public tickets, random users working random counters and
// setting up random branches, and the queue's invariants checked after
// every step against the stored tables.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kesu/internal/audit"
	"kesu/internal/org"
	"kesu/internal/queue"
)

// Queue permissions of the model, by what the spec says a role may do:
// managers set up and work their department's branches and read their
// figures, customer service works its department's counters, the
// administrator sets up every branch, the general managers and the
// auditor read every branch's figures.
const (
	qServe  = "serve"
	qAdmin  = "admin"
	qReport = "report"
)

var modelQueueGrants = map[string]map[string]mScope{
	org.RoleAdmin:    {qAdmin: sAll, qReport: sAll},
	org.RoleGM:       {qReport: sAll},
	org.RoleDeputyGM: {qReport: sAll},
	org.RoleManager:  {qServe: sDept, qAdmin: sDept, qReport: sDept},
	org.RoleAgent:    {qServe: sDept},
	org.RoleAuditor:  {qReport: sAll},
}

// queueReach reports whether u's queue permission p reaches a branch of
// department dept (nil: none).
func (w *modelWorld) queueReach(u *muser, p string, dept *int64) bool {
	if u == nil {
		return false
	}
	switch modelQueueGrants[u.Role][p] {
	case sAll:
		return true
	case sDept:
		return dept != nil && u.Dept != 0 && slices.Contains(w.sub[u.Dept], *dept)
	}
	return false
}

func queueCan(u *muser, p string) bool { return u != nil && modelQueueGrants[u.Role][p] != sNone }

// modelBranches are the queue's branches at the start: customer service,
// the laboratory under quality, sales, and head office with no
// department; their types' prefixes and their counters' profiles (type
// indexes).
var modelBranches = []struct {
	code, dept string
	types      string
	counters   [][]int
}{
	{"q-cs", "cs", "ABC", [][]int{{0}, {1}, {0, 1, 2}}},
	{"q-lab", "qa_lab", "AB", [][]int{{0}, {0, 1}}},
	{"q-sales", "sales", "ABV", [][]int{{0, 1}, {2}, {0, 2}}},
	{"q-hq", "", "AB", [][]int{{0, 1}, {1}}},
}

// mqueue is what the model keeps of the queue between steps: the stored
// rows it has checked, and each ticket's place as the events tell it.
type mqueue struct {
	seenEvent, seenTicket, seenAudit int64
	at                               map[int64]int64  // ticket → counter it is at (called or serving); 0: waiting
	done                             map[int64]bool   // tickets finished or not shown
	numbers                          map[string]int64 // branch/day/prefix → tickets numbered
	seqs                             map[string]int64 // branch/day → tickets issued
	byName                           map[string]*muser
}

// openQueue sets up the branches through the store, as an administrator
// would have before the run.
func (w *modelWorld) openQueue(ctx context.Context) error {
	st := w.app.Queue.Store
	for _, mb := range modelBranches {
		b := &queue.Branch{Code: mb.code, Name: "网点 " + mb.code, Policy: queue.Pooled, Opens: "00:00", Closes: "23:59", EveryDay: true}
		if mb.dept != "" {
			b.DepartmentID = ptr(w.depts[mb.dept])
		}
		if err := st.SaveBranch(ctx, b, audit.System, nil); err != nil {
			return err
		}
		var types []int64
		for i, p := range mb.types {
			t := &queue.ServiceType{BranchID: b.ID, Prefix: string(p), Name: "业务 " + string(p), HandleMinutes: float64(3 + 4*i), Priority: i}
			if err := st.SaveType(ctx, t, audit.System, nil); err != nil {
				return err
			}
			types = append(types, t.ID)
		}
		for i, prof := range mb.counters {
			c := &queue.Counter{BranchID: b.ID, Name: fmt.Sprintf("%d号窗口", i+1), Open: true}
			for _, k := range prof {
				c.Types = append(c.Types, types[k])
			}
			if err := st.SaveCounter(ctx, c, audit.System, nil); err != nil {
				return err
			}
		}
	}
	w.q = &mqueue{at: map[int64]int64{}, done: map[int64]bool{}, numbers: map[string]int64{}, seqs: map[string]int64{},
		byName: map[string]*muser{}}
	for _, u := range w.users {
		w.q.byName[u.Name] = u
	}
	return w.app.DB.R.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM audit_log").Scan(&w.q.seenAudit)
}

// qBranch is a stored branch as a snapshot has it.
type qBranch struct {
	id   int64
	code string
	dept *int64
}

type qCounter struct {
	branch int64
	types  []int64
}

type qTicket struct {
	id, branch, typ, counter int64
	status                   string
}

// qsnap is the queue's stored state after a step.
type qsnap struct {
	branches []qBranch // by id
	byID     map[int64]qBranch
	types    map[int64]int64 // type → branch
	byBranch map[int64][]int64
	counters map[int64]qCounter
	cIDs     []int64
	at       []qTicket // called or serving
	tickets  int64     // the newest ticket's id
	events   int64     // the newest event's id
	probe    string    // the newest ids, the versions and the counts
	fp       string    // every stored row of the configuration and tickets at counters, and the probe
}

// queueSnapshot reads the queue's stored state. After a step that is
// not the queue's (nor the worker's) it first reads the newest ids,
// versions and counts, and keeps prev when none moved: the full read
// costs too much to make after every step.
func (w *modelWorld) queueSnapshot(ctx context.Context, prev *qsnap) (*qsnap, error) {
	db := w.app.DB.R
	q := &qsnap{byID: map[int64]qBranch{}, types: map[int64]int64{}, byBranch: map[int64][]int64{}, counters: map[int64]qCounter{}}
	var numbers, branches, versions, types, counters int64
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM queue_events), (SELECT COALESCE(MAX(id), 0) FROM queue_tickets),
		(SELECT COALESCE(SUM(last), 0) FROM queue_numbers), (SELECT COUNT(*) FROM queue_branches),
		(SELECT COALESCE(SUM(version + config_version), 0) FROM queue_branches), (SELECT COUNT(*) FROM queue_types),
		(SELECT COUNT(*) FROM queue_counters)`).Scan(&q.events, &q.tickets, &numbers, &branches, &versions, &types, &counters); err != nil {
		return nil, err
	}
	q.probe = fmt.Sprintf("e%d:k%d:n%d:b%d:v%d:t%d:c%d", q.events, q.tickets, numbers, branches, versions, types, counters)
	if prev != nil && !w.queueStep && prev.probe == q.probe {
		return prev, nil
	}
	var fp strings.Builder
	rows, err := db.QueryContext(ctx, `SELECT id, code, name, policy, opens, closes, every_day, department_id, version, config_version
		FROM queue_branches ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b qBranch
		var name, policy, opens, closes string
		var every bool
		var dept sql.NullInt64
		var ver, cver int64
		if err := rows.Scan(&b.id, &b.code, &name, &policy, &opens, &closes, &every, &dept, &ver, &cver); err != nil {
			rows.Close()
			return nil, err
		}
		if dept.Valid {
			b.dept = ptr(dept.Int64)
		}
		q.branches = append(q.branches, b)
		q.byID[b.id] = b
		fmt.Fprintf(&fp, "b%d:%s:%s:%s:%s-%s:%v:%v:%d:%d;", b.id, b.code, name, policy, opens, closes, every, dept, ver, cver)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, "SELECT id, branch_id, prefix, name, priority, handle_minutes FROM queue_types ORDER BY id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, branch int64
		var prefix, name string
		var prio int
		var minutes float64
		if err := rows.Scan(&id, &branch, &prefix, &name, &prio, &minutes); err != nil {
			rows.Close()
			return nil, err
		}
		q.types[id] = branch
		q.byBranch[branch] = append(q.byBranch[branch], id)
		fmt.Fprintf(&fp, "t%d:%d:%s:%s:%d:%g;", id, branch, prefix, name, prio, minutes)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, "SELECT id, branch_id, name, types, open FROM queue_counters ORDER BY id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var c qCounter
		var name, types string
		var open bool
		if err := rows.Scan(&id, &c.branch, &name, &types, &open); err != nil {
			rows.Close()
			return nil, err
		}
		for _, p := range strings.Split(types, ",") {
			if n, err := strconv.ParseInt(p, 10, 64); err == nil {
				c.types = append(c.types, n)
			}
		}
		q.counters[id] = c
		q.cIDs = append(q.cIDs, id)
		fmt.Fprintf(&fp, "c%d:%d:%s:%s:%v;", id, c.branch, name, types, open)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT id, branch_id, type_id, COALESCE(counter_id, 0), status FROM queue_tickets
		WHERE status IN ('called', 'serving') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t qTicket
		if err := rows.Scan(&t.id, &t.branch, &t.typ, &t.counter, &t.status); err != nil {
			rows.Close()
			return nil, err
		}
		q.at = append(q.at, t)
		fmt.Fprintf(&fp, "k%d:%d:%d:%s;", t.id, t.typ, t.counter, t.status)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	q.fp = fp.String() + q.probe
	return q, nil
}

// What the model expects of a queue request.
const (
	qAllow   = iota + 1 // the permission reaches: done, or refused for a reason of the queue (nobody waiting, wrong step)
	qDeny               // no permission or out of its reach: 403, nothing changed
	qInvalid            // bad input the actor may not make good (no department for a department-scoped role, none that exists)
)

// qStep is what the model expected of a queue step.
type qStep struct {
	expect int
	why    string
}

func isQueueKind(k stepKind) bool { return k >= kQTicket && k <= kQReport }

// stepQueue takes a ticket, works a counter, sets up a branch or reads a
// branch's figures, by a random user.
func (w *modelWorld) stepQueue(r *rand.Rand, st stepKind, s *snap, o *outcome) error {
	q := s.q
	if len(q.branches) == 0 {
		o.desc, o.status = "no branch", http.StatusOK
		return nil
	}
	o.queue = &qStep{expect: qAllow}
	b := q.branches[r.IntN(len(q.branches))]
	// the actor: mostly one whose permission p reaches branch dept, else a
	// near miss (the permission, not the reach), else anyone
	actor := func(p string, ok func(*muser) bool) *muser {
		return w.actor(r, nil, 0.7, ok, func(u *muser) bool { return queueCan(u, p) })
	}
	expect := func(u *muser, p string, dept *int64) {
		if !w.queueReach(u, p, dept) {
			o.queue.expect, o.queue.why = qDeny, fmt.Sprintf("%s of %s lacks queue.%s over a branch of %s", u.Role, w.deptName[u.Dept], p, w.dname(dept))
		}
	}
	var err error
	switch st {
	case kQTicket:
		types := q.byBranch[b.id]
		typ := int64(0)
		if len(types) > 0 {
			typ = types[r.IntN(len(types))]
		}
		if r.IntN(10) == 0 && len(q.types) > 0 {
			typ = anyKey(r, q.types) // maybe another branch's: refused
		}
		body := map[string]any{"branch_id": b.id, "type_id": typ, "channel": oneOf(r, "kiosk", "kiosk", "online")}
		if r.IntN(4) == 0 {
			body["phone"], body["remind_ahead"] = fmt.Sprintf("139%08d", r.IntN(100)), 1+r.IntN(3)
		}
		o.public = true
		_, err = w.send(o, nil, "POST", "/api/v1/queue/tickets", body)
	case kQCall:
		if len(q.cIDs) == 0 {
			break
		}
		cid := q.cIDs[r.IntN(len(q.cIDs))]
		dept := q.byID[q.counters[cid].branch].dept
		u := actor(qServe, func(u *muser) bool { return w.queueReach(u, qServe, dept) })
		expect(u, qServe, dept)
		_, err = w.send(o, u, "POST", fmt.Sprintf("/api/v1/queue/counters/%d/call", cid), nil)
	case kQAct:
		if len(q.cIDs) == 0 {
			break
		}
		var tk qTicket
		cid := q.cIDs[r.IntN(len(q.cIDs))]
		switch x := r.IntN(20); {
		case len(q.at) > 0 && x < 15:
			tk = q.at[r.IntN(len(q.at))]
			if x < 13 {
				cid = tk.counter
			}
		default:
			tk = qTicket{id: 1 + r.Int64N(max(q.tickets, 1))}
			if len(q.at) > 0 && r.IntN(2) == 0 {
				cid = q.at[r.IntN(len(q.at))].counter
			}
		}
		dept := q.byID[q.counters[cid].branch].dept
		u := actor(qServe, func(u *muser) bool { return w.queueReach(u, qServe, dept) })
		expect(u, qServe, dept)
		// mostly a step the ticket's status allows, else any
		act := oneOf(r, "serve", "finish", "recall", "no_show", "transfer")
		switch {
		case r.IntN(4) == 0:
		case tk.status == queue.StatusCalled:
			act = oneOf(r, "serve", "serve", "serve", "finish", "recall", "no_show", "transfer")
		case tk.status == queue.StatusServing:
			act = oneOf(r, "finish", "finish", "finish", "transfer")
		}
		var body any
		if act == "transfer" {
			to := int64(0)
			if ts := q.byBranch[q.counters[cid].branch]; len(ts) > 0 && r.IntN(8) > 0 {
				to = ts[r.IntN(len(ts))]
			} else if r.IntN(2) == 0 && len(q.types) > 0 {
				to = anyKey(r, q.types)
			}
			body = map[string]any{"to_type": to}
		}
		_, err = w.send(o, u, "POST", fmt.Sprintf("/api/v1/queue/counters/%d/tickets/%d/%s", cid, tk.id, act), body)
	case kQBranch:
		err = w.stepQueueBranch(r, b, o)
	case kQSetup:
		err = w.stepQueueSetup(r, q, b, o, actor, expect)
	case kQReport:
		o.write = false
		u := actor(qReport, func(u *muser) bool { return w.queueReach(u, qReport, b.dept) })
		expect(u, qReport, b.dept)
		path := fmt.Sprintf("/api/v1/queue/branches/%d/analytics", b.id)
		if r.IntN(3) == 0 {
			path = fmt.Sprintf("/api/v1/queue/branches/%d/simulation?policy=%s&counters=%d", b.id, oneOf(r, "pooled", "dedicated"), 1+r.IntN(3))
			path += "&day=" + w.app.Queue.Day(w.clk.Now())
		}
		_, err = w.send(o, u, "GET", path, nil)
	}
	if o.desc == "" {
		o.desc, o.status = "no counter", http.StatusOK
	}
	if o.queue.expect == qDeny {
		o.desc += " (expected: refused, " + o.queue.why + ")"
	}
	return err
}

// stepQueueBranch changes a branch — its policy, hours, its department
// (another, none, one that does not exist) — or adds one.
func (w *modelWorld) stepQueueBranch(r *rand.Rand, b qBranch, o *outcome) error {
	var dept *int64
	switch x := r.IntN(20); {
	case x < 6:
		dept = b.dept
	case x < 8:
		dept = nil
	case x < 9:
		dept = ptr(int64(999999))
	default:
		dept = ptr(w.depts[oneOf(r, "cs", "sales", "qa", "qa_lab", "production", "logistics")])
	}
	create := r.IntN(8) == 0
	code := b.code
	if create {
		code = fmt.Sprintf("q-n%d", o.index)
	}
	body := map[string]any{"code": code, "name": "网点 " + code, "policy": oneOf(r, "pooled", "dedicated", "priority"),
		"opens": "00:00", "closes": "23:59", "every_day": true}
	if dept != nil {
		body["department_id"] = *dept
	}
	_, exists := w.deptName[derefOr(dept, 0)]
	ok := func(u *muser) bool {
		return (create || w.queueReach(u, qAdmin, b.dept)) && w.queueReach(u, qAdmin, dept) && (dept == nil || exists)
	}
	u := w.actor(r, nil, 0.5, ok, func(u *muser) bool { return queueCan(u, qAdmin) })
	switch {
	case !queueCan(u, qAdmin):
		o.queue.expect, o.queue.why = qDeny, u.Role+" lacks queue.admin"
	case !create && !w.queueReach(u, qAdmin, b.dept):
		o.queue.expect, o.queue.why = qDeny, fmt.Sprintf("%s of %s: branch of %s out of reach", u.Role, w.deptName[u.Dept], w.dname(b.dept))
	case dept == nil && modelQueueGrants[u.Role][qAdmin] != sAll:
		o.queue.expect, o.queue.why = qInvalid, "a department-scoped role names no department"
	case dept != nil && !exists:
		o.queue.expect, o.queue.why = qInvalid, "no such department"
	case !w.queueReach(u, qAdmin, dept):
		o.queue.expect, o.queue.why = qDeny, fmt.Sprintf("%s of %s: department %s out of reach", u.Role, w.deptName[u.Dept], w.dname(dept))
	}
	var err error
	if create {
		_, err = w.send(o, u, "POST", "/api/v1/queue/branches", body)
	} else {
		_, err = w.send(o, u, "PUT", fmt.Sprintf("/api/v1/queue/branches/%d", b.id), body)
	}
	return err
}

// stepQueueSetup adds or changes a service type or a counter of a branch;
// now and then it names another branch's type or counter.
func (w *modelWorld) stepQueueSetup(r *rand.Rand, q *qsnap, b qBranch, o *outcome, actor func(string, func(*muser) bool) *muser,
	expect func(*muser, string, *int64)) error {
	u := actor(qAdmin, func(u *muser) bool { return w.queueReach(u, qAdmin, b.dept) })
	expect(u, qAdmin, b.dept)
	p := fmt.Sprintf("/api/v1/queue/branches/%d", b.id)
	types := q.byBranch[b.id]
	var err error
	if r.IntN(2) == 0 {
		body := map[string]any{"prefix": string(rune('A' + r.IntN(8))), "name": "业务 " + oneOf(r, words...),
			"handle_minutes": 1 + r.IntN(15), "priority": r.IntN(4)}
		if len(types) == 0 || r.IntN(3) == 0 {
			_, err = w.send(o, u, "POST", p+"/types", body)
		} else {
			tid := types[r.IntN(len(types))]
			if r.IntN(10) == 0 {
				tid = anyKey(r, q.types)
			}
			_, err = w.send(o, u, "PUT", fmt.Sprintf("%s/types/%d", p, tid), body)
		}
		return err
	}
	var prof []int64
	for _, t := range types {
		if r.IntN(2) == 0 {
			prof = append(prof, t)
		}
	}
	if len(prof) == 0 && len(types) > 0 {
		prof = []int64{types[0]}
	}
	if r.IntN(10) == 0 && len(q.types) > 0 {
		prof = append(prof, anyKey(r, q.types))
	}
	body := map[string]any{"types": prof, "open": r.IntN(5) > 0}
	var mine []int64
	for _, id := range q.cIDs {
		if q.counters[id].branch == b.id {
			mine = append(mine, id)
		}
	}
	if len(mine) == 0 || r.IntN(4) == 0 {
		body["name"] = fmt.Sprintf("%d号窗口", 1+r.IntN(9))
		_, err = w.send(o, u, "POST", p+"/counters", body)
		return err
	}
	cid := mine[r.IntN(len(mine))]
	if r.IntN(10) == 0 {
		cid = q.cIDs[r.IntN(len(q.cIDs))]
	}
	body["name"] = fmt.Sprintf("%d号窗口", slices.Index(mine, cid)+1)
	_, err = w.send(o, u, "PUT", fmt.Sprintf("%s/counters/%d", p, cid), body)
	return err
}

// since renders the id a query reads on from (the raw handle takes no
// placeholders that both engines understand).
func since(id int64) string { return strconv.FormatInt(id, 10) }

func anyKey(r *rand.Rand, m map[int64]int64) int64 {
	ks := make([]int64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks[r.IntN(len(ks))]
}

func derefOr(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

func (w *modelWorld) dname(dept *int64) string {
	if dept == nil {
		return "no department"
	}
	if n, ok := w.deptName[*dept]; ok {
		return n
	}
	return fmt.Sprintf("#%d", *dept)
}

// staffActions are the queue events a member of staff writes at a counter.
var staffActions = []string{"called", queue.ActRecall, queue.ActNoShow, queue.ActServe, queue.ActFinish, queue.ActTransfer}

// checkQueue: every queue event and configuration change the step wrote
// was made by someone whose queue permission reached the branch; tickets
// are at one counter at a time, of their own branch, and numbered without
// gaps; a request the model expects refused is answered 403 and changes
// nothing.
func (w *modelWorld) checkQueue(c *checker, o *outcome, before, after *snap) error {
	bq, aq := before.q, after.q
	refused := o.status >= 400 || o.status == 0
	if e := o.queue; e != nil {
		switch {
		case e.expect == qDeny && o.status != http.StatusForbidden:
			c.fail(invQueueRefused, nil, "%s: answered %d, want 403", o.desc, o.status)
		case e.expect == qInvalid && !refused:
			c.fail(invQueueRefused, nil, "%s: answered %d, want a refusal (%s)", o.desc, o.status, e.why)
		case e.expect == qAllow && o.status == http.StatusForbidden:
			c.fail(invQueueComplete, nil, "%s: refused, though the permission reaches the branch", o.desc)
		}
	}
	if !o.worker && (refused || !o.write || o.queue != nil && o.queue.expect != qAllow) && bq.fp != aq.fp {
		c.fail(invQueueRefused, nil, "%s (%d) changed the queue:\n    before %s\n    after  %s", o.desc, o.status, bq.fp, aq.fp)
	}
	if o.queue == nil && !o.worker && bq.fp != aq.fp {
		c.fail(invQueueRefused, nil, "%s, not a queue request, changed the queue", o.desc)
	}
	if bq.events != aq.events {
		if err := w.checkQueueEvents(c, o, bq, aq); err != nil {
			return err
		}
	}
	w.checkQueueAt(c, o, aq)
	if bq.tickets != aq.tickets {
		if err := w.checkQueueNumbers(c, o, aq); err != nil {
			return err
		}
	}
	if bq.probe != aq.probe || o.queue != nil {
		return w.checkQueueAudit(c, o, bq, aq)
	}
	return nil
}

// checkQueueEvents: the events the step wrote, in order, by staff whose
// queue.serve reached the counter's branch, each at the counter that
// holds the ticket.
func (w *modelWorld) checkQueueEvents(c *checker, o *outcome, bq, aq *qsnap) error {
	rows, err := w.app.DB.R.QueryContext(context.Background(), `SELECT e.id, e.ticket_id, e.action, COALESCE(e.counter_id, 0), e.by_name, t.branch_id
		FROM queue_events e JOIN queue_tickets t ON t.id = e.ticket_id WHERE e.id > `+since(w.q.seenEvent)+` ORDER BY e.id`)
	if err != nil {
		return err
	}
	type ev struct {
		id, ticket, counter, branch int64
		action, by                  string
	}
	var evs []ev
	for rows.Next() {
		var e ev
		if err := rows.Scan(&e.id, &e.ticket, &e.action, &e.counter, &e.by, &e.branch); err != nil {
			rows.Close()
			return err
		}
		evs = append(evs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range evs {
		w.q.seenEvent = e.id
		if !slices.Contains(staffActions, e.action) {
			if e.action == "issued" {
				w.q.at[e.ticket] = 0
			}
			continue
		}
		cb, ok := aq.counters[e.counter]
		if !ok {
			c.fail(invQueueCounter, nil, "%s: event %d (%s of ticket %d) names no counter (%d)", o.desc, e.id, e.action, e.ticket, e.counter)
			continue
		}
		if cb.branch != e.branch {
			c.fail(invQueueCounter, nil, "%s: ticket %d of branch %d was worked (%s) at counter %d of branch %d", o.desc, e.ticket, e.branch,
				e.action, e.counter, cb.branch)
		}
		// The branch's department when the event was written: as it
		// stood before the step (a step that works a counter moves no
		// branch).
		br, ok := bq.byID[cb.branch]
		if !ok {
			br = aq.byID[cb.branch]
		}
		u := w.q.byName[e.by]
		if u == nil || !w.queueReach(u, qServe, br.dept) {
			role, dept := "?", "?"
			if u != nil {
				role, dept = u.Role, w.deptName[u.Dept]
			}
			c.fail(invQueueServe, nil, "%s: %q (%s of %s) wrote %s of ticket %d at counter %d of branch %s (%s)", o.desc, e.by, role, dept,
				e.action, e.ticket, e.counter, br.code, w.dname(br.dept))
		}
		at, known := w.q.at[e.ticket]
		switch {
		case !known || w.q.done[e.ticket]:
			c.fail(invQueueCounter, nil, "%s: %s of ticket %d, which is finished or was never issued", o.desc, e.action, e.ticket)
		case e.action == "called" && at != 0:
			c.fail(invQueueCounter, nil, "%s: ticket %d called at counter %d while at counter %d", o.desc, e.ticket, e.counter, at)
		case e.action != "called" && at != e.counter:
			c.fail(invQueueCounter, nil, "%s: %s of ticket %d at counter %d, but it is at counter %d", o.desc, e.action, e.ticket, e.counter, at)
		}
		switch e.action {
		case "called":
			w.q.at[e.ticket] = e.counter
		case queue.ActTransfer:
			w.q.at[e.ticket] = 0
		case queue.ActFinish, queue.ActNoShow:
			w.q.done[e.ticket] = true
		}
	}
	return nil
}

// checkQueueAt: tickets at counters are at the counter the events put
// them, of their own branch, of one of its types.
func (w *modelWorld) checkQueueAt(c *checker, o *outcome, aq *qsnap) {
	for _, t := range aq.at {
		if cb, ok := aq.counters[t.counter]; !ok || cb.branch != t.branch {
			c.fail(invQueueCounter, nil, "%s: ticket %d of branch %d is %s at counter %d of branch %d", o.desc, t.id, t.branch, t.status,
				t.counter, cb.branch)
		}
		if aq.types[t.typ] != t.branch {
			c.fail(invQueueCounter, nil, "%s: ticket %d of branch %d has type %d of branch %d", o.desc, t.id, t.branch, t.typ, aq.types[t.typ])
		}
		if w.q.at[t.id] != t.counter {
			c.fail(invQueueCounter, nil, "%s: ticket %d is %s at counter %d; its events put it at %d", o.desc, t.id, t.status, t.counter, w.q.at[t.id])
		}
	}
}

// checkQueueNumbers: new tickets are numbered per branch, day and prefix,
// and in the branch's day, one after the other.
func (w *modelWorld) checkQueueNumbers(c *checker, o *outcome, aq *qsnap) error {
	rows, err := w.app.DB.R.QueryContext(context.Background(), "SELECT id, branch_id, type_id, day, number, seq FROM queue_tickets WHERE id > "+since(w.q.seenTicket)+" ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, branch, typ, seq int64
		var day, number string
		if err := rows.Scan(&id, &branch, &typ, &day, &number, &seq); err != nil {
			return err
		}
		w.q.seenTicket = id
		if aq.types[typ] != branch {
			c.fail(invQueueCounter, nil, "%s: ticket %d of branch %d issued for type %d of branch %d", o.desc, id, branch, typ, aq.types[typ])
		}
		prefix := strings.TrimRight(number, "0123456789")
		n, _ := strconv.ParseInt(number[len(prefix):], 10, 64)
		key := fmt.Sprintf("%d/%s/%s", branch, day, prefix)
		if want := w.q.numbers[key] + 1; n != want {
			c.fail(invQueueNumber, nil, "%s: ticket %d of branch %d numbered %s on %s, want %s%03d", o.desc, id, branch, number, day, prefix, want)
		}
		w.q.numbers[key] = max(w.q.numbers[key], n)
		dkey := fmt.Sprintf("%d/%s", branch, day)
		if want := w.q.seqs[dkey] + 1; seq != want {
			c.fail(invQueueNumber, nil, "%s: ticket %d of branch %d is the %dth of %s, want %d", o.desc, id, branch, seq, day, want)
		}
		w.q.seqs[dkey] = max(w.q.seqs[dkey], seq)
	}
	return rows.Err()
}

// checkQueueAudit: every configuration change the audit log records was
// made by someone whose queue.admin reached the branch both before and
// after it.
func (w *modelWorld) checkQueueAudit(c *checker, o *outcome, bq, aq *qsnap) error {
	rows, err := w.app.DB.R.QueryContext(context.Background(), `SELECT id, actor_id, actor_name, action, object FROM audit_log
		WHERE id > `+since(w.q.seenAudit)+` AND action LIKE 'queue.%' ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, actor int64
		var name, action, object string
		if err := rows.Scan(&id, &actor, &name, &action, &object); err != nil {
			return err
		}
		w.q.seenAudit = id
		kind, sid, _ := strings.Cut(object, ":")
		oid, _ := strconv.ParseInt(sid, 10, 64)
		branch := oid
		switch kind {
		case "queue_type":
			branch = aq.types[oid]
		case "queue_counter":
			branch = aq.counters[oid].branch
		}
		now, ok := aq.byID[branch]
		if !ok {
			c.fail(invQueueAdmin, nil, "%s: audit entry %d (%s %s) names no branch", o.desc, id, action, object)
			continue
		}
		u := w.byID[actor]
		was, existed := bq.byID[branch]
		if u == nil || !w.queueReach(u, qAdmin, now.dept) || existed && !w.queueReach(u, qAdmin, was.dept) {
			role, dept := "?", "?"
			if u != nil {
				role, dept = u.Role, w.deptName[u.Dept]
			}
			c.fail(invQueueAdmin, nil, "%s: %s (%s of %s) made %s of %s on branch %s (department %s, before %s)", o.desc, name, role, dept,
				action, object, now.code, w.dname(now.dept), w.dname(was.dept))
		}
	}
	return rows.Err()
}

// queueCoverage counts the tickets by status, for the verbose log.
func (w *modelWorld) queueCoverage(res *result) error {
	rows, err := w.app.DB.R.QueryContext(context.Background(), "SELECT status, COUNT(*) FROM queue_tickets GROUP BY status")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return err
		}
		res.acts["ticket:"+st] += n
	}
	return rows.Err()
}
