package api_test

// The invariants of the model-based test, checked after every step against
// the stored state (read through the app's stores, not the API), and the
// model's own role × permission × scope table.

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"kesu/internal/auth"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/org"
)

// Invariants, by the name a failure reports and -ignore takes.
const (
	invServer   = "0-server"         // no request is answered with a server error
	invPlan     = "1-plan"           // a plan-locked case has its current plan approved
	invPlanZero = "1-plan-zero"      // the same, for a plan of no amount that is not free (a replacement at no charge)
	invScope    = "2-scope"          // every change was made by someone whose permission reaches the case
	invParty    = "2-party"          // no 当事人 wrote on their case, or holds or backs it up
	invOwner    = "2-owner"          // who a case belongs to changes only with case.assign
	invRefused  = "2-refused"        // a refused request (and a read) changed nothing
	invFrozen   = "3-frozen"         // finished cases change only by reopen, reinstate, archive or a marked correction
	invReopen   = "3-reopen"         // a finished case leaves its state only by a reopen or reinstatement, counted as such
	invSign     = "4-signature"      // each signature by someone allowed at that level, once per round; a refusal resets the round
	invAwait    = "4-awaiting"       // a plan in approval names the role that signs next and is in its approvers' work lists
	invList     = "5-list"           // lists, search, statistics, exports, work lists show only readable complaints
	invSuggest  = "5-suggest"        // duplicate suggestions and links name only readable complaints
	invRead     = "5-read"           // a single complaint is shown only to who may read it
	invComplete = "5-complete"       // (softer) what may be read is not refused or left out
	invProfile  = "6-profile"        // the profile chosen at registration never changes
	invClock    = "6-clock"          // no clock runs or is paused on a finished case
	invTimer    = "6-timer"          // no reminder at or after the due time; no time-limit notice about a finished case
	invAudit    = "7-audit"          // the audit chain verifies
	invMerge    = "8-merge"          // a merged case points at a live complaint, never in a cycle
	invEngine   = "9-engine"         // a workflow step was taken by a role the definition lists, from its state
	invRequest  = "0-request-error"  // the test could not talk to the server
	invCredit   = "10-credit"        // no credit note is issued or signed without the approval of its amount
	invMoney    = "10-money-frozen"  // no money (loss, penalty notice, credit note, parts, charges) moves on a finished case
	invPrice    = "10-parts-price"   // every part shipment is priced by the rule of its customer's class
	invCharge   = "10-parts-charge"  // every allowance shipment has its charge on the dealer's account and every charge naming a case its shipment
	invCover    = "10-parts-cover"   // every charge was covered at its time by allowances, payments and approved credit
	invLedger   = "10-ledger-credit" // ledger credit is approved only by an account manager; purchases and payments are booked only by finance

	invQueueServe    = "14-queue-serve-scope" // every counter event was written by someone whose queue.serve reached the counter's branch then
	invQueueAdmin    = "14-queue-admin-scope" // every change of a branch, type or counter by someone whose queue.admin reached the branch before and after
	invQueueCounter  = "14-queue-counter"     // a ticket is at one counter at a time, of its own branch, and worked only there
	invQueueNumber   = "14-queue-number"      // ticket numbers of a branch, prefix and day (and the day's issue order) are unique and gap-free
	invQueueRefused  = "14-queue-refused"     // a queue request out of the actor's reach is answered 403; a refused one changes nothing
	invQueueComplete = "14-queue-complete"    // (softer) a request the permission reaches is not refused as forbidden
)

// Permissions of the model, by what the spec (SEC-1 and the issue) says a
// role may do on a case.
const (
	pRead    = "read"
	pCreate  = "create"
	pUpdate  = "update"  // notes, files, investigations, CAPA, memos, links, survey links, workflow steps
	pEdit    = "edit"    // the complaint's own record (triage)
	pDecide  = "decide"  // decisions and the plan
	pAssign  = "assign"  // holder, backup, 当事人, department, who received it
	pApprove = "approve" // sign or refuse a plan
	pContact = "contact" // the customer's side: agreement, follow-up visits
	pCorrect = "correct" // change a finished case
	pReport  = "report"
	pExport  = "export"
)

type mScope int

const (
	sNone mScope = iota
	sOwn
	sDept
	sAll
)

// modelGrants is the model's access table, written from the spec's words:
// administrators keep records straight (no decisions, approvals or steps);
// the general managers act and approve across the company; managers run
// and approve their department's cases; QA engineers read everything and
// work on their department's; handlers work within their department;
// customer service reads everything, answers any customer and works on its
// department's; finance and the warehouse carry out their part on cases of
// their department; the auditor only reads.
var modelGrants = func() map[string]map[string]mScope {
	t := map[string]string{
		org.RoleAdmin:      "read=all create=all update=all edit=all assign=all correct=all report=all export=all",
		org.RoleGM:         "read=all create=all update=all edit=all decide=all assign=all approve=all contact=all report=all export=all",
		org.RoleDeputyGM:   "read=all create=all update=all edit=all decide=all assign=all approve=all contact=all report=all export=all",
		org.RoleManager:    "read=dept create=all update=dept edit=dept decide=dept assign=dept approve=dept contact=dept report=all export=all",
		org.RoleQAEngineer: "read=all update=dept edit=dept decide=dept contact=dept report=all",
		org.RoleHandler:    "read=dept update=dept edit=dept decide=dept contact=dept",
		org.RoleAgent:      "read=all create=all update=dept edit=dept decide=dept contact=all",
		org.RoleFinance:    "read=all update=dept report=all export=all",
		org.RoleWarehouse:  "read=dept update=dept",
		org.RoleAuditor:    "read=all report=all",
	}
	out := map[string]map[string]mScope{}
	for role, s := range t {
		out[role] = map[string]mScope{}
		for _, f := range strings.Fields(s) {
			p, sc, _ := strings.Cut(f, "=")
			out[role][p] = map[string]mScope{"own": sOwn, "dept": sDept, "all": sAll}[sc]
		}
	}
	return out
}()

// owns: the user holds the case, backs it up, received it first or owns
// one of its CAPA actions that still counts.
func owns(u *muser, rec *casework.Record) bool {
	for _, p := range []*int64{rec.HolderID, rec.BackupID, rec.FirstReceiverID} {
		if p != nil && *p == u.ID {
			return true
		}
	}
	for _, o := range rec.CAPAOwners {
		if o.UserID != nil && *o.UserID == u.ID {
			return true
		}
	}
	return false
}

// inDept: the case, or one of its CAPA actions, belongs to the user's
// department or one below it.
func (w *modelWorld) inDept(u *muser, rec *casework.Record) bool {
	if u.Dept == 0 {
		return false
	}
	sub := w.sub[u.Dept]
	if rec.DepartmentID != nil && slices.Contains(sub, *rec.DepartmentID) {
		return true
	}
	for _, o := range rec.CAPAOwners {
		if o.DepartmentID != nil && slices.Contains(sub, *o.DepartmentID) {
			return true
		}
	}
	return false
}

// may reports whether u's permission p reaches the case.
func (w *modelWorld) may(u *muser, rec *casework.Record, p string) bool {
	switch modelGrants[u.Role][p] {
	case sAll:
		return true
	case sOwn:
		return owns(u, rec)
	case sDept:
		return owns(u, rec) || w.inDept(u, rec)
	}
	return false
}

// can reports whether u's role has p at all.
func can(u *muser, p string) bool { return modelGrants[u.Role][p] != sNone }

// approves: managers sign plans of their department's cases (and those
// below it), the general managers of every case; holding a case is not
// enough.
func (w *modelWorld) approves(u *muser, rec *casework.Record) bool {
	switch modelGrants[u.Role][pApprove] {
	case sAll:
		return true
	case sDept:
		return u.Dept != 0 && rec.DepartmentID != nil && slices.Contains(w.sub[u.Dept], *rec.DepartmentID)
	}
	return false
}

func isParty(u *muser, rec *casework.Record) bool {
	return u != nil && rec != nil && slices.Contains(rec.Parties, u.ID)
}

// final reports whether a case is finished (closed, archived, withdrawn,
// merged): a state of its profile with no work left.
func (w *modelWorld) final(rec *casework.Record) bool {
	p := w.prof[rec.Profile]
	if p == nil {
		return false
	}
	st, ok := p.States[rec.Status]
	return ok && !st.Open
}

// snap is the stored state after a step.
type snap struct {
	recs   map[int64]*casework.Record
	capa   map[int64][]casework.CAPAAction
	apps   map[int64][]casework.Approval
	events map[int64]int
	audit  int
	// approvals counts every approval row, to catch one written without
	// a change of its case.
	approvals int
	clocks    map[int64][]string // open clocks (policy:state) by complaint
	notices   int64              // the newest notification's id
	// money is a fingerprint of each case's loss, penalty notice and
	// credit note; credit the credit notes issued or signed.
	money  map[int64]string
	credit map[int64]mCredit
	q      *qsnap // the branch queue
}

// mCredit is an issued or signed credit note as stored.
type mCredit struct {
	status   string
	amount   int64
	currency string
}

// snapshot reads the stored state, reloading only the cases whose version
// moved since prev (every change of a case bumps it).
func (w *modelWorld) snapshot(prev *snap) (*snap, error) {
	ctx := context.Background()
	db := w.app.DB
	s := &snap{recs: map[int64]*casework.Record{}, capa: map[int64][]casework.CAPAAction{}, apps: map[int64][]casework.Approval{},
		events: map[int64]int{}, clocks: map[int64][]string{}}
	rows, err := db.R.QueryContext(ctx, "SELECT id, version FROM complaints")
	if err != nil {
		return nil, err
	}
	versions := map[int64]int{}
	for rows.Next() {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return nil, err
		}
		versions[id] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cs := db.Cases()
	for id, v := range versions {
		if prev != nil && prev.recs[id] != nil && prev.recs[id].Version == v {
			s.recs[id], s.capa[id], s.apps[id] = prev.recs[id], prev.capa[id], prev.apps[id]
			continue
		}
		if s.recs[id], err = cs.Load(ctx, id); err != nil {
			return nil, fmt.Errorf("load %d: %w", id, err)
		}
		if s.capa[id], err = cs.CAPA(ctx, id); err != nil {
			return nil, err
		}
		if s.apps[id], err = cs.Approvals(ctx, id); err != nil {
			return nil, err
		}
	}
	if err := countBy(ctx, db.R, "SELECT complaint_id, COUNT(*) FROM complaint_events GROUP BY complaint_id", s.events); err != nil {
		return nil, err
	}
	if err := db.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log").Scan(&s.audit); err != nil {
		return nil, err
	}
	if err := db.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM approvals").Scan(&s.approvals); err != nil {
		return nil, err
	}
	if err := db.R.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM notifications").Scan(&s.notices); err != nil {
		return nil, err
	}
	s.money, s.credit = map[int64]string{}, map[int64]mCredit{}
	for _, q := range []string{
		"SELECT complaint_id, 'loss:' || total || ':' || updated_at FROM case_losses",
		"SELECT complaint_id, 'penalty:' || version FROM penalty_notices",
		"SELECT complaint_id, 'credit:' || version FROM credit_notes",
		"SELECT complaint_id, 'parts:' || COUNT(*) FROM part_shipments GROUP BY complaint_id",
		"SELECT complaint_id, 'charges:' || COUNT(*) FROM dealer_ledger WHERE kind = 'charge' AND complaint_id IS NOT NULL GROUP BY complaint_id",
	} {
		rows, err := db.R.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var f string
			if err := rows.Scan(&id, &f); err != nil {
				rows.Close()
				return nil, err
			}
			s.money[id] += f + ";"
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	crows, err := db.R.QueryContext(ctx, "SELECT complaint_id, status, amount, currency FROM credit_notes WHERE status IN ('issued', 'signed')")
	if err != nil {
		return nil, err
	}
	for crows.Next() {
		var id int64
		var cr mCredit
		if err := crows.Scan(&id, &cr.status, &cr.amount, &cr.currency); err != nil {
			crows.Close()
			return nil, err
		}
		s.credit[id] = cr
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return nil, err
	}
	var pq *qsnap
	if prev != nil {
		pq = prev.q
	}
	if s.q, err = w.queueSnapshot(ctx, pq); err != nil {
		return nil, err
	}
	clocks := db.SLAClocks()
	for id := range s.recs {
		cs, err := clocks.Clocks(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.State == "running" || c.State == "paused" {
				s.clocks[id] = append(s.clocks[id], c.Policy+":"+c.State)
			}
		}
	}
	return s, nil
}

func countBy(ctx context.Context, db *sql.DB, query string, out map[int64]int) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		out[id] = n
	}
	return rows.Err()
}

// violation is an invariant that failed.
type violation struct {
	Inv  string
	Case string // complaint number, when one case is concerned
	Msg  string
}

func (v violation) String() string {
	if v.Case != "" {
		return fmt.Sprintf("invariant %s on %s: %s", v.Inv, v.Case, v.Msg)
	}
	return fmt.Sprintf("invariant %s: %s", v.Inv, v.Msg)
}

// checker collects violations of one step.
type checker struct {
	w    *modelWorld
	out  []violation
	skip []string
}

func (c *checker) fail(inv string, rec *casework.Record, format string, args ...any) {
	v := violation{Inv: inv, Msg: fmt.Sprintf(format, args...)}
	if rec != nil {
		v.Case = rec.Number
	}
	c.add(v)
}

// add records v unless its invariant is ignored (-ignore, KESU_MODEL_IGNORE).
func (c *checker) add(v violation) {
	for _, s := range c.skip {
		if s != "" && strings.HasPrefix(v.Inv, s) {
			return
		}
	}
	c.out = append(c.out, v)
}

// changed lists the cases whose version moved or whose timeline grew.
func changed(before, after *snap) []int64 {
	var out []int64
	for id, r := range after.recs {
		b := before.recs[id]
		if b == nil || b.Version != r.Version || before.events[id] != after.events[id] {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// newEvents reads the timeline entries a step added to a case.
func (w *modelWorld) newEvents(id int64, before, after *snap) ([]complaint.Event, error) {
	n := after.events[id] - before.events[id]
	if n <= 0 {
		return nil, nil
	}
	evs, err := w.app.DB.Complaints().Timeline(context.Background(), id, false)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(evs, func(a, b complaint.Event) int { return int(a.ID - b.ID) })
	if n > len(evs) {
		n = len(evs)
	}
	return evs[len(evs)-n:], nil
}

// checkStep runs every invariant on the step's outcome and the stored
// state before and after it.
func (w *modelWorld) checkStep(c *checker, o *outcome, before, after *snap) error {
	if o.status >= 500 {
		c.fail(invServer, nil, "%s answered %d: %s", o.desc, o.status, trim(o.body))
	}
	ids := changed(before, after)
	refused := o.status >= 400 || o.status == 0
	for _, v := range o.violations {
		c.add(v)
	}
	if !refused && !o.public && o.actor != nil {
		for _, id := range o.reads {
			if rec := before.recs[id]; rec != nil && !w.may(o.actor, rec, pRead) {
				c.fail(invRead, rec, "%s succeeded on a complaint %s (%s of %s) may not read (a case of %s)", o.desc, o.actor,
					o.actor.Role, w.deptName[o.actor.Dept], w.deptOf(rec))
			}
		}
		if o.kind == kCreate && !can(o.actor, pCreate) {
			c.fail(invScope, nil, "%s registered a complaint without complaint.create", o.desc)
		}
	}
	if !o.worker && (refused || !o.write) {
		// A refused request, or a read, changes no case, no timeline, no
		// approval and no clock, and writes no audit entry when refused.
		for _, id := range ids {
			if before.recs[id] == nil && o.kind == kCreate {
				continue
			}
			c.fail(invRefused, after.recs[id], "%s (%d) changed the case: version %d→%d, timeline %d→%d", o.desc, o.status,
				verOf(before.recs[id]), after.recs[id].Version, before.events[id], after.events[id])
		}
		if refused && before.audit != after.audit {
			c.fail(invRefused, nil, "refused %s (%d) wrote %d audit entries", o.desc, o.status, after.audit-before.audit)
		}
		if before.approvals != after.approvals {
			c.fail(invRefused, nil, "%s (%d) wrote approval rows", o.desc, o.status)
		}
	}
	if before.approvals != after.approvals && len(ids) == 0 {
		c.fail(invSign, nil, "%s wrote approval rows without a change of any case", o.desc)
	}
	for _, id := range ids {
		b, a := before.recs[id], after.recs[id]
		if b == nil {
			continue // created by this step
		}
		evs, err := w.newEvents(id, before, after)
		if err != nil {
			return err
		}
		if !refused && o.write && !o.worker {
			w.checkWrite(c, o, b, a, evs)
		}
		w.checkFrozen(c, o, b, a, evs)
		w.checkSignatures(c, o, b, a, before.apps[id], after.apps[id])
		w.checkEngine(c, o, b, a, evs)
		if err := w.checkNotices(c, o, b, a, before.notices); err != nil {
			return err
		}
	}
	if err := w.checkTimers(c, o, before, after); err != nil {
		return err
	}
	if err := w.checkParts(c); err != nil {
		return err
	}
	if err := w.checkQueue(c, o, before, after); err != nil {
		return err
	}
	for id, a := range after.recs {
		w.checkPlan(c, a, after.apps[id])
		w.checkCase(c, a, after)
		w.checkMoney(c, o, before.recs[id], a, before, after)
		if m := w.byCase[id]; m != nil && m.Profile != "" && a.Profile != m.Profile {
			c.fail(invProfile, a, "profile %s, registered as %s", a.Profile, m.Profile)
		}
	}
	return nil
}

func verOf(r *casework.Record) int {
	if r == nil {
		return 0
	}
	return r.Version
}

func trim(b []byte) string {
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// checkWrite: a successful change of case b was made by someone whose
// permissions reach it and who is not complained about in it.
func (w *modelWorld) checkWrite(c *checker, o *outcome, b, a *casework.Record, evs []complaint.Event) {
	if o.public {
		if o.publicCase != b.ComplaintID {
			c.fail(invScope, b, "%s by the complainant of another complaint changed it", o.desc)
		}
		return
	}
	u := o.actor
	if u == nil {
		c.fail(invScope, b, "%s changed the case without a signed-in user", o.desc)
		return
	}
	needs := o.needs[b.ComplaintID]
	if len(needs) == 0 {
		needs = []string{pUpdate}
		if o.target == nil || o.target.ID != b.ComplaintID {
			c.fail(invScope, b, "%s on another complaint changed this one", o.desc)
		}
	}
	for _, p := range needs {
		ok := w.may(u, b, p)
		if p == pApprove {
			ok = w.approves(u, b)
		}
		if !ok {
			c.fail(invScope, b, "%s succeeded, but %s (%s, department %s) lacks %s over the case (department %s, holder %s, backup %s, first receiver %s)",
				o.desc, u, u.Role, w.deptName[u.Dept], p, w.deptOf(b), w.who(b.HolderID), w.who(b.BackupID), w.who(b.FirstReceiverID))
		}
	}
	if isParty(u, b) {
		c.fail(invParty, b, "%s succeeded although %s is complained about in the case (当事人)", o.desc, u)
	}
	for _, e := range evs {
		if e.ActorID != nil && slices.Contains(b.Parties, *e.ActorID) {
			c.fail(invParty, b, "timeline entry %s written by 当事人 #%d", e.Kind, *e.ActorID)
		}
	}
	if !samePtr(b.FirstReceiverID, a.FirstReceiverID) && !w.may(u, b, pAssign) {
		c.fail(invOwner, b, "%s made %s the first receiver (was %s) without case.assign: the case is now theirs to read and work on",
			o.desc, w.who(a.FirstReceiverID), w.who(b.FirstReceiverID))
	}
}

func samePtr(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func (w *modelWorld) who(id *int64) string {
	if id == nil {
		return "-"
	}
	if u := w.byID[*id]; u != nil {
		return u.String()
	}
	return fmt.Sprintf("#%d", *id)
}

func (w *modelWorld) deptOf(r *casework.Record) string {
	if r.DepartmentID == nil {
		return "-"
	}
	return w.deptName[*r.DepartmentID]
}

// checkFrozen: a finished case changes only through reopen, reinstate or
// archive (its definition's steps from there), or an administrator's
// correction the timeline marks with its reason; a correction never takes
// it out of its finished state.
func (w *modelWorld) checkFrozen(c *checker, o *outcome, b, a *casework.Record, evs []complaint.Event) {
	if !w.final(b) {
		return
	}
	if b.Version == a.Version && len(evs) == 0 {
		return
	}
	lifecycle, correction := false, false
	for _, e := range evs {
		switch {
		case e.Kind == "transition" && slices.Contains([]string{"reopen", "reinstate", "archive"}, fmt.Sprint(e.Data["action"])):
			lifecycle = true
		case e.Kind == casework.EventCorrection && strings.TrimSpace(fmt.Sprint(e.Data["reason"])) != "":
			correction = true
		default:
			c.fail(invFrozen, b, "%s added a %q entry to the %s case (data %v)", o.desc, e.Kind, b.Status, e.Data)
		}
	}
	if !lifecycle && !correction {
		c.fail(invFrozen, b, "%s changed the %s case (version %d→%d) without a reopen or a marked correction", o.desc, b.Status,
			b.Version, a.Version)
	}
	if !lifecycle && a.Status != b.Status {
		c.fail(invReopen, b, "%s moved the finished case from %s to %s without a reopen (a correction must not reopen a case; reopens %d→%d)",
			o.desc, b.Status, a.Status, b.Reopens, a.Reopens)
	}
	if correction && (o.actor == nil || !w.may(o.actor, b, pCorrect)) {
		c.fail(invFrozen, b, "%s corrected the finished case without case.correct", o.desc)
	}
}

// checkSignatures: each approval row a step wrote is in the case's round,
// at a level of its chain, by someone of that rank within approval scope
// who is not complained about and has not signed this round; a refusal
// comes from an approver of the chain and starts a new round; a commitment
// is within the committer's limit.
func (w *modelWorld) checkSignatures(c *checker, o *outcome, b, a *casework.Record, appsB, appsA []casework.Approval) {
	old := map[int64]bool{}
	signed := map[int64]bool{}
	for _, x := range appsB {
		old[x.ID] = true
		if x.Round == b.ApprovalRound && x.Decision == "approved" {
			signed[x.ApproverID] = true
		}
	}
	p := w.prof[b.Profile]
	if p == nil {
		return
	}
	chain := p.chain(b.Amount, b.Currency, b.Severity, b.Level)
	for _, x := range appsA {
		if old[x.ID] {
			continue
		}
		u := w.byID[x.ApproverID]
		if u == nil {
			c.fail(invSign, b, "approval row %d by unknown user #%d", x.ID, x.ApproverID)
			continue
		}
		if x.Round != b.ApprovalRound {
			c.fail(invSign, b, "%s wrote a %s row in round %d; the case was in round %d", o.desc, x.Decision, x.Round, b.ApprovalRound)
		}
		if isParty(u, b) {
			c.fail(invSign, b, "%s row by 当事人 %s", x.Decision, u)
		}
		switch x.Decision {
		case "approved":
			if !slices.Contains(chain, x.LevelRole) {
				c.fail(invSign, b, "%s signed level %s, not in the chain %v of %s %s (%s, level %d)", u, x.LevelRole, chain,
					money(b.Amount), b.Currency, b.Severity, b.Level)
			}
			if p.rank(u.Role) < 0 || p.rank(u.Role) < p.rank(x.LevelRole) {
				c.fail(invSign, b, "%s (%s) signed level %s above their authority", u, u.Role, x.LevelRole)
			}
			if !w.approves(u, b) {
				c.fail(invSign, b, "%s (%s of %s) signed outside their approval scope (case of %s)", u, u.Role, w.deptName[u.Dept], w.deptOf(b))
			}
			if signed[u.ID] {
				c.fail(invSign, b, "%s signed twice in round %d", u, x.Round)
			}
			if x.Amount != b.Amount || x.Currency != b.Currency {
				c.fail(invSign, b, "signature for %s %s on a plan of %s %s", money(x.Amount), x.Currency, money(b.Amount), b.Currency)
			}
		case "rejected":
			if len(chain) == 0 || p.rank(u.Role) < p.rank(chain[0]) || p.rank(u.Role) < 0 || !w.approves(u, b) {
				c.fail(invSign, b, "%s (%s) refused a plan they could not approve (chain %v)", u, u.Role, chain)
			}
			if a.ApprovalRound <= x.Round {
				c.fail(invSign, a, "a refusal in round %d left the case in round %d", x.Round, a.ApprovalRound)
			}
		case "committed":
			if !p.mayCommit(u.Role, x.Amount, x.Currency) {
				c.fail(invSign, b, "%s (%s) promised %s %s beyond their limit", u, u.Role, money(x.Amount), x.Currency)
			}
		default:
			c.fail(invSign, b, "approval row with decision %q", x.Decision)
		}
	}
}

func money(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// checkPlan: a case in a plan-locked state (the customer was promised the
// plan: replied, executing, verification, follow-up, resolved on the spot,
// closed) has its current plan approved — free, committed within the
// committer's limit, or every level of its chain signed in the current
// round for the current amount.
func (w *modelWorld) checkPlan(c *checker, r *casework.Record, apps []casework.Approval) {
	p := w.prof[r.Profile]
	if p == nil || !p.States[r.Status].PlanLocked {
		return
	}
	if why := w.planProblem(p, r, apps); why != "" {
		inv := invPlan
		if r.Amount == 0 {
			inv = invPlanZero
		}
		c.fail(inv, r, "in %s with plan %q %s %s (%s, level %d, round %d): %s", r.Status, r.Resolution, money(r.Amount), r.Currency,
			r.Severity, r.Level, r.ApprovalRound, why)
	}
}

func (w *modelWorld) planProblem(p *mProfile, r *casework.Record, apps []casework.Approval) string {
	if freePlan(r.Resolution, r.Amount) {
		return ""
	}
	var cur []casework.Approval
	for _, x := range apps {
		if x.Round == r.ApprovalRound {
			cur = append(cur, x)
		}
	}
	for _, x := range cur {
		if x.Decision == "committed" && x.Amount == r.Amount && x.Currency == r.Currency {
			if u := w.byID[x.ApproverID]; u != nil && p.mayCommit(u.Role, r.Amount, r.Currency) {
				return ""
			}
		}
	}
	chain := p.chain(r.Amount, r.Currency, r.Severity, r.Level)
	if len(chain) == 0 {
		return "no approval chain and not free"
	}
	var missing []string
	for _, l := range chain {
		ok := false
		for _, x := range cur {
			u := w.byID[x.ApproverID]
			if x.Decision == "approved" && x.LevelRole == l && x.Amount == r.Amount && x.Currency == r.Currency &&
				u != nil && p.rank(u.Role) >= p.rank(l) {
				ok = true
			}
		}
		if !ok {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		var have []string
		for _, x := range cur {
			have = append(have, fmt.Sprintf("%s:%s by #%d for %s", x.Decision, x.LevelRole, x.ApproverID, money(x.Amount)))
		}
		return fmt.Sprintf("chain %v lacks %v (this round: %v)", chain, missing, have)
	}
	return ""
}

// checkCase: invariants of one stored case whatever the step: 当事人 off
// the case, the finished marker consistent, no clock running when
// finished, a merge pointing at a live complaint.
func (w *modelWorld) checkCase(c *checker, r *casework.Record, s *snap) {
	if p := w.prof[r.Profile]; p != nil {
		want := ""
		if r.Status == p.approvalState() {
			if chain := p.chain(r.Amount, r.Currency, r.Severity, r.Level); len(r.Approvers) < len(chain) {
				want = chain[len(r.Approvers)]
			}
		}
		if r.AwaitingRole != want {
			c.fail(invAwait, r, "in %s with %d of its levels signed, the case awaits %q; the next level is %q", r.Status,
				len(r.Approvers), r.AwaitingRole, want)
		}
	}
	for _, p := range []*int64{r.HolderID, r.BackupID} {
		if p != nil && slices.Contains(r.Parties, *p) {
			c.fail(invParty, r, "当事人 %s holds or backs up the case", w.who(p))
		}
	}
	fin := w.final(r)
	if fin && len(s.clocks[r.ComplaintID]) > 0 {
		c.fail(invClock, r, "clocks %v still open on the %s case", s.clocks[r.ComplaintID], r.Status)
	}
	if fin != (r.ClosedAt != nil) {
		c.fail(invReopen, r, "status %s (finished %v) but closed_at %v", r.Status, fin, r.ClosedAt)
	}
	if r.Status == "merged" {
		if r.MergedInto == nil {
			c.fail(invMerge, r, "merged into nothing")
			return
		}
		seen := map[int64]bool{r.ComplaintID: true}
		for at := r.MergedInto; at != nil; {
			if seen[*at] {
				c.fail(invMerge, r, "merged into a cycle through #%d", *at)
				return
			}
			seen[*at] = true
			t := s.recs[*at]
			if t == nil {
				c.fail(invMerge, r, "merged into unknown #%d", *at)
				return
			}
			at = nil
			if t.Status == "merged" {
				at = t.MergedInto
			}
		}
	}
}

// checkNotices: when a plan starts waiting for a signature (a new level,
// a new round), everyone who may give it is told, and no 当事人 is.
func (w *modelWorld) checkNotices(c *checker, o *outcome, b, a *casework.Record, since int64) error {
	if a.AwaitingRole == "" || a.AwaitingRole == b.AwaitingRole && a.ApprovalRound == b.ApprovalRound && len(a.Approvers) == len(b.Approvers) {
		return nil
	}
	db := w.app.DB
	rows, err := db.R.QueryContext(context.Background(), db.Dialect.Rebind(
		"SELECT user_id FROM notifications WHERE complaint_id = ? AND kind = 'case.awaiting_approval' AND id > ?"), a.ComplaintID, since)
	if err != nil {
		return err
	}
	defer rows.Close()
	told := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		told[id] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range w.users {
		switch {
		case told[u.ID] && isParty(u, a):
			c.fail(invAwait, a, "%s: 当事人 %s was asked to sign the plan", o.desc, u)
		case !told[u.ID] && w.mayNowSign(u, a) && u != o.actor:
			c.fail(invAwait, a, "%s: the plan now awaits %s, but %s (%s of %s), who may sign it, was not told", o.desc, a.AwaitingRole, u,
				u.Role, w.deptName[u.Dept])
		}
	}
	return nil
}

// checkTimers: the time-limit notices a step sent (the worker firing
// clock timers) remind before the due time, never at or after it, and
// none is about a case that was finished.
func (w *modelWorld) checkTimers(c *checker, o *outcome, before, after *snap) error {
	if after.notices == before.notices {
		return nil
	}
	ctx := context.Background()
	db := w.app.DB
	rows, err := db.R.QueryContext(ctx, db.Dialect.Rebind(
		"SELECT kind, complaint_id, dedupe_key, created_at FROM notifications WHERE id > ? AND kind LIKE 'sla.%' ORDER BY id"), before.notices)
	if err != nil {
		return err
	}
	type notice struct {
		kind, key string
		cid, at   int64
	}
	var ns []notice
	for rows.Next() {
		var n notice
		var cid sql.NullInt64
		var key sql.NullString
		if err := rows.Scan(&n.kind, &cid, &key, &n.at); err != nil {
			rows.Close()
			return err
		}
		n.cid, n.key = cid.Int64, key.String
		ns = append(ns, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range ns {
		rec := before.recs[n.cid]
		if rec != nil && w.final(rec) {
			c.fail(invTimer, rec, "%s: %s notice about the %s case (%s)", o.desc, n.kind, rec.Status, n.key)
		}
		if n.kind != "sla.remind" {
			continue
		}
		// The key names the complaint, the clock and its due time
		// (sla.Timer.Key), then the recipient.
		parts := strings.Split(n.key, ":")
		if len(parts) < 4 {
			continue
		}
		due, err := strconv.ParseInt(parts[3], 10, 64)
		if err != nil {
			return fmt.Errorf("due time of reminder %s: %w", n.key, err)
		}
		if n.at >= due {
			c.fail(invTimer, rec, "%s: reminder %s sent %v after the due time", o.desc, n.key, time.Duration(n.at-due)*time.Microsecond)
		}
	}
	return nil
}

// approvalState is where plans are signed: the state the signing step
// starts from.
func (p *mProfile) approvalState() string {
	for _, code := range p.Order {
		if a := p.Actions[code]; a.Authority && a.Effects.RecordsApproval && len(a.From) > 0 {
			return a.From[0]
		}
	}
	return ""
}

// mayNowSign reports whether u could give the plan's next signature.
func (w *modelWorld) mayNowSign(u *muser, r *casework.Record) bool {
	p := w.prof[r.Profile]
	if p == nil || r.Status != p.approvalState() || isParty(u, r) || slices.Contains(r.Approvers, u.ID) || !w.approves(u, r) {
		return false
	}
	chain := p.chain(r.Amount, r.Currency, r.Severity, r.Level)
	n := len(r.Approvers)
	return n < len(chain) && p.rank(u.Role) >= 0 && u.Role == chain[n]
}

// checkEngine: a workflow step that succeeded was one of the case's
// definition, started from its state, taken by a role it lists (the
// holder or backup when it says so).
func (w *modelWorld) checkEngine(c *checker, o *outcome, b, a *casework.Record, evs []complaint.Event) {
	for _, e := range evs {
		if e.Kind != "transition" && !(e.Kind == complaint.EventReply && e.Data["action"] != nil) {
			continue
		}
		act := fmt.Sprint(e.Data["action"])
		p := w.prof[b.Profile]
		if p == nil {
			continue
		}
		d := p.Actions[act]
		if d == nil {
			c.fail(invEngine, b, "transition by unknown action %q", act)
			continue
		}
		if !d.starts(p, b.Status) {
			c.fail(invEngine, b, "%s taken from %s; the definition starts it from %v", act, b.Status, d.From)
		}
		if o.public {
			continue
		}
		u := o.actor
		if u == nil || !slices.Contains(d.Roles, u.Role) {
			c.fail(invEngine, b, "%s taken by %s, not one of %v", act, u, d.Roles)
			continue
		}
		if d.HolderOnly && b.HolderID != nil && *b.HolderID != u.ID && (b.BackupID == nil || *b.BackupID != u.ID) {
			c.fail(invEngine, b, "%s is the holder's; taken by %s while %s holds the case", act, u, w.who(b.HolderID))
		}
		if e.Data["reopen"] == true && a.Reopens <= b.Reopens {
			c.fail(invReopen, a, "%s counted as a reopen but reopens stayed %d", act, a.Reopens)
		}
	}
}

// checkMoney: a credit note issued or signed has its amount approved (the
// plan approved for exactly that amount), and a case finished before the
// step had no money moved by it.
func (w *modelWorld) checkMoney(c *checker, o *outcome, b, a *casework.Record, before, after *snap) {
	id := a.ComplaintID
	if cr, ok := after.credit[id]; ok {
		if p := w.prof[a.Profile]; p != nil {
			if prob := w.planProblem(p, a, after.apps[id]); prob != "" || cr.amount != a.Amount || cr.currency != a.Currency {
				c.fail(invCredit, a, "credit note %s for %s %s while the plan is %s %s (%s)", cr.status, money(cr.amount), cr.currency,
					money(a.Amount), a.Currency, prob)
			}
		}
	}
	if b != nil && w.final(b) && before.money[id] != after.money[id] {
		c.fail(invMoney, a, "%s moved money on the %s case: %q → %q", o.desc, b.Status, before.money[id], after.money[id])
	}
}

// checkParts reads every part shipment and dealer ledger entry: each
// shipment priced by its customer's class (warranty free only for direct
// customers, dealers against the allowance, retail otherwise); each
// allowance shipment with its own charge, and each charge naming a case
// with its shipment; every charge covered when it was posted by the
// allowances, payments and approved credit before it; credit approved
// only by account managers; purchases and payments booked only by
// finance.
func (w *modelWorld) checkParts(c *checker) error {
	ctx := context.Background()
	db := w.app.DB.R
	type entry struct {
		id, customer, amount int64
		kind                 string
		complaint, by        sql.NullInt64
	}
	entries := map[int64]*entry{}
	rows, err := db.QueryContext(ctx, "SELECT id, customer_id, kind, amount, complaint_id, by_user_id FROM dealer_ledger ORDER BY id")
	if err != nil {
		return err
	}
	avail := map[int64]int64{}
	var order []*entry
	for rows.Next() {
		e := &entry{}
		if err := rows.Scan(&e.id, &e.customer, &e.kind, &e.amount, &e.complaint, &e.by); err != nil {
			rows.Close()
			return err
		}
		entries[e.id] = e
		order = append(order, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range order {
		switch e.kind {
		case "allowance", "payment", "credit_approval":
			avail[e.customer] += e.amount
		case "charge":
			if e.amount > avail[e.customer] {
				c.fail(invCover, nil, "charge #%d of %s to dealer #%d when %s was available", e.id, money(e.amount), e.customer, money(avail[e.customer]))
			}
			avail[e.customer] -= e.amount
		}
		if e.amount <= 0 {
			c.fail(invCover, nil, "ledger entry #%d (%s) of %s", e.id, e.kind, money(e.amount))
		}
		if e.kind == "credit_approval" {
			if u := w.byID[e.by.Int64]; !e.by.Valid || u == nil || u.Role != org.RoleManager {
				c.fail(invLedger, nil, "credit of %s approved by %s for dealer #%d", money(e.amount), w.who(intPtrOf(e.by)), e.customer)
			}
		}
		if e.kind == "purchase" || e.kind == "payment" {
			if u := w.byID[e.by.Int64]; !e.by.Valid || u == nil || !auth.Can(u.Role, auth.ReceivableWrite) {
				c.fail(invLedger, nil, "%s of %s booked by %s for dealer #%d", e.kind, money(e.amount), w.who(intPtrOf(e.by)), e.customer)
			}
		}
	}
	rows, err = db.QueryContext(ctx, "SELECT id, complaint_id, qty, unit_price, amount, basis, in_warranty, customer_id, ledger_entry FROM part_shipments ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	charged := map[int64]int64{} // ledger entry → shipment
	for rows.Next() {
		var id, complaint, qty, price, amount int64
		var basis string
		var warranty bool
		var cust, entryID sql.NullInt64
		if err := rows.Scan(&id, &complaint, &qty, &price, &amount, &basis, &warranty, &cust, &entryID); err != nil {
			return err
		}
		rec := &casework.Record{ComplaintID: complaint}
		if m := w.byCase[complaint]; m != nil {
			rec.Number = m.Number
		}
		class := ""
		if cust.Valid {
			class = w.class[cust.Int64]
		}
		full := new(big.Int).Mul(big.NewInt(qty), big.NewInt(price))
		wantBasis, wantAmount := "retail", full
		switch {
		case class == customer.ClassDealer:
			wantBasis = "allowance"
		case class == customer.ClassEndUser || class == customer.ClassSubDistributor || !warranty:
		default:
			wantBasis, wantAmount = "warranty", new(big.Int)
		}
		if basis != wantBasis || big.NewInt(amount).Cmp(wantAmount) != 0 || qty <= 0 || price < 0 {
			c.fail(invPrice, rec, "shipment #%d (%s customer, in warranty %v): %d × %s = %s as %s; the rule says %s as %s", id, class, warranty,
				qty, money(price), money(amount), basis, wantAmount, wantBasis)
		}
		if basis != "allowance" {
			if entryID.Valid {
				c.fail(invCharge, rec, "%s shipment #%d charged ledger entry #%d", basis, id, entryID.Int64)
			}
			continue
		}
		e := entries[entryID.Int64]
		if !entryID.Valid || e == nil || e.kind != "charge" || e.amount != amount || !cust.Valid || e.customer != cust.Int64 ||
			!e.complaint.Valid || e.complaint.Int64 != complaint {
			c.fail(invCharge, rec, "allowance shipment #%d of %s has no matching charge (entry %v)", id, money(amount), e)
			continue
		}
		if prev, dup := charged[e.id]; dup {
			c.fail(invCharge, rec, "shipments #%d and #%d share the charge #%d", prev, id, e.id)
		}
		charged[e.id] = id
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range order {
		if e.kind == "charge" && e.complaint.Valid {
			if _, ok := charged[e.id]; !ok {
				rec := &casework.Record{ComplaintID: e.complaint.Int64}
				if m := w.byCase[e.complaint.Int64]; m != nil {
					rec.Number = m.Number
				}
				c.fail(invCharge, rec, "charge #%d of %s to dealer #%d names the case but no part shipment", e.id, money(e.amount), e.customer)
			}
		}
	}
	return nil
}

func intPtrOf(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}
