package queue

import (
	"fmt"

	"kesu/internal/complaint"
)

// ComplaintProfile is the lifecycle a complaint filed from a ticket runs.
const ComplaintProfile = "bank"

// VisitComplaint is the complaint a waiting customer files from their
// ticket page, linked to the visit: branch, service type, ticket number
// and minutes waited (QUE-6). The caller adds the customer's words and
// contact.
func VisitComplaint(v TicketView, waited int, lang string) *complaint.Complaint {
	subject := fmt.Sprintf("网点排队投诉：%s %s", v.Branch.Name, v.Ticket.Number)
	desc := fmt.Sprintf("网点：%s（%s）\n业务类型：%s\n号码：%s（%s）\n已等候：%d 分钟", v.Branch.Name, v.Branch.Code, v.Type.Name,
		v.Ticket.Number, v.Ticket.Day, waited)
	if lang == "en" {
		subject = fmt.Sprintf("Branch queue complaint: %s %s", branchLabel(v.Branch), v.Ticket.Number)
		desc = fmt.Sprintf("Branch: %s (%s)\nService: %s\nTicket: %s (%s)\nWaited: %d min", branchLabel(v.Branch), v.Branch.Code,
			v.Type.NameEN, v.Ticket.Number, v.Ticket.Day, waited)
	}
	return &complaint.Complaint{Channel: "visit", Subject: subject, Description: desc, Severity: "minor"}
}

func branchLabel(b Branch) string {
	if b.NameEN != "" {
		return b.NameEN
	}
	return b.Name
}
