package web

import (
	"encoding/json"
	"net/http"

	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/customer"
)

// maxAuditedIDs bounds the record ids one read's audit entry lists.
const maxAuditedIDs = 500

// AuditPersonalRead records that the request's user read the personal data
// of the records ids unmasked (SPEC SEC-3): one entry per request, whatever
// the number of rows, naming the records (kind: complaint, customer). A
// read that shows no personal data is not recorded.
func AuditPersonalRead(r *http.Request, d *Deps, action, kind string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	detail := map[string]any{"count": len(ids), kind + "_ids": ids[:min(len(ids), maxAuditedIDs)]}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return d.Audit.Append(r.Context(), &audit.Entry{Actor: Actor(r), Action: action, Object: kind + "s", Detail: b})
}

// ContactIDs lists the complaints of cs that hold contact details.
func ContactIDs(cs []complaint.Complaint) []int64 {
	var ids []int64
	for _, c := range cs {
		if c.Complainant.Phone != "" || c.Complainant.Email != "" || c.Complainant.Address != "" || c.ShipAddress != "" {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// CustomerContactIDs lists the customers of cs that hold contact details.
func CustomerContactIDs(cs []customer.Customer) []int64 {
	var ids []int64
	for _, c := range cs {
		if c.Phone != "" || c.Email != "" || c.Address != "" {
			ids = append(ids, c.ID)
		}
	}
	return ids
}
