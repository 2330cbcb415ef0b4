// Package casework runs the complaint lifecycle on stored complaints: it
// loads a case, asks the workflow definition whether an action is allowed,
// and writes the result — state, decisions, approvals, follow-up visits,
// timeline entry and audit entry — atomically, refusing a stale version.
package casework

import (
	"context"
	"time"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/enum"
	"kesu/internal/jobs"
	"kesu/internal/money"
	"kesu/internal/org"
	"kesu/internal/sla"
	"kesu/internal/workflow"
)

// Record is the workflow part of a complaint, with what the engine needs
// from the rest of the case.
type Record struct {
	ComplaintID int64  `json:"complaint_id"`
	Number      string `json:"number"`
	Version     int    `json:"version"`
	Profile     string `json:"profile"`
	// ProfileVersion is the version of the profile the case runs (0: the
	// shipped definition), chosen at registration and kept for its life.
	ProfileVersion int `json:"profile_version"`

	Status         string `json:"status"`
	PreviousStatus string `json:"previous_status,omitempty"`
	Level          int    `json:"level"`

	Category     string `json:"category"`
	Quality      bool   `json:"quality"`
	Severity     string `json:"severity"`
	Safety       bool   `json:"safety"`
	DepartmentID *int64 `json:"department_id,omitempty"`

	Established        *bool  `json:"established"`
	Validity           string `json:"validity"`
	Malicious          bool   `json:"malicious"`
	Responsibility     string `json:"responsibility"`
	ResponsibilityNote string `json:"responsibility_note,omitempty"`
	RootCause          string `json:"root_cause"`

	Resolution         string `json:"resolution"`
	Amount             int64  `json:"amount"` // in fen (1/100 of the currency unit)
	Currency           string `json:"currency"`
	ResolutionExecuted bool   `json:"resolution_executed"`

	FollowUpsDone    int `json:"follow_ups_done"`
	LastSatisfaction int `json:"last_satisfaction"`
	ApprovalRound    int `json:"approval_round"`
	Reopens          int `json:"reopens"`

	HolderID     *int64     `json:"holder_id,omitempty"`
	BackupID     *int64     `json:"backup_id,omitempty"`
	MergedInto   *int64     `json:"merged_into,omitempty"`
	ReminderDate *time.Time `json:"reminder_date,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	// Milestones for stage times: first left registration, first reply to
	// the customer, resolution executed.
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	RepliedAt  *time.Time `json:"replied_at,omitempty"`
	ExecutedAt *time.Time `json:"executed_at,omitempty"`

	Parties   []int64              `json:"parties"`   // 当事人
	Approvers []int64              `json:"approvers"` // signatures of the current round, one per level signed
	CAPA      workflow.CAPASummary `json:"capa"`

	// PlanCommitted: the current round's plan was promised by an actor
	// within their own authority (resolve on the spot, a direct reply).
	PlanCommitted bool `json:"plan_committed"`
	// AwaitingRole is the role whose signature the plan waits for while
	// the case is in approval, so approvers find it in their work list.
	AwaitingRole string `json:"awaiting_role,omitempty"`
	// Erased: the complaint's personal data was erased (SEC-2). The gate
	// keeps the complainant's input off it and refuses a reopen.
	Erased bool `json:"-"`
	// FirstReceiverID received the complaint (首问负责人); the case is theirs
	// to read and work on.
	FirstReceiverID *int64 `json:"first_receiver_id,omitempty"`
	// CAPAOwners are the departments and people owning the case's current
	// CAPA actions: they work on the case too.
	CAPAOwners []CAPAOwner `json:"-"`
}

// CAPAOwner is who owns one CAPA action of a case.
type CAPAOwner struct {
	DepartmentID *int64
	UserID       *int64
}

// Resolutions are the ways a complaint is settled (SPEC WF-4).
var Resolutions = enum.Set{
	{Code: "return", ZH: "退货", EN: "Return"},
	{Code: "replace", ZH: "换货", EN: "Replacement"},
	{Code: "repair", ZH: "维修", EN: "Repair"},
	{Code: "discount", ZH: "折让", EN: "Discount"},
	{Code: "refund", ZH: "退款", EN: "Refund"},
	{Code: "compensation", ZH: "赔偿", EN: "Compensation"},
	{Code: "apology", ZH: "道歉函", EN: "Apology letter"},
	{Code: "explanation", ZH: "解释说明", EN: "Explanation"},
	{Code: "redelivery", ZH: "重新发货", EN: "Re-delivery"},
	{Code: "parts", ZH: "补发配件", EN: "Parts"},
	{Code: "none", ZH: "无需处理", EN: "None"},
}

// Validities (TRI-4).
var Validities = enum.Set{
	{Code: workflow.ValidityValid, ZH: "有效投诉", EN: "Valid"},
	{Code: workflow.ValidityPending, ZH: "待改良投诉", EN: "Pending improvement"},
	{Code: workflow.ValidityInvalid, ZH: "无效投诉", EN: "Invalid"},
}

// Responsibilities (TRI-4).
var Responsibilities = enum.Set{
	{Code: workflow.RespCustomer, ZH: "客户自身", EN: "Customer"},
	{Code: workflow.RespInternal, ZH: "公司内部", EN: "Internal"},
	{Code: workflow.RespSupplier, ZH: "供应商", EN: "Supplier"},
	{Code: workflow.RespLogistics, ZH: "物流", EN: "Logistics"},
	{Code: workflow.RespUndetermined, ZH: "未确定", EN: "Undetermined"},
}

// CAPA kinds and states (WF-3).
var (
	CAPAKinds = enum.Set{
		{Code: "containment", ZH: "围堵/临时措施", EN: "Containment"},
		{Code: "corrective", ZH: "纠正措施", EN: "Corrective"},
		{Code: "preventive", ZH: "预防措施", EN: "Preventive"},
	}
	CAPAVerifications = enum.Set{
		{Code: "effective", ZH: "有效", EN: "Effective"},
		{Code: "ineffective", ZH: "无效", EN: "Ineffective"},
	}
)

// CAPAAction is one containment, corrective or preventive action.
type CAPAAction struct {
	ID                int64      `json:"id"`
	ComplaintID       int64      `json:"complaint_id"`
	Kind              string     `json:"kind"`
	Description       string     `json:"description"`
	OwnerDepartmentID *int64     `json:"owner_department_id,omitempty"`
	OwnerUserID       *int64     `json:"owner_user_id,omitempty"`
	SupplierID        *int64     `json:"supplier_id,omitempty"` // a supplier CAPA
	DueDate           *time.Time `json:"due_date,omitempty"`
	Status            string     `json:"status"` // open or done
	Evidence          string     `json:"evidence,omitempty"`
	DoneAt            *time.Time `json:"done_at,omitempty"`
	Verification      string     `json:"verification,omitempty"` // "", effective, ineffective
	VerifiedBy        *int64     `json:"verified_by,omitempty"`
	VerifiedAt        *time.Time `json:"verified_at,omitempty"`
	VerifyNote        string     `json:"verify_note,omitempty"`
	UpdateStandard    bool       `json:"update_standard"` // effective and to go into the procedures (000 §4.6.2)
	// SupersededBy is the action that reworks this one after it was
	// verified ineffective; SupersedesID the ineffective action this one
	// reworks. A superseded action no longer counts on the case.
	SupersededBy *int64    `json:"superseded_by,omitempty"`
	SupersedesID *int64    `json:"supersedes_id,omitempty"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
}

// Approval is one signature (or refusal) on a resolution plan.
type Approval struct {
	ID          int64     `json:"id"`
	ComplaintID int64     `json:"complaint_id"`
	Round       int       `json:"round"`
	LevelRole   string    `json:"level_role"`
	ApproverID  int64     `json:"approver_id"`
	Approver    string    `json:"approver,omitempty"`
	Decision    string    `json:"decision"` // approved or rejected
	Comment     string    `json:"comment,omitempty"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	At          time.Time `json:"at"`
}

// FollowUp is one follow-up visit 回访 (WF-7).
type FollowUp struct {
	ID           int64      `json:"id"`
	ComplaintID  int64      `json:"complaint_id"`
	Method       string     `json:"method"` // phone, visit, email, survey …
	Satisfaction *int       `json:"satisfaction,omitempty"`
	Comment      string     `json:"comment,omitempty"`
	ByUserID     *int64     `json:"by_user_id,omitempty"`
	At           *time.Time `json:"at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Write is everything one change of a case stores besides the record's own
// fields, all in the same transaction as the record, whose version it
// checks: Store.Save is the only way a case is written, so the checks the
// service made on the version it loaded hold when the change commits.
type Write struct {
	Event     complaint.Event // the timeline entry (Kind, Body, Data, Public)
	Action    string          // audit action, e.g. workflow.accept
	Approvals []Approval      // signatures (one per level covered), a commitment or a refusal
	FollowUp  *FollowUp       // a visit to store
	NewRound  bool            // the plan changed: later signatures start a new round
	// SurveyID answers this follow-up row (a public survey) instead of
	// storing a new visit; the answer is refused if the link was used.
	SurveyID int64
	// SurveyTokenHash stores a pending follow-up visit with a single-use
	// public survey link (only the token's hash is kept).
	SurveyTokenHash string
	// Jobs are enqueued with the change (replies to send, notices).
	Jobs []*jobs.Job
	// Notices are recorded in the recipients' inboxes (and sent by email
	// and SMS) with the change.
	Notices []sla.Notice
	// ResetVerification clears the QA verification of the case's effective
	// CAPA actions, which must be verified again; ineffective ones keep
	// their verdict until they are reworked.
	ResetVerification bool
	Responsible       []Responsible // replaces the responsible parties when non-nil
	// Complaint, with Changes, writes the complaint's own record fields
	// (triage, complainant, product); the search index follows.
	Complaint *complaint.Complaint
	Changes   []complaint.Change
	// Attachment is a file added to the case.
	Attachment *complaint.Attachment
	// Files are further files added with the change (those of a mail).
	Files []*complaint.Attachment
	// CAPA is an action to add (ID 0) or to update (version-checked).
	CAPA *CAPAAction
	// Parties replaces the people complained about when non-nil.
	Parties []int64
	// Link records that the case is a duplicate or repeat of, or merged
	// into, another complaint.
	Link *Link
	// Clock is what the change does to the case's SLA clocks; the store
	// applies it in the same transaction (see clockChange).
	Clock sla.Change
	// Loss replaces the case's costed loss; Penalty its reward/penalty
	// notice with its lines (FIN-2).
	Loss    *money.Loss
	Penalty *money.Penalty
	// Credit replaces the case's credit note with its receivables (FIN-1).
	Credit *money.CreditNote
	// Return replaces the case's return slip with its steps (RET-1).
	Return *money.ReturnSlip
	// Parts is a shipment of parts to store; one charged to a dealer's
	// allowance is posted to its account, refused beyond what is available.
	Parts *money.PartShipment
}

// Link is a relation from a case to another complaint.
type Link struct {
	ToID int64
	Kind string // duplicate, repeat, merged
}

// Responsible is a department, person or supplier held responsible (WF-9).
type Responsible struct {
	DepartmentID *int64 `json:"department_id,omitempty"`
	UserID       *int64 `json:"user_id,omitempty"`
	SupplierID   *int64 `json:"supplier_id,omitempty"`
	Share        int    `json:"share"` // percent
	Note         string `json:"note,omitempty"`
}

// WorkItem is a case in someone's work list.
type WorkItem struct {
	ComplaintID int64     `json:"complaint_id"`
	Number      string    `json:"number"`
	Subject     string    `json:"subject"`
	Status      string    `json:"status"`
	Severity    string    `json:"severity"`
	Safety      bool      `json:"safety"`
	ReceivedAt  time.Time `json:"received_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	AsBackup    bool      `json:"as_backup"`
	// ToSign: the case waits for the user's signature (it is in approval
	// at their level), whether or not they hold it.
	ToSign bool `json:"to_sign"`
	// DueAt is the earliest due time of the case's running time limits.
	DueAt *time.Time `json:"due_at,omitempty"`
}

// Store persists cases.
type Store interface {
	Load(ctx context.Context, complaintID int64) (*Record, error)
	// Save writes r's workflow fields and everything in w in one
	// transaction if r.Version is the stored version, and bumps r.Version;
	// a stale version is a Conflict and writes nothing.
	Save(ctx context.Context, r *Record, w Write, actor audit.Actor) error
	Responsible(ctx context.Context, complaintID int64) ([]Responsible, error)
	// Loss and Penalty return the case's costed loss and reward/penalty
	// notice; NotFound when it has none.
	Loss(ctx context.Context, complaintID int64) (*money.Loss, error)
	Penalty(ctx context.Context, complaintID int64) (*money.Penalty, error)
	// Credit returns the case's credit note; NotFound when it has none.
	Credit(ctx context.Context, complaintID int64) (*money.CreditNote, error)
	// Return returns the case's return slip; NotFound when it has none.
	Return(ctx context.Context, complaintID int64) (*money.ReturnSlip, error)
	// ReturnTolerance is the over-quantity tolerance of the case's
	// customer in basis points; ok is false when it names none.
	ReturnTolerance(ctx context.Context, complaintID int64) (bp int64, ok bool, err error)
	// CustomerTolerance and SetCustomerTolerance read and write a
	// customer's over-quantity tolerance (nil: the company default).
	CustomerTolerance(ctx context.Context, customerID int64) (*int64, error)
	// PartsCustomer is the case's customer and its class (nil, "" when
	// none); Parts lists the case's part shipments.
	PartsCustomer(ctx context.Context, complaintID int64) (*int64, string, error)
	Parts(ctx context.Context, complaintID int64) ([]money.PartShipment, error)
	SetCustomerTolerance(ctx context.Context, customerID int64, bp *int64, actor audit.Actor) error

	CAPA(ctx context.Context, complaintID int64) ([]CAPAAction, error)
	StandardUpdates(ctx context.Context, limit int) ([]CAPAAction, error)

	Approvals(ctx context.Context, complaintID int64) ([]Approval, error)
	FollowUps(ctx context.Context, complaintID int64) ([]FollowUp, error)

	// MyWork lists open cases held by userID (or backed up by them) and,
	// with awaiting, those in approval whose next signature is awaiting's
	// role within its departments; earliest due first.
	MyWork(ctx context.Context, userID int64, open []string, awaiting *Awaiting, limit int) ([]WorkItem, error)
	// Team returns the active users of a department with their open load.
	Team(ctx context.Context, departmentID int64, open []string) ([]workflow.Candidate, error)
	DepartmentByCode(ctx context.Context, code string) (int64, error)
	// Departments lists the department tree, for department scopes.
	Departments(ctx context.Context) ([]org.Department, error)
	// UsersWithRoles lists the active users with any of roles.
	UsersWithRoles(ctx context.Context, roles []string) ([]org.User, error)
	// UnmarkedApprovals lists the cases in one of states whose awaited
	// role was never recorded (cases in approval before kesu recorded it).
	UnmarkedApprovals(ctx context.Context, states []string) ([]int64, error)
	// MarkAwaiting records the role a case in approval waits for, if the
	// case is still at version; it is derived data, not a change of the case.
	MarkAwaiting(ctx context.Context, complaintID int64, version int, role string) error
	// RecordFacts writes timeline entries of facts kesu's jobs brought
	// about (a letter sent), with their audit entries, in one transaction;
	// they change nothing of the cases.
	RecordFacts(ctx context.Context, evs []complaint.Event, actor audit.Actor) error
	// Linked reports whether from is linked to to as kind already.
	Linked(ctx context.Context, from, to int64, kind string) (bool, error)
	// Survey finds a survey by token hash: its complaint, follow-up row and
	// whether it was answered.
	Survey(ctx context.Context, tokenHash string) (complaintID, followUpID int64, answered bool, err error)
	// LastHolder is the holder of the newest case of a department, for
	// round-robin assignment.
	LastHolder(ctx context.Context, departmentID int64) (int64, error)
}

// Awaiting selects the cases waiting for a signature of Role; nil
// DepartmentIDs means in every department.
type Awaiting struct {
	Role          string
	DepartmentIDs []int64
}
