package api

import (
	"net/http"

	"kesu/internal/auth"
	"kesu/internal/customer"
	"kesu/internal/privacy"
	"kesu/internal/web"
)

// customerInput is the writable part of a customer (SPEC CUS-1, CUS-4).
type customerInput struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Class    string `json:"class"`
	DealerID *int64 `json:"dealer_id"`
	Region   string `json:"region"`
	Contact  string `json:"contact"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	Address  string `json:"address"`
	Note     string `json:"note"`
}

type customerPatch struct {
	customerInput
	Version *int `json:"version"`
}

func customerInputOf(c *customer.Customer) customerInput {
	return customerInput{Code: c.Code, Name: c.Name, Class: c.Class, DealerID: c.DealerID, Region: c.Region,
		Contact: c.Contact, Phone: c.Phone, Email: c.Email, Address: c.Address, Note: c.Note}
}

func (in customerInput) apply(c *customer.Customer) {
	c.Code, c.Name, c.Class, c.DealerID, c.Region = in.Code, in.Name, in.Class, in.DealerID, in.Region
	c.Contact, c.Phone, c.Email, c.Address, c.Note = in.Contact, in.Phone, in.Email, in.Address, in.Note
}

// viewCustomer masks a customer's contact details for roles without the
// personal-data permission: end users and walk-ins are private persons.
func viewCustomer(r *http.Request, c customer.Customer) customer.Customer {
	if !can(r, auth.PersonalData) {
		c = privacy.Customer(c)
	}
	return c
}

func (a *api) listCustomers(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	f := customer.Filter{Class: q.oneOf("class", customer.Classes.Codes()), DealerID: q.id("dealer_id"), Query: q.str("q")}
	f.Limit, f.Offset = q.pageParams()
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	cs, err := a.d.Customers.ListCustomers(r.Context(), f)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if can(r, auth.PersonalData) {
		if err := web.AuditPersonalRead(r, a.d, "customer.list", "customer", web.CustomerContactIDs(cs)); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	for i := range cs {
		cs[i] = viewCustomer(r, cs[i])
	}
	web.WriteJSON(w, http.StatusOK, offsetPage(cs, f.Limit, f.Offset))
}

func (a *api) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in customerInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	var c customer.Customer
	in.apply(&c)
	if err := a.d.Customers.CreateCustomer(r.Context(), &c, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeCustomer(w, r, http.StatusCreated, c.ID)
}

// writeCustomer answers the stored customer, with the names the store fills.
func (a *api) writeCustomer(w http.ResponseWriter, r *http.Request, status int, id int64) {
	c, err := a.d.Customers.GetCustomer(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, status, viewCustomer(r, *c))
}

// getCustomer answers one customer; an unmasked read of a customer with
// contact details is audited.
func (a *api) getCustomer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	c, err := a.d.Customers.GetCustomer(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if can(r, auth.PersonalData) {
		if err := web.AuditPersonalRead(r, a.d, "customer.read", "customer", web.CustomerContactIDs([]customer.Customer{*c})); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	web.WriteJSON(w, http.StatusOK, viewCustomer(r, *c))
}

func (a *api) patchCustomer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	c, err := a.d.Customers.GetCustomer(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	p := customerPatch{customerInput: customerInputOf(c)}
	if err := web.DecodeJSON(w, r, &p); err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := requireVersion(p.Version); err != nil {
		web.WriteError(w, r, err)
		return
	}
	// Contact details sent back masked, as read, keep the stored ones.
	for _, f := range []struct {
		sent   *string
		stored string
		mask   func(string) string
	}{{&p.Phone, c.Phone, privacy.Phone}, {&p.Email, c.Email, privacy.Email}, {&p.Address, c.Address, privacy.Address}} {
		if f.stored != "" && *f.sent == f.mask(f.stored) {
			*f.sent = f.stored
		}
	}
	p.apply(c)
	c.Version = *p.Version
	if err := a.d.Customers.UpdateCustomer(r.Context(), c, actor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	a.writeCustomer(w, r, http.StatusOK, id)
}

func (a *api) deleteCustomer(w http.ResponseWriter, r *http.Request) {
	deleteByID(w, r, a.d.Customers.DeleteCustomer)
}
