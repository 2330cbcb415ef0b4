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
