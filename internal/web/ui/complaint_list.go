package ui

import (
	"context"
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
		Pager        pager
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
	} else if err := web.AuditPersonalRead(r, h.d, "complaint.list", "complaint", web.ContactIDs(page.Items)); err != nil {
		h.fail(w, r, err) // one entry for the page, not one per row
		return
	}
	data.Page = page
	data.Pager = newPager("/complaints", q, page.Next)
	if c, ok := h.d.ComplaintStore.(interface {
		Count(context.Context, complaint.Filter) (int64, error)
	}); ok {
		if data.Pager.Total, err = c.Count(r.Context(), f); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, http.StatusOK, "staff", "complaint_list", p)
}

// pager is the paging line of a keyset-paged list: the total, the page
// number and links to the previous and next pages. The list keeps the
// cursors of the pages before in "back" ("~" for the first page).
type pager struct {
	Total      int64
	Page       int
	Prev, Next string // links; empty when there is no such page
}

func newPager(path string, q url.Values, next string) pager {
	var trail []string
	if b := q.Get("back"); b != "" {
		trail = strings.Split(b, ".")
	}
	pg := pager{Page: len(trail) + 1}
	with := func(after string, trail []string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Del("after")
		v.Del("back")
		if after != "" && after != "~" {
			v.Set("after", after)
		}
		if len(trail) > 0 {
			v.Set("back", strings.Join(trail, "."))
		}
		return path + "?" + v.Encode()
	}
	if len(trail) > 0 {
		pg.Prev = with(trail[len(trail)-1], trail[:len(trail)-1])
	} else if q.Get("after") != "" {
		pg.Prev, pg.Page = with("", nil), 2 // a cursor without its trail
	}
	if next != "" {
		cur := q.Get("after")
		if cur == "" {
			cur = "~"
		}
		pg.Next = with(next, append(trail[:len(trail):len(trail)], cur))
	}
	return pg
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
