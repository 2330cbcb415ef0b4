// Package ui serves kesu's server-rendered staff pages and the public
// complaint pages. Templates and static files are embedded and parsed once
// when the routes are mounted; every page is one file here.
package ui

import (
	"net/http"
	"time"

	"kesu/internal/auth"
	"kesu/internal/enum"
	"kesu/internal/web"
)

// handler holds what the pages share.
type handler struct {
	d      *web.Deps
	loc    *time.Location
	tmpl   *templates
	public *web.RateLimiter // public form submissions per address
	track  *web.RateLimiter // tracking look-ups per address
	// tickets bounds queue tickets per address; generous, since a
	// branch's kiosks share one.
	tickets *web.RateLimiter
	// mux tells a path that exists with other methods (405) from one
	// that does not (404).
	mux *http.ServeMux
}

// MaxFiles is how many files one form may carry.
const MaxFiles = 5

// Mount adds the page routes.
func Mount(r *web.Router) {
	d := r.Deps
	loc := time.Local
	if d.Complaints != nil && d.Complaints.Loc != nil {
		loc = d.Complaints.Loc
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	rate := max(d.PublicRate, 1)
	var states enum.Set
	if d.Cases != nil {
		states = d.Cases.States()
	}
	h := &handler{
		d: d, loc: loc, tmpl: parseTemplates(loc, states),
		public: web.NewRateLimiter(rate, time.Minute, now),
		// Looking up needs the tracking code; a few times the form rate
		// lets a customer reload while bounding guesses.
		track:   web.NewRateLimiter(5*rate, time.Minute, now),
		tickets: web.NewRateLimiter(30*rate, time.Minute, now),
	}
	m := r.Mux
	h.mux = m
	m.Handle("GET /static/", staticHandler())
	for _, p := range pages {
		if p.when != nil && !p.when(d) {
			continue
		}
		fn := func(w http.ResponseWriter, r *http.Request) { p.h(h, w, r) }
		if p.gate != "" {
			fn = h.gated(p.gate, fn)
		}
		if p.perm != public {
			fn = h.staff(p.perm, fn)
		}
		m.HandleFunc(p.pattern, fn)
	}
}

// Route access beyond the auth permissions.
const (
	public   auth.Permission = "-" // no sign-in
	signedIn auth.Permission = ""  // any signed-in user
	// actionGate gates the workflow-action form by the permission of the
	// action in the path.
	actionGate auth.Permission = "@action"
)

// pageRoute is one page or form action, the permission it needs, and on a
// page of one complaint what it does to the case (gate), which the case
// service checks with its scope before the handler runs.
type pageRoute struct {
	pattern string
	perm    auth.Permission
	h       func(*handler, http.ResponseWriter, *http.Request)
	gate    auth.Permission
	when    func(*web.Deps) bool // mounted only when it holds
}

// pages is every route of the staff and public pages.
var pages = []pageRoute{
	{"GET /lang", public, (*handler).setLanguage, "", nil},
	{"GET /login", public, (*handler).loginForm, "", nil},
	{"POST /login", public, (*handler).login, "", nil},
	{"POST /logout", signedIn, (*handler).logout, "", nil},
	{"GET /{$}", auth.ComplaintRead, (*handler).home, "", nil},
	{"GET /complaints", auth.ComplaintRead, (*handler).complaintList, "", nil},
	{"GET /reports", auth.ReportRead, (*handler).statistics, "", func(d *web.Deps) bool { return d.Reports != nil }},
	{"GET /reports/export", auth.ReportRead, (*handler).statisticsExport, "", func(d *web.Deps) bool { return d.Reports != nil }},
	{"GET /reports/kpis", auth.ReportRead, (*handler).kpis, "", func(d *web.Deps) bool { return d.Reports != nil }},
	{"GET /reports/losses", auth.ReportRead, (*handler).losses, "", func(d *web.Deps) bool { return d.Reports != nil }},
	{"GET /reports/penalties", auth.ReportRead, (*handler).penalties, "", func(d *web.Deps) bool { return d.Money != nil }},
	{"GET /reports/collection-bonus", auth.ReportRead, (*handler).collectionBonus, "", func(d *web.Deps) bool { return d.Receivables != nil }},
	{"POST /reports/collection-bonus/{form}", auth.ReceivableWrite, (*handler).bonusRecord, "", func(d *web.Deps) bool { return d.Receivables != nil }},
	{"GET /dashboard", auth.ReportRead, (*handler).dashboard, "", func(d *web.Deps) bool { return d.Reports != nil }},
	{"GET /complaints/new", auth.ComplaintCreate, (*handler).complaintNew, "", nil},
	{"POST /complaints/new", auth.ComplaintCreate, (*handler).complaintCreate, "", nil},
	{"GET /complaints/{id}", auth.ComplaintRead, (*handler).complaintShow, auth.ComplaintRead, nil},
	{"POST /complaints/{id}/notes", auth.ComplaintUpdate, (*handler).complaintNote, auth.ComplaintUpdate, nil},
	{"POST /complaints/{id}/attachments", auth.ComplaintUpdate, (*handler).complaintUpload, auth.ComplaintUpdate, nil},
	{"GET /complaints/{id}/letter", auth.ComplaintRead, (*handler).complaintLetter, auth.ComplaintRead, nil},
	{"GET /complaints/{id}/forms/{form}", auth.ComplaintRead, (*handler).formPrint, auth.ComplaintRead, nil},
	{"GET /attachments/{id}", auth.ComplaintRead, (*handler).attachmentDownload, "", nil},
	{"POST /complaints/{id}/actions/{action}", auth.ComplaintRead, (*handler).caseAction, actionGate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/decision", auth.CaseDecide, (*handler).caseDecide, auth.CaseDecide, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/investigation", auth.ComplaintUpdate, (*handler).caseInvestigate, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/loss", auth.CaseDecide, (*handler).caseLoss, auth.CaseDecide, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/penalty", auth.CaseDecide, (*handler).casePenalty, auth.CaseDecide, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/penalty/approve", auth.CaseDecide, (*handler).casePenaltyApprove, auth.CaseDecide, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/credit-note", auth.CaseDecide, (*handler).caseCredit, auth.CaseDecide, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/credit-note/issue", auth.CaseDecide, (*handler).caseCreditIssue, auth.CaseDecide, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/credit-note/sign", auth.ComplaintUpdate, (*handler).caseCreditSign, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/return", auth.CaseApprove, (*handler).caseReturn, auth.CaseApprove, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/return/receive", auth.ComplaintUpdate, (*handler).caseReturnReceive, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/return/steps", auth.ComplaintUpdate, (*handler).caseReturnStep, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/parts", auth.ComplaintUpdate, (*handler).caseParts, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/representative", auth.ComplaintUpdate, (*handler).caseRepresentative, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/clocks/{policy}/extension", auth.ComplaintUpdate, (*handler).caseExtend, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/capa", auth.ComplaintUpdate, (*handler).capaAdd, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/capa/{capa}/done", auth.ComplaintUpdate, (*handler).capaDone, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/capa/{capa}/verify", auth.ComplaintUpdate, (*handler).capaVerify, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/capa/{capa}/rework", auth.ComplaintUpdate, (*handler).capaRework, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/assign", auth.CaseAssign, (*handler).caseAssign, auth.CaseAssign, func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/parties", auth.CaseAssign, (*handler).caseParties, auth.CaseAssign, func(d *web.Deps) bool { return d.Cases != nil }},
	{"GET /complaints/{id}/8d", auth.ComplaintRead, (*handler).report8D, auth.ComplaintRead, func(d *web.Deps) bool { return d.Cases != nil }},
	{"GET /work", auth.ComplaintRead, (*handler).myWork, "", func(d *web.Deps) bool { return d.Cases != nil }},
	{"GET /capa/standard-updates", auth.ComplaintRead, (*handler).capaStandardUpdates, "", func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /complaints/{id}/memo", auth.ComplaintUpdate, (*handler).caseMemo, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Cases != nil }},
	{"GET /recalls", auth.ReportRead, (*handler).recallList, "", hasRecalls},
	{"GET /recalls/new", auth.RecallManage, (*handler).recallNew, "", hasRecalls},
	{"POST /recalls/new", auth.RecallManage, (*handler).recallCreate, "", hasRecalls},
	{"GET /recalls/{id}", auth.ReportRead, (*handler).recallShow, "", hasRecalls},
	{"POST /recalls/{id}/quarantine", auth.RecallManage, (*handler).recallQuarantine, "", hasRecalls},
	{"POST /recalls/{id}/shipments", auth.RecallManage, (*handler).recallShipments, "", hasRecalls},
	{"POST /recalls/{id}/tasks/{task}", auth.RecallManage, (*handler).recallTaskFor, "", hasRecalls},
	{"POST /recalls/{id}/files", auth.RecallManage, (*handler).recallFiles, "", hasRecalls},
	{"POST /recalls/{id}/disposals", auth.RecallManage, (*handler).recallDispose, "", hasRecalls},
	{"POST /recalls/{id}/close", auth.RecallManage, (*handler).recallClose, "", hasRecalls},
	{"GET /incidents", auth.ComplaintRead, (*handler).incidentList, "", func(d *web.Deps) bool { return d.Incidents != nil }},
	{"POST /incidents/{id}/quarantine", auth.ComplaintRead, (*handler).incidentQuarantine, "", func(d *web.Deps) bool { return d.Incidents != nil }},
	{"POST /complaints/{id}/links", auth.ComplaintUpdate, (*handler).complaintLink, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Links != nil }},
	{"POST /complaints/{id}/merge", auth.ComplaintUpdate, (*handler).complaintMerge, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Links != nil }},
	{"GET /customers/{id}/ledger", auth.RegisterRead, (*handler).ledgerShow, "", func(d *web.Deps) bool { return d.Ledger != nil }},
	{"POST /customers/{id}/ledger/{form}", auth.RegisterRead, (*handler).ledgerPost, "", func(d *web.Deps) bool { return d.Ledger != nil }},
	{"POST /customers/{id}/allowance-rate", auth.RegisterWrite, (*handler).ledgerRate, "", func(d *web.Deps) bool { return d.Ledger != nil }},
	{"GET /desk", auth.ComplaintRead, (*handler).deskShow, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"POST /desk/work/{form}", auth.DeskWork, (*handler).deskPost, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"POST /desk/manage/{form}", auth.DeskManage, (*handler).deskPost, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"GET /kb", auth.ComplaintRead, (*handler).kbList, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"POST /kb/new", auth.DeskManage, (*handler).kbSave, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"GET /kb/{id}", auth.ComplaintRead, (*handler).kbShow, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"POST /kb/{id}", auth.DeskManage, (*handler).kbSave, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"POST /complaints/{id}/kb/{entry}", auth.ComplaintUpdate, (*handler).kbInsert, auth.ComplaintUpdate, func(d *web.Deps) bool { return d.Desk != nil }},
	{"GET /contacts", auth.ComplaintRead, (*handler).contactList, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"POST /contacts/new", auth.DeskWork, (*handler).contactCreate, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"GET /contacts/{id}", auth.ComplaintRead, (*handler).contactShow, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"POST /contacts/{id}/{form}", auth.DeskWork, (*handler).contactStep, "", func(d *web.Deps) bool { return d.Desk != nil }},
	{"GET /customers", auth.RegisterRead, (*handler).customerList, "", nil},
	{"GET /customers/new", auth.RegisterWrite, (*handler).customerForm, "", nil},
	{"POST /customers/new", auth.RegisterWrite, (*handler).customerSave, "", nil},
	{"GET /customers/{id}", auth.RegisterWrite, (*handler).customerForm, "", nil},
	{"POST /customers/{id}", auth.RegisterWrite, (*handler).customerSave, "", nil},
	{"GET /products", auth.RegisterRead, (*handler).productList, "", nil},
	{"GET /products/new", auth.RegisterWrite, (*handler).productForm, "", nil},
	{"POST /products/new", auth.RegisterWrite, (*handler).productSave, "", nil},
	{"GET /products/{id}", auth.RegisterRead, (*handler).productForm, "", nil},
	{"POST /products/{id}", auth.RegisterWrite, (*handler).productSave, "", nil},
	{"GET /products/{pid}/batches/new", auth.RegisterWrite, (*handler).batchForm, "", nil},
	{"POST /products/{pid}/batches/new", auth.RegisterWrite, (*handler).batchSave, "", nil},
	{"GET /batches/{id}", auth.RegisterWrite, (*handler).batchForm, "", nil},
	{"POST /batches/{id}", auth.RegisterWrite, (*handler).batchSave, "", nil},
	{"GET /suppliers", auth.RegisterRead, (*handler).supplierList, "", nil},
	{"GET /suppliers/new", auth.RegisterWrite, (*handler).supplierForm, "", nil},
	{"POST /suppliers/new", auth.RegisterWrite, (*handler).supplierSave, "", nil},
	{"GET /suppliers/{id}", auth.RegisterWrite, (*handler).supplierForm, "", nil},
	{"POST /suppliers/{id}", auth.RegisterWrite, (*handler).supplierSave, "", nil},
	{"GET /departments", auth.RegisterRead, (*handler).departmentList, "", nil},
	{"GET /departments/new", auth.OrgWrite, (*handler).departmentForm, "", nil},
	{"POST /departments/new", auth.OrgWrite, (*handler).departmentSave, "", nil},
	{"GET /departments/{id}", auth.OrgWrite, (*handler).departmentForm, "", nil},
	{"POST /departments/{id}", auth.OrgWrite, (*handler).departmentSave, "", nil},
	{"GET /users", auth.OrgWrite, (*handler).userList, "", nil},
	{"GET /users/new", auth.OrgWrite, (*handler).userForm, "", nil},
	{"POST /users/new", auth.OrgWrite, (*handler).userSave, "", nil},
	{"GET /users/{id}", auth.OrgWrite, (*handler).userForm, "", nil},
	{"POST /users/{id}", auth.OrgWrite, (*handler).userSave, "", nil},
	{"GET /audit", auth.AuditRead, (*handler).auditList, "", nil},
	{"GET /exports", auth.Export, (*handler).exportList, "", nil},
	{"POST /exports", auth.Export, (*handler).exportCreate, "", nil},
	{"GET /exports/{id}/file", auth.Export, (*handler).exportDownload, "", nil},
	{"GET /account", signedIn, (*handler).account, "", nil},
	{"POST /account/password", signedIn, (*handler).accountPassword, "", nil},
	{"POST /account/tokens", signedIn, (*handler).accountTokenCreate, "", nil},
	{"POST /account/tokens/{id}/revoke", signedIn, (*handler).accountTokenRevoke, "", nil},
	{"GET /admin/tokens", auth.AuditRead, (*handler).tokensAdmin, "", nil},
	{"POST /admin/tokens/{id}/revoke", auth.OrgWrite, (*handler).tokenRevokeAdmin, "", nil},
	{"GET /inbox", signedIn, (*handler).inbox, "", nil},
	{"POST /inbox/{id}/read", signedIn, (*handler).inboxRead, "", nil},
	{"GET /admin/jobs", auth.AuditRead, (*handler).jobsAdmin, "", nil},
	{"POST /admin/jobs/{id}/retry", auth.OrgWrite, (*handler).jobRetry, "", nil},
	{"GET /admin/mail", auth.AuditRead, (*handler).mailAdmin, "", nil},
	{"GET /admin/mail/{id}/raw", auth.AuditRead, (*handler).mailRaw, "", nil},
	{"POST /admin/mail/{id}/retry", auth.OrgWrite, (*handler).mailRetry, "", nil},
	{"GET /admin/schedules", auth.AuditRead, (*handler).schedules, "", nil},
	{"POST /admin/schedules/{name}/run", auth.OrgWrite, (*handler).scheduleRun, "", nil},
	{"GET /admin/privacy", auth.PrivacyErase, (*handler).privacyPage, "", nil},
	{"POST /admin/privacy/erase", auth.PrivacyErase, (*handler).privacyErase, "", nil},
	{"GET /admin/calendar", auth.CalendarWrite, (*handler).calendar, "", nil},
	{"GET /admin/calendar/{year}/export", auth.CalendarWrite, (*handler).calendarExport, "", nil},
	{"POST /admin/calendar/import", auth.CalendarWrite, (*handler).calendarImport, "", nil},
	{"POST /admin/calendar/days", auth.CalendarWrite, (*handler).calendarDayAdd, "", nil},
	{"POST /admin/calendar/days/remove", auth.CalendarWrite, (*handler).calendarDayRemove, "", nil},
	{"POST /admin/calendar/{year}/revert", auth.CalendarWrite, (*handler).calendarRevert, "", nil},
	{"GET /admin/sla-policies", auth.CalendarWrite, (*handler).slaPolicies, "", nil},
	{"POST /admin/sla-policies", auth.CalendarWrite, (*handler).slaPoliciesSave, "", nil},
	{"POST /admin/sla-policies/variant", auth.CalendarWrite, (*handler).slaPolicyVariant, "", nil},
	{"GET /admin/workflow", auth.OrgWrite, (*handler).workflow, "", func(d *web.Deps) bool { return d.Cases != nil }},
	{"GET /admin/workflow/{profile}/{version}/export", auth.OrgWrite, (*handler).workflowExport, "", func(d *web.Deps) bool { return d.Cases != nil }},
	{"POST /admin/workflow/import", auth.OrgWrite, (*handler).workflowImport, "", func(d *web.Deps) bool { return d.Cases != nil }},
	{"GET /admin/queue", auth.QueueAdmin, (*handler).queueAdmin, "", hasQueue},
	// Counter staff open their counter from it, analysts the analytics.
	{"GET /queue/counters", signedIn, (*handler).queueList, "", hasQueue},
	{"POST /admin/queue", auth.QueueAdmin, (*handler).queueAdminSave, "", hasQueue},
	{"GET /queue/counters/{id}", auth.QueueServe, (*handler).queueCounter, "", hasQueue},
	{"POST /queue/counters/{id}/call", auth.QueueServe, (*handler).queueCounterCall, "", hasQueue},
	{"POST /queue/counters/{id}/act", auth.QueueServe, (*handler).queueCounterAct, "", hasQueue},
	{"GET /queue/branches/{id}/analytics", auth.QueueReport, (*handler).queueAnalytics, "", hasQueue},
	{"GET /queue", public, (*handler).queueCompare, "", hasQueue},
	{"GET /queue/branches/{id}", public, (*handler).queueLive, "", hasQueue},
	{"GET /queue/branches/{id}/board", public, (*handler).queueBoard, "", hasQueue},
	{"GET /queue/branches/{id}/kiosk", public, (*handler).queueKiosk, "", hasQueue},
	{"POST /queue/branches/{id}/tickets", public, (*handler).queueIssue, "", hasQueue},
	{"GET /queue/tickets/{id}", public, (*handler).queueTicket, "", hasQueue},
	{"POST /queue/tickets/{id}/complaint", public, (*handler).queueComplaint, "", hasQueue},
	{"GET /complaint/new", public, (*handler).publicForm, "", nil},
	{"POST /complaint/new", public, (*handler).publicSubmit, "", nil},
	{"GET /complaint/receipt", public, (*handler).publicReceipt, "", nil},
	{"GET /track", public, (*handler).trackPage, "", nil},
	{"POST /track/reply", public, (*handler).trackReply, "", nil},
	{"POST /track/credit-note", public, (*handler).trackCredit, "", func(d *web.Deps) bool { return d.Cases != nil }},
	{"GET /survey", public, (*handler).surveyPage, "", nil},
	{"GET /recall-notices/{id}", public, (*handler).recallNotice, "", hasRecalls},
	{"GET /recall-notices/{id}/print", public, (*handler).recallNoticePrint, "", hasRecalls},
	{"GET /recall-notices/{id}/notice.pdf", public, (*handler).recallNoticePDF, "", hasRecalls},
	{"GET /recall-notices/{id}/photos/{file}", public, (*handler).recallPhoto, "", hasRecalls},
	{"GET /recall-task/{token}", public, (*handler).recallTaskPage, "", hasRecalls},
	{"POST /recall-task/{token}", public, (*handler).recallTaskAnswer, "", hasRecalls},
	{"POST /survey", public, (*handler).surveyAnswer, "", nil},
	{"GET /letter", public, (*handler).publicLetter, "", nil},
	{"GET /favicon.ico", public, (*handler).favicon, "", nil},
	// Any other path: the styled "page not found".
	{"/", public, (*handler).notFound, "", nil},
}

func hasQueue(d *web.Deps) bool { return d.Queue != nil }

// RouteAccess is a page route, the permission it needs and its case gate.
type RouteAccess struct {
	Pattern string
	Perm    auth.Permission // "-" public, "" any signed-in user
	Gate    auth.Permission // "@action": the permission of the action in the path
}

// Routes lists every page route with its access, for the access-matrix
// test that every new page must appear in.
func Routes() []RouteAccess {
	out := make([]RouteAccess, len(pages))
	for i, p := range pages {
		out[i] = RouteAccess{Pattern: p.pattern, Perm: p.perm, Gate: p.gate}
	}
	return out
}

// home sends staff to the complaint list.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/complaints", http.StatusSeeOther)
}

// gated runs next only if the case service lets the signed-in user do
// need on the complaint in the path; refused forms are answered on the
// complaint page (or the error page) before the form is used.
func (h *handler) gated(need auth.Permission, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		action := ""
		if need == actionGate {
			action = r.PathValue("action")
		}
		if err := h.d.Cases.Gate(r.Context(), id, caseActor(r), need, action); err != nil {
			if need == auth.ComplaintRead || r.Method == http.MethodGet {
				h.fail(w, r, err)
			} else {
				h.refused(w, r, id, err)
			}
			return
		}
		next(w, r)
	}
}
