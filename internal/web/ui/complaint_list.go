package ui

import (
	"net/http"
	"net/url"

	"kesu/internal/complaint"
	"kesu/internal/privacy"
)

// complaintList shows complaints with filters, a search box and a
// "next page" link (keyset paging).
func (h *handler) complaintList(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.complaints")
	p.Nav = "complaints"
	q := r.URL.Query()
	p.F = q
	d, f := h.listFilter(q)
	cats, err := h.d.ComplaintStore.Categories(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := struct {
		Page         *complaint.Page
		Categories   []complaint.Category
		CatLabel     map[string]string
		ExportFields []string
	}{Page: &complaint.Page{}, Categories: cats, CatLabel: categoryLabels(cats, p.L), ExportFields: exportFields}
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
func (h *handler) listFilter(q url.Values) (*decoder, complaint.Filter) {
	d := &decoder{f: q, loc: h.loc}
	f := complaint.Filter{
		Category: d.str("category"), CustomerClass: d.str("class"), Query: d.str("q"), After: d.str("after"),
		Due: d.str("due"), Sort: d.str("sort"),
	}
	for key, dst := range map[string]*[]string{"status": &f.Status, "channel": &f.Channel, "severity": &f.Severity} {
		if v := d.str(key); v != "" {
			*dst = []string{v}
		}
	}
	f.From = d.date("from")
	if to := d.date("to"); to != nil {
		end := to.AddDate(0, 0, 1) // the "to" day is included
		f.To = &end
	}
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
