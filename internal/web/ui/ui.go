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
		track: web.NewRateLimiter(5*rate, time.Minute, now),
	}
	m := r.Mux
	m.Handle("GET /static/", staticHandler())
	m.HandleFunc("GET /lang", h.setLanguage)

	m.HandleFunc("GET /login", h.loginForm)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.staff("", h.logout))

	m.HandleFunc("GET /{$}", h.staff(auth.ComplaintRead, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/complaints", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /complaints", h.staff(auth.ComplaintRead, h.complaintList))
	if d.Reports != nil {
		m.HandleFunc("GET /reports", h.staff(auth.ReportRead, h.statistics))
		m.HandleFunc("GET /reports/export", h.staff(auth.ReportRead, h.statisticsExport))
		m.HandleFunc("GET /reports/kpis", h.staff(auth.ReportRead, h.kpis))
		m.HandleFunc("GET /reports/losses", h.staff(auth.ReportRead, h.losses))
		m.HandleFunc("GET /dashboard", h.staff(auth.ReportRead, h.dashboard))
	}
	m.HandleFunc("GET /complaints/new", h.staff(auth.ComplaintCreate, h.complaintNew))
	m.HandleFunc("POST /complaints/new", h.staff(auth.ComplaintCreate, h.complaintCreate))
	m.HandleFunc("GET /complaints/{id}", h.staff(auth.ComplaintRead, h.complaintShow))
	m.HandleFunc("POST /complaints/{id}/notes", h.staff(auth.ComplaintUpdate, h.complaintNote))
	m.HandleFunc("POST /complaints/{id}/attachments", h.staff(auth.ComplaintUpdate, h.complaintUpload))
	m.HandleFunc("GET /complaints/{id}/letter", h.staff(auth.ComplaintRead, h.complaintLetter))
	m.HandleFunc("GET /complaints/{id}/forms/{form}", h.staff(auth.ComplaintRead, h.formPrint))
	m.HandleFunc("GET /attachments/{id}", h.staff(auth.ComplaintRead, h.attachmentDownload))

	if d.Cases != nil {
		// Workflow actions are open to every reader: the definition says
		// which roles may take each (finance executes, for one).
		m.HandleFunc("POST /complaints/{id}/actions/{action}", h.staff(auth.ComplaintRead, h.caseAction))
		m.HandleFunc("POST /complaints/{id}/decision", h.staff(auth.ComplaintUpdate, h.caseDecide))
		m.HandleFunc("POST /complaints/{id}/investigation", h.staff(auth.ComplaintUpdate, h.caseInvestigate))
		m.HandleFunc("POST /complaints/{id}/capa", h.staff(auth.ComplaintUpdate, h.capaAdd))
		m.HandleFunc("POST /complaints/{id}/capa/{capa}/done", h.staff(auth.ComplaintUpdate, h.capaDone))
		m.HandleFunc("POST /complaints/{id}/capa/{capa}/verify", h.staff(auth.ComplaintUpdate, h.capaVerify))
		m.HandleFunc("POST /complaints/{id}/assign", h.staff(auth.ComplaintUpdate, h.caseAssign))
		m.HandleFunc("POST /complaints/{id}/parties", h.staff(auth.ComplaintUpdate, h.caseParties))
		m.HandleFunc("GET /complaints/{id}/8d", h.staff(auth.ComplaintRead, h.report8D))
		m.HandleFunc("GET /work", h.staff(auth.ComplaintRead, h.myWork))
		m.HandleFunc("GET /capa/standard-updates", h.staff(auth.ComplaintRead, h.capaStandardUpdates))
		m.HandleFunc("POST /complaints/{id}/memo", h.staff(auth.ComplaintRead, h.caseMemo))
	}
	if d.Incidents != nil {
		m.HandleFunc("GET /incidents", h.staff(auth.ComplaintRead, h.incidentList))
		m.HandleFunc("POST /incidents/{id}/quarantine", h.staff(auth.ComplaintRead, h.incidentQuarantine))
	}
	if d.Links != nil {
		m.HandleFunc("POST /complaints/{id}/links", h.staff(auth.ComplaintUpdate, h.complaintLink))
		m.HandleFunc("POST /complaints/{id}/merge", h.staff(auth.ComplaintUpdate, h.complaintMerge))
	}
	if d.Ledger != nil {
		m.HandleFunc("GET /customers/{id}/ledger", h.staff(auth.RegisterRead, h.ledgerShow))
		m.HandleFunc("POST /customers/{id}/ledger/{form}", h.staff(auth.RegisterRead, h.ledgerPost))
	}

	m.HandleFunc("GET /customers", h.staff(auth.RegisterRead, h.customerList))
	m.HandleFunc("GET /customers/new", h.staff(auth.RegisterWrite, h.customerForm))
	m.HandleFunc("POST /customers/new", h.staff(auth.RegisterWrite, h.customerSave))
	m.HandleFunc("GET /customers/{id}", h.staff(auth.RegisterWrite, h.customerForm))
	m.HandleFunc("POST /customers/{id}", h.staff(auth.RegisterWrite, h.customerSave))

	m.HandleFunc("GET /products", h.staff(auth.RegisterRead, h.productList))
	m.HandleFunc("GET /products/new", h.staff(auth.RegisterWrite, h.productForm))
	m.HandleFunc("POST /products/new", h.staff(auth.RegisterWrite, h.productSave))
	m.HandleFunc("GET /products/{id}", h.staff(auth.RegisterRead, h.productForm))
	m.HandleFunc("POST /products/{id}", h.staff(auth.RegisterWrite, h.productSave))
	m.HandleFunc("GET /products/{pid}/batches/new", h.staff(auth.RegisterWrite, h.batchForm))
	m.HandleFunc("POST /products/{pid}/batches/new", h.staff(auth.RegisterWrite, h.batchSave))
	m.HandleFunc("GET /batches/{id}", h.staff(auth.RegisterWrite, h.batchForm))
	m.HandleFunc("POST /batches/{id}", h.staff(auth.RegisterWrite, h.batchSave))

	m.HandleFunc("GET /suppliers", h.staff(auth.RegisterRead, h.supplierList))
	m.HandleFunc("GET /suppliers/new", h.staff(auth.RegisterWrite, h.supplierForm))
	m.HandleFunc("POST /suppliers/new", h.staff(auth.RegisterWrite, h.supplierSave))
	m.HandleFunc("GET /suppliers/{id}", h.staff(auth.RegisterWrite, h.supplierForm))
	m.HandleFunc("POST /suppliers/{id}", h.staff(auth.RegisterWrite, h.supplierSave))

	m.HandleFunc("GET /departments", h.staff(auth.RegisterRead, h.departmentList))
	m.HandleFunc("GET /departments/new", h.staff(auth.OrgWrite, h.departmentForm))
	m.HandleFunc("POST /departments/new", h.staff(auth.OrgWrite, h.departmentSave))
	m.HandleFunc("GET /departments/{id}", h.staff(auth.OrgWrite, h.departmentForm))
	m.HandleFunc("POST /departments/{id}", h.staff(auth.OrgWrite, h.departmentSave))

	m.HandleFunc("GET /users", h.staff(auth.OrgWrite, h.userList))
	m.HandleFunc("GET /users/new", h.staff(auth.OrgWrite, h.userForm))
	m.HandleFunc("POST /users/new", h.staff(auth.OrgWrite, h.userSave))
	m.HandleFunc("GET /users/{id}", h.staff(auth.OrgWrite, h.userForm))
	m.HandleFunc("POST /users/{id}", h.staff(auth.OrgWrite, h.userSave))

	m.HandleFunc("GET /audit", h.staff(auth.AuditRead, h.auditList))

	m.HandleFunc("GET /exports", h.staff(auth.Export, h.exportList))
	m.HandleFunc("POST /exports", h.staff(auth.Export, h.exportCreate))
	m.HandleFunc("GET /exports/{id}/file", h.staff(auth.Export, h.exportDownload))

	m.HandleFunc("GET /inbox", h.staff("", h.inbox))
	m.HandleFunc("POST /inbox/{id}/read", h.staff("", h.inboxRead))
	m.HandleFunc("GET /admin/jobs", h.staff(auth.AuditRead, h.jobsAdmin))
	m.HandleFunc("POST /admin/jobs/{id}/retry", h.staff(auth.OrgWrite, h.jobRetry))
	m.HandleFunc("GET /admin/schedules", h.staff(auth.AuditRead, h.schedules))
	m.HandleFunc("POST /admin/schedules/{name}/run", h.staff(auth.OrgWrite, h.scheduleRun))
	m.HandleFunc("GET /admin/calendar", h.staff(auth.CalendarWrite, h.calendar))
	m.HandleFunc("GET /admin/calendar/{year}/export", h.staff(auth.CalendarWrite, h.calendarExport))
	m.HandleFunc("POST /admin/calendar/import", h.staff(auth.CalendarWrite, h.calendarImport))
	m.HandleFunc("POST /admin/calendar/days", h.staff(auth.CalendarWrite, h.calendarDayAdd))
	m.HandleFunc("POST /admin/calendar/days/remove", h.staff(auth.CalendarWrite, h.calendarDayRemove))
	m.HandleFunc("POST /admin/calendar/{year}/revert", h.staff(auth.CalendarWrite, h.calendarRevert))

	// Public pages: no account.
	m.HandleFunc("GET /complaint/new", h.publicForm)
	m.HandleFunc("POST /complaint/new", h.publicSubmit)
	m.HandleFunc("GET /complaint/receipt", h.publicReceipt)
	m.HandleFunc("GET /track", h.trackPage)
	m.HandleFunc("POST /track/reply", h.trackReply)
	m.HandleFunc("GET /survey", h.surveyPage)
	m.HandleFunc("POST /survey", h.surveyAnswer)
	m.HandleFunc("GET /letter", h.publicLetter)
}
