package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/org"
	"kesu/internal/product"
	"kesu/internal/web"
)

// staffChannels are the channels staff record by hand; web form, email and
// API complaints arrive by themselves.
var staffChannels = func() []string {
	var out []string
	for _, c := range complaint.Channels {
		if c.Code != "web" && c.Code != "api" {
			out = append(out, c.Code)
		}
	}
	return out
}()

// complaintFormData is what the registration form offers to choose from.
type complaintFormData struct {
	Channels    []string
	Customers   []customer.Customer
	Products    []product.Product
	Batches     []product.Batch
	Categories  []categoryGroup
	Departments []deptNode
	MaxFiles    int
}

func (h *handler) complaintFormData(ctx context.Context) (*complaintFormData, error) {
	custs, err := h.d.Customers.ListCustomers(ctx, customer.Filter{Limit: 500})
	if err != nil {
		return nil, err
	}
	prods, err := h.d.Products.ListProducts(ctx, "", 500, 0)
	if err != nil {
		return nil, err
	}
	batches, err := h.d.Products.ListBatches(ctx, 0, "", 500, 0)
	if err != nil {
		return nil, err
	}
	cats, err := h.d.ComplaintStore.Categories(ctx)
	if err != nil {
		return nil, err
	}
	depts, err := h.d.Org.ListDepartments(ctx)
	if err != nil {
		return nil, err
	}
	return &complaintFormData{Channels: staffChannels, Customers: custs, Products: prods, Batches: batches,
		Categories: groupCategories(cats), Departments: deptTree(depts), MaxFiles: MaxFiles}, nil
}

func (h *handler) complaintNew(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.complaint_new")
	p.Nav = "new"
	p.F = url.Values{
		"channel": {"phone"}, "severity": {"minor"}, "region": {customer.RegionDomestic},
		"received_at": {h.d.Now().In(h.loc).Format("2006-01-02T15:04")},
	}
	h.renderComplaintForm(w, r, p, http.StatusOK)
}

func (h *handler) renderComplaintForm(w http.ResponseWriter, r *http.Request, p *page, status int) {
	data, err := h.complaintFormData(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.D = data
	h.render(w, status, "staff", "complaint_new", p)
}

// decodeComplaint reads the registration form (field names are the
// complaint's JSON names, so validation errors land next to their input).
func decodeComplaint(d *decoder) *complaint.Complaint {
	c := &complaint.Complaint{
		Channel: d.str("channel"), Subject: d.str("subject"), Description: d.f.Get("description"),
		Category: d.str("category"), Severity: d.str("severity"), Safety: d.bool("safety"),
		Requests: d.f["requests"], Region: d.str("region"),
		Complainant: complaint.Complainant{Name: d.str("complainant.name"), Phone: d.str("complainant.phone"),
			Email: d.str("complainant.email"), Address: d.str("complainant.address"), Company: d.str("complainant.company")},
		CustomerID: d.int("customer_id"), ProductID: d.int("product_id"), ProductName: d.str("product_name"),
		Model: d.str("model"), BatchNo: d.str("batch_no"), OrderNo: d.str("order_no"), PartNo: d.str("part_no"),
		QtyShipped: d.int("qty_shipped"), QtyDefective: d.int("qty_defective"), ShipDate: d.date("ship_date"),
		ShipAddress: d.str("ship_address"), UsageTime: d.str("usage_time"), FoundPlace: d.str("found_place"),
		FoundAt: d.datetime("found_at"), DepartmentID: d.int("department_id"),
	}
	if t := d.datetime("received_at"); t != nil {
		c.ReceivedAt = *t
	}
	return c
}

// complaintCreate registers a complaint from the staff form. On errors the
// form comes back with the entered values and a message by each field, and
// nothing is written.
func (h *handler) complaintCreate(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.complaint_new")
	p.Nav = "new"
	p.F = r.PostForm
	d := &decoder{f: r.PostForm, loc: h.loc}
	c := decodeComplaint(d)
	if c.Channel != "" && !contains(staffChannels, c.Channel) {
		d.v.Add("channel", "invalid_value", "")
	}
	if err := d.err(); err != nil {
		// Show the form's own problems together with the rule checks.
		formErrors(p, err)
		complaint.Normalize(c)
		if verr := complaint.Validate(c, h.d.Now()); verr != nil {
			formErrors(p, verr)
		}
		h.renderComplaintForm(w, r, p, http.StatusUnprocessableEntity)
		return
	}
	ups, err := h.saveUploads(r, "file")
	if err != nil {
		if formErrors(p, err) {
			h.renderComplaintForm(w, r, p, http.StatusUnprocessableEntity)
			return
		}
		h.fail(w, r, err)
		return
	}
	actor := web.Actor(r)
	if _, err := h.d.Complaints.Create(r.Context(), c, complaint.CreateOptions{Actor: actor}); err != nil {
		if formErrors(p, err) {
			h.renderComplaintForm(w, r, p, http.StatusUnprocessableEntity)
			return
		}
		h.fail(w, r, err)
		return
	}
	if err := h.attach(r.Context(), c.ID, ups, false, caseActor(r)); err != nil {
		h.fail(w, r, err) // the complaint is stored; the page says the files were not
		return
	}
	if h.d.Registered != nil {
		h.d.Registered(r.Context(), c)
	}
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(c.ID, 10)+"?created=1", http.StatusSeeOther)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// deptNode is a department with its depth in the tree.
type deptNode struct {
	org.Department
	Depth int
}

// deptTree orders departments parent-first, children indented below.
func deptTree(ds []org.Department) []deptNode {
	children := map[int64][]org.Department{}
	ids := map[int64]bool{}
	for _, d := range ds {
		ids[d.ID] = true
	}
	var roots []org.Department
	for _, d := range ds {
		if d.ParentID == nil || !ids[*d.ParentID] {
			roots = append(roots, d)
		} else {
			children[*d.ParentID] = append(children[*d.ParentID], d)
		}
	}
	var out []deptNode
	seen := map[int64]bool{}
	var walk func(d org.Department, depth int)
	walk = func(d org.Department, depth int) {
		if seen[d.ID] {
			return
		}
		seen[d.ID] = true
		out = append(out, deptNode{d, depth})
		for _, c := range children[d.ID] {
			walk(c, depth+1)
		}
	}
	for _, d := range roots {
		walk(d, 0)
	}
	return out
}
