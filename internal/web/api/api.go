// Package api serves kesu's JSON REST API under /api/v1 (SPEC INT-7): one
// file per resource, each with its request and response types. Every route
// is listed in the routes table below and described in openapi.json; a test
// keeps the two in step.
package api

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/auth"
	"kesu/internal/web"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Route access beyond the auth permissions.
const (
	public   auth.Permission = "-" // no sign-in
	signedIn auth.Permission = ""  // any signed-in user
)

type route struct {
	pattern string
	perm    auth.Permission
	h       func(*api, http.ResponseWriter, *http.Request)
	// gate, on a route of one complaint, is what the request does to the
	// case: the case service checks it (permission, scope, 当事人) before
	// the handler reads anything, and again when it writes.
	gate auth.Permission
}

// actionGate is the gate of the workflow-action route: the permission the
// action in the path needs.
const actionGate auth.Permission = "@action"

// routes is every API endpoint with the permission it needs.
var routes = []route{
	{"GET /api/v1/openapi.json", public, (*api).openAPI, ""},
	{"GET /api/v1/me", signedIn, (*api).me, ""},
	{"GET /api/v1/enums", signedIn, (*api).enums, ""},
	{"GET /api/v1/categories", signedIn, (*api).categories, ""},

	{"POST /api/v1/complaints", auth.ComplaintCreate, (*api).createComplaint, ""},
	{"GET /api/v1/complaints", auth.ComplaintRead, (*api).listComplaints, ""},
	{"GET /api/v1/complaints/{number}", auth.ComplaintRead, (*api).getComplaint, auth.ComplaintRead},
	{"PATCH /api/v1/complaints/{number}", auth.ComplaintEdit, (*api).patchComplaint, auth.ComplaintEdit},
	{"GET /api/v1/complaints/{number}/timeline", auth.ComplaintRead, (*api).timeline, auth.ComplaintRead},
	{"GET /api/v1/complaints/{number}/clocks", auth.ComplaintRead, (*api).clocks, auth.ComplaintRead},
	{"POST /api/v1/complaints/{number}/clocks/{policy}/extension", auth.ComplaintUpdate, (*api).extendClock, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/notes", auth.ComplaintUpdate, (*api).addNote, auth.ComplaintUpdate},
	{"GET /api/v1/complaints/{number}/attachments", auth.ComplaintRead, (*api).listAttachments, auth.ComplaintRead},
	{"POST /api/v1/complaints/{number}/attachments", auth.ComplaintUpdate, (*api).uploadAttachment, auth.ComplaintUpdate},
	{"GET /api/v1/attachments/{id}", auth.ComplaintRead, (*api).downloadAttachment, ""},

	{"GET /api/v1/complaints/{number}/case", auth.ComplaintRead, (*api).getCase, auth.ComplaintRead},
	{"GET /api/v1/complaints/{number}/forms/{form}", auth.ComplaintRead, (*api).getForm, auth.ComplaintRead},
	{"POST /api/v1/complaints/{number}/actions/{action}", auth.ComplaintUpdate, (*api).takeAction, actionGate},
	{"PATCH /api/v1/complaints/{number}/decision", auth.CaseDecide, (*api).decide, auth.CaseDecide},
	{"POST /api/v1/complaints/{number}/capa", auth.ComplaintUpdate, (*api).createCAPA, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/capa/{id}/complete", auth.ComplaintUpdate, (*api).completeCAPA, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/capa/{id}/verify", auth.ComplaintUpdate, (*api).verifyCAPA, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/capa/{id}/rework", auth.ComplaintUpdate, (*api).reworkCAPA, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/investigations", auth.ComplaintUpdate, (*api).investigate, auth.ComplaintUpdate},
	{"PUT /api/v1/complaints/{number}/parties", auth.CaseAssign, (*api).setParties, auth.CaseAssign},
	{"POST /api/v1/complaints/{number}/assign", auth.CaseAssign, (*api).assign, auth.CaseAssign},
	{"POST /api/v1/complaints/{number}/memos", auth.ComplaintUpdate, (*api).fileMemo, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/survey-link", auth.ComplaintUpdate, (*api).createSurveyLink, auth.ComplaintUpdate},
	{"GET /api/v1/complaints/{number}/money", auth.ComplaintRead, (*api).getMoney, auth.ComplaintRead},
	{"PUT /api/v1/complaints/{number}/loss", auth.CaseDecide, (*api).putLoss, auth.CaseDecide},
	{"PUT /api/v1/complaints/{number}/penalty", auth.CaseDecide, (*api).putPenalty, auth.CaseDecide},
	{"POST /api/v1/complaints/{number}/penalty/approve", auth.CaseDecide, (*api).approvePenalty, auth.CaseDecide},
	{"PUT /api/v1/complaints/{number}/credit-note", auth.CaseDecide, (*api).putCredit, auth.CaseDecide},
	{"POST /api/v1/complaints/{number}/credit-note/issue", auth.CaseDecide, (*api).issueCredit, auth.CaseDecide},
	{"POST /api/v1/complaints/{number}/credit-note/sign", auth.ComplaintUpdate, (*api).signCredit, auth.ComplaintUpdate},
	{"GET /api/v1/complaints/{number}/return", auth.ComplaintRead, (*api).getReturn, auth.ComplaintRead},
	{"PUT /api/v1/complaints/{number}/return", auth.CaseApprove, (*api).putReturn, auth.CaseApprove},
	{"POST /api/v1/complaints/{number}/return/receive", auth.ComplaintUpdate, (*api).receiveReturn, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/return/steps", auth.ComplaintUpdate, (*api).returnStep, auth.ComplaintUpdate},
	{"GET /api/v1/complaints/{number}/parts", auth.ComplaintRead, (*api).getParts, auth.ComplaintRead},
	{"POST /api/v1/complaints/{number}/parts", auth.ComplaintUpdate, (*api).shipParts, auth.ComplaintUpdate},
	{"GET /api/v1/receivables/flagged", auth.ReportRead, (*api).flaggedReceivables, ""},
	{"POST /api/v1/receivables", auth.ReceivableWrite, (*api).addReceivables, ""},
	{"GET /api/v1/receivables/{ref}", auth.ReportRead, (*api).getReceivable, ""},
	{"POST /api/v1/receivables/{ref}/collections", auth.ReceivableWrite, (*api).collect, ""},
	{"GET /api/v1/me/work", auth.ComplaintRead, (*api).myWork, ""},
	{"GET /api/v1/capa/standard-updates", auth.ComplaintRead, (*api).standardUpdates, ""},
	{"GET /api/v1/workflow", auth.ComplaintRead, (*api).getWorkflow, ""},
	{"GET /api/v1/workflow/definitions", auth.ComplaintRead, (*api).listWorkflowVersions, ""},
	{"POST /api/v1/workflow/definitions", auth.OrgWrite, (*api).importWorkflow, ""},

	{"GET /api/v1/incidents", auth.ComplaintRead, (*api).listIncidents, ""},
	{"GET /api/v1/incidents/{id}", auth.ComplaintRead, (*api).getIncident, ""},
	{"POST /api/v1/incidents/{id}/quarantine", auth.ComplaintUpdate, (*api).quarantineIncident, ""},
	{"POST /api/v1/complaints/{number}/representative", auth.ComplaintUpdate, (*api).flagRepresentative, auth.ComplaintUpdate},
	{"GET /api/v1/complaints/{number}/duplicates", auth.ComplaintRead, (*api).duplicates, auth.ComplaintRead},
	{"POST /api/v1/complaints/{number}/links", auth.ComplaintUpdate, (*api).linkComplaint, auth.ComplaintUpdate},
	{"POST /api/v1/complaints/{number}/merge", auth.ComplaintUpdate, (*api).mergeComplaint, auth.ComplaintUpdate},
	{"GET /api/v1/dealers/{id}/ledger", auth.RegisterRead, (*api).getLedger, ""},
	{"POST /api/v1/dealers/{id}/ledger", auth.ComplaintUpdate, (*api).postLedger, ""},
	{"PUT /api/v1/dealers/{id}/allowance-rate", auth.RegisterWrite, (*api).putAllowanceRate, ""},

	{"GET /api/v1/desk/shifts", auth.ComplaintRead, (*api).listShifts, ""},
	{"POST /api/v1/desk/shifts", auth.DeskManage, (*api).createShift, ""},
	{"GET /api/v1/desk/roster", auth.ComplaintRead, (*api).getRoster, ""},
	{"POST /api/v1/desk/roster", auth.DeskManage, (*api).addRoster, ""},
	{"DELETE /api/v1/desk/roster/{id}", auth.DeskManage, (*api).deleteRosterSlot, ""},
	{"GET /api/v1/desk/board", auth.ComplaintRead, (*api).getBoard, ""},
	{"GET /api/v1/desk/swaps", auth.ComplaintRead, (*api).listSwaps, ""},
	{"POST /api/v1/desk/swaps", auth.DeskWork, (*api).requestSwap, ""},
	{"POST /api/v1/desk/swaps/{id}/agree", auth.DeskWork, (*api).agreeSwap, ""},
	{"POST /api/v1/desk/swaps/{id}/cancel", auth.DeskWork, (*api).cancelSwap, ""},
	{"POST /api/v1/desk/swaps/{id}/decision", auth.DeskManage, (*api).decideSwap, ""},
	{"GET /api/v1/desk/handovers", auth.ComplaintRead, (*api).listHandovers, ""},
	{"POST /api/v1/desk/handovers", auth.DeskWork, (*api).writeHandover, ""},
	{"POST /api/v1/desk/handovers/{id}/ack", auth.DeskWork, (*api).ackHandover, ""},
	{"GET /api/v1/kb", auth.ComplaintRead, (*api).searchKB, ""},
	{"POST /api/v1/kb", auth.DeskManage, (*api).createKB, ""},
	{"GET /api/v1/kb/{id}", auth.ComplaintRead, (*api).getKB, ""},
	{"PUT /api/v1/kb/{id}", auth.DeskManage, (*api).updateKB, ""},
	{"GET /api/v1/kb/{id}/versions", auth.ComplaintRead, (*api).kbVersions, ""},
	{"POST /api/v1/kb/{id}/use", auth.DeskWork, (*api).useKB, ""},
	{"GET /api/v1/contacts", auth.ComplaintRead, (*api).listContacts, ""},
	{"POST /api/v1/contacts", auth.DeskWork, (*api).createContact, ""},
	{"GET /api/v1/contacts/{id}", auth.ComplaintRead, (*api).getContact, ""},
	{"POST /api/v1/contacts/{id}/answer", auth.DeskWork, (*api).answerContact, ""},
	{"POST /api/v1/contacts/{id}/close", auth.DeskWork, (*api).closeContact, ""},
	{"POST /api/v1/contacts/{id}/convert", auth.ComplaintCreate, (*api).convertContact, ""},
	{"GET /api/v1/reports/contacts", auth.ReportRead, (*api).contactStats, ""},
	{"GET /api/v1/recalls", auth.ReportRead, (*api).listRecalls, ""},
	{"POST /api/v1/recalls", auth.RecallManage, (*api).createRecall, ""},
	{"GET /api/v1/recalls/{id}", auth.ReportRead, (*api).getRecall, ""},
	{"POST /api/v1/recalls/{id}/quarantine", auth.RecallManage, (*api).quarantineRecall, ""},
	{"POST /api/v1/recalls/{id}/shipments", auth.RecallManage, (*api).importShipments, ""},
	{"PUT /api/v1/recalls/{id}/tasks/{task}", auth.RecallManage, (*api).answerFor, ""},
	{"POST /api/v1/recalls/{id}/files", auth.RecallManage, (*api).uploadRecallFile, ""},
	{"POST /api/v1/recalls/{id}/disposals", auth.RecallManage, (*api).addDisposal, ""},
	{"POST /api/v1/recalls/{id}/close", auth.RecallManage, (*api).closeRecall, ""},
	// A distributor answers its recall task through the link it was sent.
	{"GET /api/v1/recall-tasks/{token}", public, (*api).getRecallTask, ""},
	{"PUT /api/v1/recall-tasks/{token}", public, (*api).answerRecallTask, ""},

	{"GET /api/v1/customers", auth.RegisterRead, (*api).listCustomers, ""},
	{"POST /api/v1/customers", auth.RegisterWrite, (*api).createCustomer, ""},
	{"GET /api/v1/customers/{id}", auth.RegisterRead, (*api).getCustomer, ""},
	{"PATCH /api/v1/customers/{id}", auth.RegisterWrite, (*api).patchCustomer, ""},
	{"DELETE /api/v1/customers/{id}", auth.RegisterWrite, (*api).deleteCustomer, ""},
	{"GET /api/v1/customers/{id}/tolerance", auth.RegisterRead, (*api).getTolerance, ""},
	{"PUT /api/v1/customers/{id}/tolerance", auth.RegisterWrite, (*api).putTolerance, ""},

	{"GET /api/v1/products", auth.RegisterRead, (*api).listProducts, ""},
	{"POST /api/v1/products", auth.RegisterWrite, (*api).createProduct, ""},
	{"GET /api/v1/products/{id}", auth.RegisterRead, (*api).getProduct, ""},
	{"PATCH /api/v1/products/{id}", auth.RegisterWrite, (*api).patchProduct, ""},
	{"DELETE /api/v1/products/{id}", auth.RegisterWrite, (*api).deleteProduct, ""},

	{"GET /api/v1/batches", auth.RegisterRead, (*api).listBatches, ""},
	{"POST /api/v1/batches", auth.RegisterWrite, (*api).createBatch, ""},
	{"GET /api/v1/batches/{id}", auth.RegisterRead, (*api).getBatch, ""},
	{"PATCH /api/v1/batches/{id}", auth.RegisterWrite, (*api).patchBatch, ""},
	{"DELETE /api/v1/batches/{id}", auth.RegisterWrite, (*api).deleteBatch, ""},

	{"GET /api/v1/suppliers", auth.RegisterRead, (*api).listSuppliers, ""},
	{"POST /api/v1/suppliers", auth.RegisterWrite, (*api).createSupplier, ""},
	{"GET /api/v1/suppliers/{id}", auth.RegisterRead, (*api).getSupplier, ""},
	{"PATCH /api/v1/suppliers/{id}", auth.RegisterWrite, (*api).patchSupplier, ""},
	{"DELETE /api/v1/suppliers/{id}", auth.RegisterWrite, (*api).deleteSupplier, ""},

	{"GET /api/v1/departments", auth.RegisterRead, (*api).listDepartments, ""},
	{"POST /api/v1/departments", auth.OrgWrite, (*api).createDepartment, ""},
	{"GET /api/v1/departments/{id}", auth.RegisterRead, (*api).getDepartment, ""},
	{"PATCH /api/v1/departments/{id}", auth.OrgWrite, (*api).patchDepartment, ""},
	{"DELETE /api/v1/departments/{id}", auth.OrgWrite, (*api).deleteDepartment, ""},

	{"GET /api/v1/users", auth.RegisterRead, (*api).listUsers, ""},
	{"POST /api/v1/users", auth.OrgWrite, (*api).createUser, ""},
	{"GET /api/v1/users/{id}", auth.RegisterRead, (*api).getUser, ""},
	{"PATCH /api/v1/users/{id}", auth.OrgWrite, (*api).patchUser, ""},
	{"DELETE /api/v1/users/{id}", auth.OrgWrite, (*api).deleteUser, ""},

	{"POST /api/v1/exports", auth.Export, (*api).createExport, ""},
	// Anyone signed in sees their own exports (none without auth.Export).
	{"GET /api/v1/exports", signedIn, (*api).listExports, ""},
	{"GET /api/v1/exports/{id}", signedIn, (*api).getExport, ""},
	{"GET /api/v1/exports/{id}/file", signedIn, (*api).downloadExport, ""},

	{"GET /api/v1/audit", auth.AuditRead, (*api).listAudit, ""},
	{"GET /api/v1/audit/verify", auth.AuditRead, (*api).verifyAudit, ""},

	{"GET /api/v1/me/notifications", signedIn, (*api).myNotifications, ""},
	// One's own password and API tokens; administrators see and revoke
	// everyone's tokens.
	{"PUT /api/v1/me/password", signedIn, (*api).changePassword, ""},
	{"GET /api/v1/me/tokens", signedIn, (*api).myTokens, ""},
	{"POST /api/v1/me/tokens", signedIn, (*api).createMyToken, ""},
	{"DELETE /api/v1/me/tokens/{id}", signedIn, (*api).revokeMyToken, ""},
	{"GET /api/v1/tokens", auth.AuditRead, (*api).allTokens, ""},
	{"DELETE /api/v1/tokens/{id}", auth.OrgWrite, (*api).revokeToken, ""},
	{"POST /api/v1/me/notifications/{id}/read", signedIn, (*api).readNotification, ""},
	{"GET /api/v1/jobs", auth.AuditRead, (*api).listJobs, ""},
	{"POST /api/v1/jobs/{id}/retry", auth.OrgWrite, (*api).retryJob, ""},
	{"GET /api/v1/mail/status", auth.AuditRead, (*api).mailStatus, ""},
	{"GET /api/v1/mail/messages", auth.AuditRead, (*api).listMail, ""},
	{"GET /api/v1/mail/messages/{id}", auth.AuditRead, (*api).getMail, ""},
	{"GET /api/v1/mail/messages/{id}/raw", auth.AuditRead, (*api).rawMail, ""},
	{"POST /api/v1/mail/messages/{id}/retry", auth.OrgWrite, (*api).retryMail, ""},
	{"GET /api/v1/schedules", auth.AuditRead, (*api).listSchedules, ""},
	{"POST /api/v1/schedules/{name}/run", auth.OrgWrite, (*api).runSchedule, ""},
	{"GET /api/v1/sla/dry-run", auth.AuditRead, (*api).slaDryRun, ""},
	{"GET /api/v1/sla/policies", auth.ComplaintRead, (*api).getPolicies, ""},
	{"PUT /api/v1/sla/policies", auth.CalendarWrite, (*api).putPolicies, ""},
	{"GET /api/v1/reports/statistics", auth.ReportRead, (*api).statistics, ""},
	{"GET /api/v1/reports/statistics/export", auth.ReportRead, (*api).statisticsExport, ""},
	{"GET /api/v1/reports/kpis", auth.ReportRead, (*api).kpis, ""},
	{"GET /api/v1/reports/losses", auth.ReportRead, (*api).losses, ""},
	{"GET /api/v1/reports/penalties", auth.ReportRead, (*api).penalties, ""},
	{"GET /api/v1/reports/collection-bonus", auth.ReportRead, (*api).collectionBonus, ""},
	{"GET /api/v1/reports/dashboard", auth.ReportRead, (*api).dashboard, ""},
	{"GET /api/v1/calendar/years", auth.ComplaintRead, (*api).listCalendarYears, ""},
	{"GET /api/v1/calendar/years/{year}", auth.ComplaintRead, (*api).getCalendarYear, ""},
	{"PUT /api/v1/calendar/years/{year}", auth.CalendarWrite, (*api).putCalendarYear, ""},
	{"DELETE /api/v1/calendar/years/{year}", auth.CalendarWrite, (*api).deleteCalendarYear, ""},
	{"POST /api/v1/calendar/days", auth.CalendarWrite, (*api).addCalendarDay, ""},
	{"DELETE /api/v1/calendar/days/{date}", auth.CalendarWrite, (*api).removeCalendarDay, ""},
	{"POST /api/v1/privacy/erasures", auth.PrivacyErase, (*api).erasePersonalData, ""},

	// The branch queue 叫号 (issue 14): the public side needs no sign-in.
	{"GET /api/v1/queue/branches", public, (*api).listQueueBranches, ""},
	{"POST /api/v1/queue/branches", auth.QueueAdmin, (*api).createQueueBranch, ""},
	{"GET /api/v1/queue/branches/{id}", public, (*api).getQueueBranch, ""},
	{"PUT /api/v1/queue/branches/{id}", auth.QueueAdmin, (*api).putQueueBranch, ""},
	{"GET /api/v1/queue/branches/{id}/status", public, (*api).queueBranchStatus, ""},
	{"GET /api/v1/queue/branches/{id}/events", public, (*api).queueBranchEvents, ""},
	{"POST /api/v1/queue/branches/{id}/types", auth.QueueAdmin, (*api).createQueueType, ""},
	{"PUT /api/v1/queue/branches/{id}/types/{type}", auth.QueueAdmin, (*api).putQueueType, ""},
	{"GET /api/v1/queue/branches/{id}/counters", public, (*api).listQueueCounters, ""},
	{"POST /api/v1/queue/branches/{id}/counters", auth.QueueAdmin, (*api).createQueueCounter, ""},
	{"PUT /api/v1/queue/branches/{id}/counters/{counter}", auth.QueueAdmin, (*api).putQueueCounter, ""},
	{"GET /api/v1/queue/branches/{id}/analytics", auth.QueueReport, (*api).queueAnalytics, ""},
	{"GET /api/v1/queue/branches/{id}/simulation", auth.QueueReport, (*api).queueSimulate, ""},
	{"GET /api/v1/queue/plan", auth.QueueReport, (*api).queuePlan, ""},
	{"POST /api/v1/queue/tickets", public, (*api).issueTicket, ""},
	{"GET /api/v1/queue/tickets/{id}", public, (*api).getTicket, ""},
	{"POST /api/v1/queue/counters/{id}/call", auth.QueueServe, (*api).callNext, ""},
	{"POST /api/v1/queue/counters/{id}/tickets/{ticket}/{action}", auth.QueueServe, (*api).counterAction, ""},
}

// RouteAccess is a route, the permission its handler requires, and on a
// route of one complaint what the request does to the case (Gate), which
// the case service checks with its scope before the handler runs.
type RouteAccess struct {
	Pattern string
	Perm    auth.Permission // "-" public, "" any signed-in user
	Gate    auth.Permission // "@action": the permission of the action in the path
}

// Access lists every route with its permission, for the access-matrix
// test that every new route must appear in.
func Access() []RouteAccess {
	out := make([]RouteAccess, len(routes))
	for i, rt := range routes {
		out[i] = RouteAccess{Pattern: rt.pattern, Perm: rt.perm, Gate: rt.gate}
	}
	return out
}

// Routes lists the method and path pattern of every API route, for the
// test that checks the OpenAPI document against them.
func Routes() []string {
	out := make([]string, len(routes))
	for i, rt := range routes {
		out[i] = rt.pattern
	}
	return out
}

// api holds the handlers' dependencies.
type api struct {
	d *web.Deps
	// ticketRate limits tickets taken from one address: generous, since
	// a branch's kiosks share one.
	ticketRate *web.RateLimiter
	frames     statusFrames // the live pages' last events
}

// Mount adds the API routes.
func Mount(r *web.Router) {
	a := &api{d: r.Deps, ticketRate: web.NewRateLimiter(max(r.Deps.PublicRate, 1)*30, time.Minute, r.Deps.Now)}
	for _, rt := range routes {
		h := func(w http.ResponseWriter, req *http.Request) { rt.h(a, w, req) }
		if rt.gate != "" {
			h = a.gated(rt.gate, h)
		}
		if rt.perm != public {
			h = web.Require(rt.perm, h)
		}
		r.Mux.HandleFunc(rt.pattern, h)
	}
	// Anything else under the prefix answers in JSON, not with the
	// mux's plain-text 404.
	// A path that exists with other methods answers 405 and says which.
	mux := r.Mux
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, req *http.Request) {
		if allow := web.OtherMethods(mux, req, Prefix+"/"); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			web.WriteError(w, req, web.NotAllowed(req.Method, allow))
			return
		}
		web.WriteError(w, req, apperr.New(apperr.NotFound, "no API route %s %s", req.Method, req.URL.Path))
	})
}

// gated runs next only if the case service lets the signed-in user do
// need on the complaint in the path: refused requests are answered before
// their body is read, the same way whatever they carry.
func (a *api) gated(need auth.Permission, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := a.complaintByNumber(r)
		if err != nil {
			web.WriteError(w, r, err)
			return
		}
		if need != auth.ComplaintRead {
			action := ""
			if need == actionGate {
				action = r.PathValue("action")
			}
			if err := a.d.Cases.Gate(r.Context(), c.ID, caseActor(r), need, action); err != nil {
				caseError(w, r, err)
				return
			}
		}
		next(w, r)
	}
}

// actor is the audit actor of the request.
func actor(r *http.Request) audit.Actor { return web.Actor(r) }

// can reports whether the signed-in user has p.
func can(r *http.Request, p auth.Permission) bool {
	pr := web.PrincipalOf(r)
	return pr != nil && auth.Can(pr.User.Role, p)
}

// pathID reads a numeric path value; anything else is not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "bad id %q", r.PathValue("id"))
	}
	return id, nil
}

// requireVersion refuses an update that does not say which version it
// changes: optimistic locking needs it.
func requireVersion(v *int) error {
	if v == nil || *v <= 0 {
		var val apperr.Validation
		val.Add("version", "required", "")
		return val.Err()
	}
	return nil
}

// query reads list parameters and collects their errors.
type query struct {
	r    *http.Request
	vals url.Values // read instead of the request's query when set
	v    apperr.Validation
}

func (q *query) str(name string) string {
	if q.vals != nil {
		return strings.TrimSpace(q.vals.Get(name))
	}
	return strings.TrimSpace(q.r.URL.Query().Get(name))
}

// list splits a comma-separated parameter and checks each value.
func (q *query) list(name string, allowed []string) []string {
	s := q.str(name)
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if allowed != nil && !q.v.OneOf(name, p, allowed) {
			return nil
		}
		out = append(out, p)
	}
	return out
}

func (q *query) id(name string) *int64 {
	s := q.str(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		q.v.Add(name, "invalid_value", "")
		return nil
	}
	return &n
}

func (q *query) num(name string, def, lo, hi int) int {
	s := q.str(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.v.Add(name, "out_of_range", strconv.Itoa(lo)+"–"+strconv.Itoa(hi))
		return def
	}
	return n
}

func (q *query) oneOf(name string, allowed []string) string {
	s := q.str(name)
	q.v.OneOf(name, s, allowed)
	return s
}

// day parses a date parameter: "YYYY-MM-DD" is midnight in loc (plus
// one day when end is set, so a "to" date includes that whole day), or an
// RFC 3339 time as given.
func (q *query) day(name string, loc *time.Location, end bool) *time.Time {
	s := q.str(name)
	if s == "" {
		return nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return &t
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t
	}
	q.v.Add(name, "invalid_date", "")
	return nil
}

func (q *query) err() error { return q.v.Err() }

// listResponse is the shape of every list.
type listResponse[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// offsetPage returns the next cursor of an offset-paged register list:
// the offset of the following page when this one is full.
func offsetPage[T any](items []T, limit, offset int) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	resp := listResponse[T]{Items: items}
	if len(items) == limit {
		resp.Next = strconv.Itoa(offset + limit)
	}
	return resp
}

// pageParams reads limit and after (an offset) for register lists.
func (q *query) pageParams() (limit, offset int) {
	limit = q.num("limit", 100, 1, 500)
	offset = q.num("after", 0, 0, 1<<30)
	return limit, offset
}

// dateString renders a calendar date, or "" for none.
func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// fieldErrs collects parse errors of request fields.
type fieldErrs struct{ v apperr.Validation }

// date parses "YYYY-MM-DD"; empty is none.
func (f *fieldErrs) date(field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		f.v.Add(field, "invalid_date", "")
		return nil
	}
	return &t
}

// time parses an RFC 3339 time; empty is none.
func (f *fieldErrs) time(field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.v.Add(field, "invalid_time", "")
		return nil
	}
	return &t
}

// diff lists the JSON fields whose values differ between two values of the
// same struct type, descending into nested structs as "outer.inner".
func diff(prefix string, a, b reflect.Value, out *[]fieldChange) {
	t := a.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		av, bv := a.Field(i), b.Field(i)
		if f.Anonymous {
			diff(prefix, av, bv, out)
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			diff(prefix+name+".", av, bv, out)
			continue
		}
		x, y := av.Interface(), bv.Interface()
		if !reflect.DeepEqual(x, y) {
			*out = append(*out, fieldChange{prefix + name, deref(av), deref(bv)})
		}
	}
}

type fieldChange struct {
	Field    string
	From, To any
}

func deref(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		return v.Elem().Interface()
	}
	return v.Interface()
}

// deleteByID deletes the record named by the {id} path value with del and
// answers 204; a record still in use answers 409.
func deleteByID(w http.ResponseWriter, r *http.Request, del func(ctx context.Context, id int64, actor audit.Actor) error) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := del(r.Context(), id, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// boolean reads an optional "true"/"false" parameter.
func (q *query) boolean(name string) *bool {
	switch q.str(name) {
	case "":
		return nil
	case "true", "false":
		b := q.str(name) == "true"
		return &b
	default:
		q.v.Add(name, "invalid_value", "true,false")
		return nil
	}
}
