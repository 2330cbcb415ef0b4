package auth

import "kesu/internal/org"

// Permission names an action a role may take.
type Permission string

// Permissions checked by the web layer.
const (
	ComplaintRead   Permission = "complaint.read"
	ComplaintCreate Permission = "complaint.create"
	ComplaintUpdate Permission = "complaint.update"
	RegisterRead    Permission = "register.read"
	RegisterWrite   Permission = "register.write" // customers, products, batches, suppliers
	OrgWrite        Permission = "org.write"      // departments and users
	AuditRead       Permission = "audit.read"
	PersonalData    Permission = "personal.read"   // unmasked complainant contact details
	Export          Permission = "export"          // export lists with personal data masked
	ExportPersonal  Permission = "export.personal" // export personal data unmasked
	ReportRead      Permission = "report.read"     // statistics, KPIs and the dashboard
	CalendarWrite   Permission = "calendar.write"  // holidays and make-up days of the business calendar
)

var grants = map[string][]Permission{
	org.RoleAdmin: {ComplaintRead, ComplaintCreate, ComplaintUpdate, RegisterRead, RegisterWrite, OrgWrite, AuditRead, PersonalData, Export,
		ExportPersonal, ReportRead, CalendarWrite},
	org.RoleManager: {ComplaintRead, ComplaintCreate, ComplaintUpdate, RegisterRead, RegisterWrite, PersonalData, Export, ExportPersonal, ReportRead},
	org.RoleAgent:   {ComplaintRead, ComplaintCreate, ComplaintUpdate, RegisterRead, RegisterWrite, PersonalData},
	org.RoleHandler: {ComplaintRead, ComplaintUpdate, RegisterRead, PersonalData},
	// Quality engineers investigate and verify CAPA; the general managers
	// approve by authority; finance and warehouse see cases for credit
	// notes and returns.
	org.RoleQAEngineer: {ComplaintRead, ComplaintUpdate, RegisterRead, PersonalData, ReportRead},
	org.RoleDeputyGM:   {ComplaintRead, ComplaintCreate, ComplaintUpdate, RegisterRead, RegisterWrite, PersonalData, Export, ExportPersonal, ReportRead},
	org.RoleGM:         {ComplaintRead, ComplaintCreate, ComplaintUpdate, RegisterRead, RegisterWrite, PersonalData, Export, ExportPersonal, ReportRead},
	org.RoleFinance:    {ComplaintRead, RegisterRead, PersonalData, Export, ReportRead},
	org.RoleWarehouse:  {ComplaintRead, ComplaintUpdate, RegisterRead},
	org.RoleAuditor:    {ComplaintRead, RegisterRead, AuditRead, ReportRead},
}

// Can reports whether role has permission p.
func Can(role string, p Permission) bool {
	for _, g := range grants[role] {
		if g == p {
			return true
		}
	}
	return false
}
