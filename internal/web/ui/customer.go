package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/apperr"
	"kesu/internal/customer"
	"kesu/internal/privacy"
	"kesu/internal/web"
)

// customerList lists customers, filtered by class and a name search.
func (h *handler) customerList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.customers")
	p.Nav = "customers"
	p.F = r.URL.Query()
	list, err := h.d.Customers.ListCustomers(r.Context(), customer.Filter{Class: p.F.Get("class"), Query: p.F.Get("q"), Limit: 500})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !seesPersonal(r) {
		for i := range list {
			list[i] = privacy.Customer(list[i])
		}
	} else if err := web.AuditPersonalRead(r, h.d, "customer.list", "customer", web.CustomerContactIDs(list)); err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = list
	h.render(w, http.StatusOK, "staff", "customer_list", p)
}

// customerForm shows the empty form, or the form of customer {id}. Users
// who may not see personal data get the contact details masked and
// read-only, never as input values.
func (h *handler) customerForm(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.customer_new")
	p.Nav = "customers"
	p.F = url.Values{"region": {customer.RegionDomestic}}
	var masked *customer.Customer
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		c, err := h.d.Customers.GetCustomer(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Title = web.T(p.L, "ui.customer_edit")
		p.F = url.Values{"id": {strconv.FormatInt(c.ID, 10)}, "version": {strconv.Itoa(c.Version)}, "code": {c.Code},
			"name": {c.Name}, "class": {c.Class}, "dealer_id": {formatID(c.DealerID)}, "region": {c.Region},
			"contact": {c.Contact}, "phone": {c.Phone}, "email": {c.Email}, "address": {c.Address}, "note": {c.Note}}
		masked = maskedContact(r, p, c)
		if masked == nil {
			if err := web.AuditPersonalRead(r, h.d, "customer.read", "customer", web.CustomerContactIDs([]customer.Customer{*c})); err != nil {
				h.fail(w, r, err)
				return
			}
		}
	}
	h.renderCustomerForm(w, r, p, masked, http.StatusOK)
}

// maskedContact removes c's contact details from the form values of a user
// who may not see them and returns them masked for display; nil when the
// user may see them.
func maskedContact(r *http.Request, p *page, c *customer.Customer) *customer.Customer {
	if seesPersonal(r) {
		return nil
	}
	for _, k := range []string{"phone", "email", "address"} {
		p.F.Del(k)
	}
	m := privacy.Customer(*c)
	return &m
}

// customerFormData is what the customer form shows besides its values.
type customerFormData struct {
	Dealers []customer.Customer
	Masked  *customer.Customer // contact details shown read-only, masked
}

func (h *handler) renderCustomerForm(w http.ResponseWriter, r *http.Request, p *page, masked *customer.Customer, status int) {
	dealers, err := h.d.Customers.ListCustomers(r.Context(), customer.Filter{Class: customer.ClassDealer, Limit: 500})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = customerFormData{Dealers: dealers, Masked: masked}
	h.render(w, status, "staff", "customer_form", p)
}

// customerSave creates or updates a customer.
func (h *handler) customerSave(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.customer_new")
	p.Nav = "customers"
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	c := &customer.Customer{Code: d.str("code"), Name: d.str("name"), Class: d.str("class"), DealerID: d.int("dealer_id"),
		Region: d.str("region"), Contact: d.str("contact"), Phone: d.str("phone"), Email: d.str("email"),
		Address: d.str("address"), Note: d.str("note")}
	var err error
	if r.PathValue("id") != "" {
		p.Title = web.T(p.L, "ui.customer_edit")
		if c.ID, err = pathID(r, "id"); err != nil {
			h.fail(w, r, err)
			return
		}
		p.F.Set("id", r.PathValue("id"))
		c.Version, _ = strconv.Atoi(d.str("version"))
	}
	// Who may not see the contact details cannot have seen them to edit:
	// the stored ones are kept.
	var masked *customer.Customer
	if c.ID != 0 && !seesPersonal(r) {
		cur, err := h.d.Customers.GetCustomer(r.Context(), c.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		c.Phone, c.Email, c.Address = cur.Phone, cur.Email, cur.Address
		masked = maskedContact(r, p, cur)
	}
	if err = d.err(); err == nil {
		if c.ID == 0 {
			err = h.d.Customers.CreateCustomer(r.Context(), c, web.Actor(r))
		} else {
			err = h.d.Customers.UpdateCustomer(r.Context(), c, web.Actor(r))
		}
	}
	if err != nil {
		if showable(p, err) {
			h.renderCustomerForm(w, r, p, masked, web.Status(apperr.CodeOf(err)))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/customers", http.StatusSeeOther)
}
