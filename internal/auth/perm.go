package auth

import "kesu/internal/org"

// Permission names an action a role may take.
type Permission string

// Permissions checked by the web layer and, for cases, by the case service
// (casework), which also applies their scope.
const (
	ComplaintRead   Permission = "complaint.read"   // read cases (scoped)
	ComplaintCreate Permission = "complaint.create" // register complaints
	// ComplaintUpdate is working on a case: notes, attachments,
	// investigation records, CAPA, memos, links, survey links, extensions
	// and workflow actions (the lifecycle definition says which roles take
	// which action).
	ComplaintUpdate Permission = "complaint.update"
	ComplaintEdit   Permission = "complaint.edit" // change the complaint's record: triage fields (scoped)
	CaseDecide      Permission = "case.decide"    // decisions and the resolution plan (scoped)
	CaseAssign      Permission = "case.assign"    // holder, backup, 当事人, moving a case to another department
	CaseApprove     Permission = "case.approve"   // sign or refuse a plan at one's level of authority (scoped)
	// CaseContact is recording the customer's side of a case: their
	// agreement to a plan, follow-up visits (回访). Customer service does
	// it for every complaint.
	CaseContact Permission = "case.contact"
	// CaseCorrect changes the record of a finished case; the timeline marks
	// it as a correction with its reason.
	CaseCorrect    Permission = "case.correct"
	RegisterRead   Permission = "register.read"
	RegisterWrite  Permission = "register.write" // customers, products, batches, suppliers
	OrgWrite       Permission = "org.write"      // departments and users
	AuditRead      Permission = "audit.read"
	PersonalData   Permission = "personal.read"   // unmasked complainant contact details
	Export         Permission = "export"          // export lists with personal data masked
	ExportPersonal Permission = "export.personal" // export personal data unmasked
	ReportRead     Permission = "report.read"     // statistics, KPIs and the dashboard
	CalendarWrite  Permission = "calendar.write"  // holidays and make-up days of the business calendar
	PrivacyErase   Permission = "privacy.erase"   // erase the personal data of closed complaints and customers (SEC-2)
	// The branch queue 叫号 (issue 14): QueueServe works a counter (call
	// next, recall, no-show, transfer, serve, finish); QueueAdmin sets up
	// branches, service types and counters; QueueReport reads the queue's
	// analytics, the counter planner and the simulator. Their scope is
	// over branches: department scope reaches the branches of the user's
	// department and those below it (queue/access.go).
	QueueServe  Permission = "queue.serve"
	QueueAdmin  Permission = "queue.admin"
	QueueReport Permission = "queue.report"
	// DeskWork is working at the service desk: logging contacts, writing
	// and acknowledging handovers, asking for and agreeing to shift swaps,
	// using the knowledge base.
	DeskWork Permission = "desk.work"
	// DeskManage is running the desk: shift patterns and the roster,
	// approving swaps, writing the knowledge base.
	DeskManage Permission = "desk.manage"
	// RecallManage starts and runs product recalls (REC-1): scope,
	// quarantine, shipments, distributors' answers, disposal, the test
	// report and closing. Reading recalls needs ReportRead.
	RecallManage Permission = "recall.manage"
	// ReceivableWrite records receivables 应收账款 and the money collected
	// against them (finance), which the collection-bonus report reads.
	ReceivableWrite Permission = "receivable.write"
)

// Scope is how far a permission reaches over cases (SPEC SEC-1).
type Scope int

// Scopes, narrowest first. A wider scope includes the narrower ones.
const (
	// ScopeNone: the role does not have the permission.
	ScopeNone Scope = iota
	// ScopeOwn: cases the user holds, backs up, first received, or owns a
	// CAPA action of.
	ScopeOwn
	// ScopeDepartment: cases owned by the user's department or one below
	// it, or with a CAPA action owned by one of them; and their own.
	ScopeDepartment
	// ScopeAll: every case.
	ScopeAll
)

// String names the scope as the API and the docs do.
func (s Scope) String() string {
	switch s {
	case ScopeOwn:
		return "own"
	case ScopeDepartment:
		return "department"
	case ScopeAll:
		return "all"
	}
	return "none"
}

// grants is the role × permission × scope table; docs/workflow.md shows it.
var grants = map[string]map[Permission]Scope{
	// Administrators keep the records straight — triage fields, assignment
	// and corrections of finished cases — but do not work cases: no notes
	// to customers, CAPA, decisions, approvals or lifecycle steps.
	org.RoleAdmin: {ComplaintRead: ScopeAll, ComplaintCreate: ScopeAll, ComplaintEdit: ScopeAll,
		CaseAssign: ScopeAll, CaseCorrect: ScopeAll, RegisterRead: ScopeAll, RegisterWrite: ScopeAll, OrgWrite: ScopeAll, AuditRead: ScopeAll,
		PersonalData: ScopeAll, Export: ScopeAll, ExportPersonal: ScopeAll, ReportRead: ScopeAll, CalendarWrite: ScopeAll,
		PrivacyErase: ScopeAll, QueueAdmin: ScopeAll, QueueReport: ScopeAll, DeskManage: ScopeAll, RecallManage: ScopeAll,
		ReceivableWrite: ScopeAll},
	// The general managers see and may act on every case; they approve
	// across departments.
	org.RoleGM: {ComplaintRead: ScopeAll, ComplaintCreate: ScopeAll, ComplaintUpdate: ScopeAll, ComplaintEdit: ScopeAll,
		CaseDecide: ScopeAll, CaseAssign: ScopeAll, CaseApprove: ScopeAll, CaseContact: ScopeAll, RegisterRead: ScopeAll, RegisterWrite: ScopeAll,
		PersonalData: ScopeAll, Export: ScopeAll, ExportPersonal: ScopeAll, ReportRead: ScopeAll, QueueReport: ScopeAll, DeskWork: ScopeAll, DeskManage: ScopeAll, RecallManage: ScopeAll},
	org.RoleDeputyGM: {ComplaintRead: ScopeAll, ComplaintCreate: ScopeAll, ComplaintUpdate: ScopeAll, ComplaintEdit: ScopeAll,
		CaseDecide: ScopeAll, CaseAssign: ScopeAll, CaseApprove: ScopeAll, CaseContact: ScopeAll, RegisterRead: ScopeAll, RegisterWrite: ScopeAll,
		PersonalData: ScopeAll, Export: ScopeAll, ExportPersonal: ScopeAll, ReportRead: ScopeAll, QueueReport: ScopeAll, DeskWork: ScopeAll, DeskManage: ScopeAll, RecallManage: ScopeAll},
	// Department managers run and approve their department's cases.
	org.RoleManager: {ComplaintRead: ScopeDepartment, ComplaintCreate: ScopeAll, ComplaintUpdate: ScopeDepartment,
		ComplaintEdit: ScopeDepartment, CaseDecide: ScopeDepartment, CaseAssign: ScopeDepartment, CaseApprove: ScopeDepartment,
		CaseContact: ScopeDepartment, RegisterRead: ScopeAll, RegisterWrite: ScopeAll, PersonalData: ScopeAll, Export: ScopeAll, ExportPersonal: ScopeAll,
		ReportRead: ScopeAll, QueueServe: ScopeDepartment, QueueAdmin: ScopeDepartment, QueueReport: ScopeDepartment, DeskWork: ScopeAll, DeskManage: ScopeAll, RecallManage: ScopeAll},
	// Quality engineers read every case (quality trends, CAPA reviews) and
	// work on their department's.
	org.RoleQAEngineer: {ComplaintRead: ScopeAll, ComplaintUpdate: ScopeDepartment, ComplaintEdit: ScopeDepartment,
		CaseDecide: ScopeDepartment, CaseContact: ScopeDepartment, RegisterRead: ScopeAll, PersonalData: ScopeAll, ReportRead: ScopeAll, DeskWork: ScopeAll},
	org.RoleHandler: {ComplaintRead: ScopeDepartment, ComplaintUpdate: ScopeDepartment, ComplaintEdit: ScopeDepartment,
		CaseDecide: ScopeDepartment, CaseContact: ScopeDepartment, RegisterRead: ScopeAll, PersonalData: ScopeAll, DeskWork: ScopeAll},
	// Customer service answers the customer about any complaint (首问负责)
	// and works on its own department's and the ones it received.
	org.RoleAgent: {ComplaintRead: ScopeAll, ComplaintCreate: ScopeAll, ComplaintUpdate: ScopeDepartment,
		ComplaintEdit: ScopeDepartment, CaseDecide: ScopeDepartment, CaseContact: ScopeAll, RegisterRead: ScopeAll, RegisterWrite: ScopeAll,
		PersonalData: ScopeAll, QueueServe: ScopeDepartment, DeskWork: ScopeAll},
	// Finance and the warehouse carry out refunds and returns on the cases
	// that involve them; they decide nothing.
	org.RoleFinance: {ComplaintRead: ScopeAll, ComplaintUpdate: ScopeDepartment, RegisterRead: ScopeAll, PersonalData: ScopeAll, Export: ScopeAll, ReportRead: ScopeAll,
		ReceivableWrite: ScopeAll},
	org.RoleWarehouse: {ComplaintRead: ScopeDepartment, ComplaintUpdate: ScopeDepartment, RegisterRead: ScopeAll},
	org.RoleAuditor:   {ComplaintRead: ScopeAll, RegisterRead: ScopeAll, AuditRead: ScopeAll, ReportRead: ScopeAll, QueueReport: ScopeAll},
}

// Can reports whether role has permission p at any scope.
func Can(role string, p Permission) bool { return ScopeOf(role, p) > ScopeNone }

// ScopeOf returns how far role's permission p reaches.
func ScopeOf(role string, p Permission) Scope { return grants[role][p] }

// Permissions lists every permission, for the access-matrix tests and docs.
func Permissions() []Permission {
	return []Permission{ComplaintRead, ComplaintCreate, ComplaintUpdate, ComplaintEdit, CaseDecide, CaseAssign, CaseApprove,
		CaseContact, CaseCorrect, RegisterRead, RegisterWrite, OrgWrite, AuditRead, PersonalData, Export, ExportPersonal, ReportRead, CalendarWrite,
		PrivacyErase, QueueServe, QueueAdmin, QueueReport, DeskWork, DeskManage, RecallManage, ReceivableWrite}
}
