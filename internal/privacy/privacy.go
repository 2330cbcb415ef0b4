// Package privacy masks personal data for roles that may not see it (SPEC
// SEC-2): enough stays visible to recognise a record, not to contact the
// person. The API and the staff pages use the same rules.
package privacy

import (
	"strings"
	"unicode/utf8"

	"kesu/internal/complaint"
	"kesu/internal/customer"
)

// Phone keeps the first three and last four characters: 138****8000.
func Phone(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) < 8 {
		return "****"
	}
	return string(r[:3]) + "****" + string(r[len(r)-4:])
}

// Email keeps the first letter and the domain: z***@example.com.
func Email(s string) string {
	if s == "" {
		return ""
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(local)
	return string(first) + "***@" + domain
}

// Address keeps the first six characters (province and city).
func Address(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) <= 6 {
		return "****"
	}
	return string(r[:6]) + "****"
}

// Complaint returns c with the complainant's phone, email and address and
// the shipping address masked.
func Complaint(c complaint.Complaint) complaint.Complaint {
	c.Complainant.Phone = Phone(c.Complainant.Phone)
	c.Complainant.Email = Email(c.Complainant.Email)
	c.Complainant.Address = Address(c.Complainant.Address)
	c.ShipAddress = Address(c.ShipAddress)
	return c
}

// Customer returns c with its phone, email and address masked: end users
// and walk-ins are private persons.
func Customer(c customer.Customer) customer.Customer {
	c.Phone, c.Email, c.Address = Phone(c.Phone), Email(c.Email), Address(c.Address)
	return c
}

// Name keeps the first character of a person's name: 张** for 张三丰.
// Exports without the personal-data permission use it; the staff pages
// show names, which identify a case without reaching the person.
func Name(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", min(max(len(r)-1, 1), 3))
}

// ComplaintFields are the complaint's fields that hold personal contact
// data, as named in a complaint's change records and in the API:
// each with its masking.
var ComplaintFields = map[string]func(string) string{
	"complainant.phone":   Phone,
	"complainant.email":   Email,
	"complainant.address": Address,
	"ship_address":        Address,
}

// Events returns evs with the old and new values of personal fields in
// their change records masked (a contact change on the timeline), and the
// sender of a complainant's mail; the other events are shared, not
// copied.
func Events(evs []complaint.Event) []complaint.Event {
	out := make([]complaint.Event, len(evs))
	for i, e := range evs {
		out[i] = e
		if s, ok := e.Data["sender"].(string); ok && s != "" {
			data := make(map[string]any, len(e.Data))
			for k, v := range e.Data {
				data[k] = v
			}
			data["sender"] = Email(s)
			e.Data = data
			out[i].Data = data
		}
		if changes, ok := e.Data["changes"].([]any); ok && HasPersonalChange(e) {
			masked := make([]any, len(changes))
			for j, ch := range changes {
				masked[j] = maskChange(ch)
			}
			data := make(map[string]any, len(e.Data))
			for k, v := range e.Data {
				data[k] = v
			}
			data["changes"] = masked
			out[i].Data = data
		}
		if changes, ok := e.Data["changes"].([]complaint.Change); ok {
			masked := make([]complaint.Change, len(changes))
			for j, ch := range changes {
				masked[j] = ch
				if mask, ok := ComplaintFields[ch.Field]; ok {
					masked[j].From, masked[j].To = maskValue(mask, ch.From), maskValue(mask, ch.To)
				}
			}
			data := make(map[string]any, len(e.Data))
			for k, v := range e.Data {
				data[k] = v
			}
			data["changes"] = masked
			out[i].Data = data
		}
	}
	return out
}

// HasPersonal reports whether e shows personal data Events masks: a
// change of a personal field, or the sender of a complainant's mail.
func HasPersonal(e complaint.Event) bool {
	if s, ok := e.Data["sender"].(string); ok && s != "" {
		return true
	}
	return HasPersonalChange(e)
}

// HasPersonalChange reports whether e records a change of a personal
// field.
func HasPersonalChange(e complaint.Event) bool {
	switch changes := e.Data["changes"].(type) {
	case []any:
		for _, ch := range changes {
			if m, ok := ch.(map[string]any); ok {
				if f, _ := m["field"].(string); ComplaintFields[f] != nil {
					return true
				}
			}
		}
	case []complaint.Change:
		for _, ch := range changes {
			if ComplaintFields[ch.Field] != nil {
				return true
			}
		}
	}
	return false
}

func maskChange(ch any) any {
	m, ok := ch.(map[string]any)
	if !ok {
		return ch
	}
	f, _ := m["field"].(string)
	mask := ComplaintFields[f]
	if mask == nil {
		return ch
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	out["from"], out["to"] = maskValue(mask, m["from"]), maskValue(mask, m["to"])
	return out
}

func maskValue(mask func(string) string, v any) any {
	if s, ok := v.(string); ok {
		return mask(s)
	}
	return v
}

// Unchanged reports whether sent, the value a client sent for a personal
// field, is the stored value or its masked form: a masked value written
// back keeps the stored one.
func Unchanged(field, stored, sent string) bool {
	if sent == stored {
		return true
	}
	mask := ComplaintFields[field]
	return mask != nil && stored != "" && sent == mask(stored)
}
