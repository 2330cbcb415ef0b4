package ui

import (
	"net/http"
	"net/url"
	"time"

	"kesu/internal/recall"
	"kesu/internal/report"
)

// liveRow is one owner's or department's open work with its links.
type liveRow struct {
	report.LiveRow
	OpenLink, OverdueLink string
}

// liveTable is the data of the "live_table" template.
type liveTable struct {
	L, Kind string
	Rows    []liveRow
}

// dashboard is the live picture for managers (RPT-5): open and overdue
// work by owner and department, what falls due today, this month's
// Pareto of categories and the twelve-month trend. Every number links to
// the complaints behind it.
func (h *handler) dashboard(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.dashboard")
	p.Nav = "dashboard"
	scope, err := h.d.ReadScope(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.d.Reports.Dashboard(r.Context(), scope)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	open := func(extra ...string) string {
		v := url.Values{"state": {"open"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return "/complaints?" + v.Encode()
	}
	rows := func(list []report.LiveRow, param string) []liveRow {
		out := make([]liveRow, 0, len(list))
		for _, l := range list {
			lr := liveRow{LiveRow: l}
			if l.Key != "" {
				lr.OpenLink = open(param, l.Key)
				lr.OverdueLink = open(param, l.Key, "due", "overdue")
			}
			out = append(out, lr)
		}
		return out
	}
	month, _ := time.ParseInLocation("2006-01", d.Month, h.loc)
	mq := report.Query{From: month, To: month.AddDate(0, 1, 0)}
	pareto := chartData{ID: "chart-pareto", Kind: "pareto", Bar: tr(p.L, "ui.reports.count"), LineOf: tr(p.L, "ui.reports.cumulative")}
	for _, it := range d.Pareto.Items {
		pareto.Labels = append(pareto.Labels, pick(p.L, it.ZH, it.EN))
		pareto.Values = append(pareto.Values, it.Count)
		pareto.Line = append(pareto.Line, it.Cumulative*100)
		pareto.Links = append(pareto.Links, h.drillLink(mq, url.Values{}, "category", it.Key))
	}
	// Open recalls with the share of their shipped quantity accounted for.
	var recalls []recall.Recall
	if h.d.Recalls != nil {
		if recalls, err = h.d.Recalls.Store.Recalls(r.Context(), recall.StatusOpen, 20); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	p.D = &struct {
		*report.Dashboard
		OpenLink, OverdueLink, MonthLink string
		Owners, Departments              []liveRow
		Charts                           []chartData
		Recalls                          []recall.Recall
	}{Recalls: recalls, Dashboard: d, OpenLink: open(), OverdueLink: open("due", "overdue"), MonthLink: h.listLink(mq, url.Values{}),
		Owners: rows(d.ByOwner, "holder_id"), Departments: rows(d.ByDepartment, "department_id"),
		Charts: []chartData{h.trendChart(p.L, d.Trend, url.Values{}), pareto}}
	h.render(w, http.StatusOK, "staff", "dashboard", p)
}
