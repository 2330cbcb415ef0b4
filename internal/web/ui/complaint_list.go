package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kesu/internal/complaint"
	"kesu/internal/privacy"
	"kesu/internal/report"
	"kesu/internal/web"
)

// complaintList shows complaints with filters, a search box and a
// "next page" link (keyset paging).
func (h *handler) complaintList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.complaints")
	p.Nav = "complaints"
	q := r.URL.Query()
	p.F = q
	d, f := h.listFilter(r, q)
	cats, err := h.d.ComplaintStore.Categories(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := struct {
		Page         *complaint.Page
		Categories   []complaint.Category
		CatLabel     map[string]string
		Chips        []chip
		ExportFields []string
	}{Page: &complaint.Page{}, Categories: cats, CatLabel: categoryLabels(cats, p.L), Chips: h.chips(r, p.L, q), ExportFields: exportFields}
	p.D = &data
	if err := d.err(); err != nil {
		formErrors(p, err)
		h.render(w, http.StatusUnprocessableEntity, "staff", "complaint_list", p)
		return
	}
	page, err := h.d.ComplaintStore.List(r.Context(), f)
	if err != nil {
		if formErrors(p, err) {
			h.render(w, http.StatusUnprocessableEntity, "staff", "complaint_list", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	if !seesPersonal(r) {
		for i := range page.Items {
			page.Items[i] = privacy.Complaint(page.Items[i])
		}
	}
	data.Page = page
	h.render(w, http.StatusOK, "staff", "complaint_list", p)
}

// listFilter reads the list page's filter fields; the export button sends
// the same fields. The decoder holds their errors.
func (h *handler) listFilter(r *http.Request, q url.Values) (*decoder, complaint.Filter) {
	d := &decoder{f: q, loc: h.loc}
	f := listFilter(d)
	f.Scope, d.fail = h.d.ReadScope(r)
	return d, f
}

// categoryLabels maps a category code to "level 1 / level 2" in lang.
func categoryLabels(cats []complaint.Category, lang string) map[string]string {
	byCode := map[string]complaint.Category{}
	for _, c := range cats {
		byCode[c.Code] = c
	}
	out := map[string]string{}
	for _, c := range cats {
		l := c.Label(lang)
		if parent, ok := byCode[c.Parent]; ok {
			l = parent.Label(lang) + " / " + l
		}
		out[c.Code] = l
	}
	return out
}

// categoryGroup is a level-1 category with its children, for <optgroup>.
type categoryGroup struct {
	complaint.Category
	Children []complaint.Category
}

func groupCategories(cats []complaint.Category) []categoryGroup {
	var out []categoryGroup
	idx := map[string]int{}
	for _, c := range cats {
		if c.Parent == "" {
			idx[c.Code] = len(out)
			out = append(out, categoryGroup{Category: c})
		}
	}
	for _, c := range cats {
		if i, ok := idx[c.Parent]; ok && c.Parent != "" {
			out[i].Children = append(out[i].Children, c)
		}
	}
	return out
}

// chip is a filter the list form has no field for, set by a drill-down
// link from a report: shown, kept on the next search, and removable.
type chip struct {
	Name, Value, Label, Without string
}

// chipParams are the filters shown as chips, in order.
var chipParams = []string{"state", "region", "department_id", "holder_id", "product_id", "batch", "customer_id", "dealer_id",
	"responsibility", "validity", "established", "safety"}

func (h *handler) chips(r *http.Request, lang string, q url.Values) []chip {
	var names *report.Names
	var out []chip
	for _, k := range chipParams {
		v := q.Get(k)
		if v == "" {
			continue
		}
		label := v
		id, _ := strconv.ParseInt(v, 10, 64)
		if names == nil && h.d.Reports != nil && strings.HasSuffix(k, "_id") {
			names, _ = h.d.Reports.Store.Names(r.Context())
		}
		switch k {
		case "region", "responsibility", "validity":
			label = enums[k].Label(v, lang)
		case "state", "established", "safety":
			label = web.T(lang, "ui.chip."+k+"."+v)
		case "department_id":
			if names != nil {
				if l, ok := names.Departments[id]; ok {
					label = l.ZH
				}
			}
		case "holder_id":
			if names != nil && names.Users[id] != "" {
				label = names.Users[id]
			}
		case "product_id":
			if names != nil && names.Products[id] != "" {
				label = names.Products[id]
			}
		case "dealer_id":
			if cu, err := h.d.Customers.GetCustomer(r.Context(), id); err == nil {
				label = cu.Name
			}
		}
		without := url.Values{}
		for key, vals := range q {
			if key != k && key != "after" {
				without[key] = vals
			}
		}
		out = append(out, chip{Name: k, Value: v, Label: web.T(lang, "ui.chip."+k) + web.T(lang, "sep") + label,
			Without: "/complaints?" + without.Encode()})
	}
	return out
}
