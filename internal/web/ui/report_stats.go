package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/report"
	"kesu/internal/web"
)

// statRow is one line of a breakdown with the links behind its numbers.
type statRow struct {
	Label                                   string
	Count, Open, Overdue, Closed            int
	Share                                   string
	Link, OpenLink, OverdueLink, ClosedLink string
}

// statTable is one breakdown as the page shows it.
type statTable struct {
	Dim, Title string
	Rows       []statRow
}

// paretoView is one Pareto analysis as the page shows it.
type paretoView struct {
	Dim, Title string
	Items      []paretoRow
}

type paretoRow struct {
	Label, Cumulative, Link string
	Count                   int
	Vital                   bool
}

// chartData feeds static/charts.js: bars with a link each, and an
// optional line (the previous year, or the Pareto's running share).
type chartData struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"` // "trend" or "pareto"
	Labels []string  `json:"labels"`
	Values []int     `json:"values"`
	Line   []float64 `json:"line"`
	Links  []string  `json:"links"`
	Bar    string    `json:"bar"`
	LineOf string    `json:"line_of"`
}

// statistics shows the complaint statistics table 客诉案件统计表 (RPT-1)
// for a period and filters, every count linking to its complaints.
func (h *handler) statistics(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.reports")
	p.Nav = "reports"
	q := r.URL.Query()
	p.F = q
	d := &decoder{f: q, loc: h.loc}
	rq := h.reportForm(r, d)
	cats, err := h.d.ComplaintStore.Categories(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type view struct {
		Categories []complaint.Category
		Stats      *report.Stats
		Period     string
		Cards      []statRow
		Tables     []statTable
		Limits     []report.Limit
		Stages     []struct {
			Label, Mean, Median, P90 string
			Count                    int
		}
		Pareto    []paretoView
		Charts    []chartData
		ExportCSV string
		ExportXLS string
	}
	v := &view{Categories: cats}
	p.D = v
	if err := d.err(); err != nil {
		formErrors(p, err)
		h.render(w, http.StatusUnprocessableEntity, "staff", "report_stats", p)
		return
	}
	st, err := h.d.Reports.Statistics(r.Context(), rq)
	if err != nil {
		if formErrors(p, err) {
			h.render(w, http.StatusUnprocessableEntity, "staff", "report_stats", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	v.Stats = st
	v.ExportXLS, v.ExportCSV = download("/reports/export", q, "xlsx"), download("/reports/export", q, "csv")
	v.Period = rq.From.In(h.loc).Format("2006-01-02") + " – " + rq.To.In(h.loc).AddDate(0, 0, -1).Format("2006-01-02")
	all := h.listLink(rq, q)
	v.Cards = []statRow{
		{Label: tr(p.L, "ui.reports.total"), Count: st.Total, Link: all},
		{Label: tr(p.L, "ui.reports.open"), Count: st.Open, Link: h.listLink(rq, q, "state", "open")},
		{Label: tr(p.L, "ui.reports.overdue"), Count: st.Overdue, Link: h.listLink(rq, q, "state", "open", "due", "overdue")},
		{Label: tr(p.L, "ui.reports.closed"), Count: st.Closed, Link: h.listLink(rq, q, "state", "closed")},
		{Label: tr(p.L, "ui.reports.established"), Count: st.Established, Link: h.listLink(rq, q, "established", "true")},
		{Label: tr(p.L, "ui.reports.not_established"), Count: st.NotEstablished, Link: h.listLink(rq, q, "established", "false")},
		{Label: tr(p.L, "ui.reports.repeat_rate"), Count: st.Repeats, Share: percent(st.RepeatRate)},
		{Label: tr(p.L, "ui.reports.reopen_rate"), Count: st.Reopened, Share: percent(st.ReopenRate)},
		{Label: tr(p.L, "ui.reports.withdrawal_rate"), Count: st.Withdrawn, Share: percent(st.WithdrawalRate), Link: h.listLink(rq, q, "status", "withdrawn")},
		{Label: tr(p.L, "ui.reports.extended"), Count: st.Extended, Share: percent(ratioOf(st.Extended, st.Total))},
	}
	for _, b := range st.Breakdowns {
		dim, _ := report.Dimensions.Find(b.Dim)
		t := statTable{Dim: b.Dim, Title: dim.Label(p.L)}
		for _, row := range b.Rows {
			sr := statRow{Label: pick(p.L, row.ZH, row.EN), Count: row.Count, Open: row.Open, Overdue: row.Overdue, Closed: row.Closed,
				Share: percent(row.Share)}
			if sr.Link = h.drillLink(rq, q, b.Dim, row.Key); sr.Link != "" {
				sr.OpenLink = h.drillLink(rq, q, b.Dim, row.Key, "state", "open")
				sr.OverdueLink = h.drillLink(rq, q, b.Dim, row.Key, "state", "open", "due", "overdue")
				sr.ClosedLink = h.drillLink(rq, q, b.Dim, row.Key, "state", "closed")
			}
			t.Rows = append(t.Rows, sr)
		}
		v.Tables = append(v.Tables, t)
	}
	v.Limits = st.Limits
	for i, s := range st.Stages {
		label := report.Stages[i].Label(p.L)
		v.Stages = append(v.Stages, struct {
			Label, Mean, Median, P90 string
			Count                    int
		}{label,
			hours(p.L, s.Mean), hours(p.L, s.Median), hours(p.L, s.P90), s.Count})
	}
	for _, pa := range st.Pareto {
		title := tr(p.L, "ui.reports.pareto."+pa.Dim)
		pv := paretoView{Dim: pa.Dim, Title: title}
		chart := chartData{ID: "chart-pareto-" + pa.Dim, Kind: "pareto", Bar: tr(p.L, "ui.reports.count"), LineOf: tr(p.L, "ui.reports.cumulative")}
		for _, it := range pa.Items {
			link := h.drillLink(rq, q, pa.Dim, it.Key)
			pv.Items = append(pv.Items, paretoRow{pick(p.L, it.ZH, it.EN), percent(it.Cumulative), link, it.Count, it.Vital})
			chart.Labels = append(chart.Labels, pick(p.L, it.ZH, it.EN))
			chart.Values = append(chart.Values, it.Count)
			chart.Line = append(chart.Line, it.Cumulative*100)
			chart.Links = append(chart.Links, link)
		}
		v.Pareto = append(v.Pareto, pv)
		if len(pa.Items) > 0 {
			v.Charts = append(v.Charts, chart)
		}
	}
	v.Charts = append([]chartData{h.trendChart(p.L, st.Trend, q)}, v.Charts...)
	h.render(w, http.StatusOK, "staff", "report_stats", p)
}

// trendChart draws twelve months against the year before; a bar opens
// that month's complaints with the same filters.
func (h *handler) trendChart(lang string, months []report.Month, form url.Values) chartData {
	c := chartData{ID: "chart-trend", Kind: "trend", Bar: tr(lang, "ui.reports.count"), LineOf: tr(lang, "ui.reports.prev_year")}
	for _, m := range months {
		start, err := time.ParseInLocation("2006-01", m.Month, h.loc)
		if err != nil {
			continue
		}
		c.Labels = append(c.Labels, m.Month)
		c.Values = append(c.Values, m.Count)
		c.Line = append(c.Line, float64(m.PrevYear))
		c.Links = append(c.Links, h.listLink(report.Query{From: start, To: start.AddDate(0, 1, 0)}, form))
	}
	return c
}

func pick(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

func itoa(n int) string { return strconv.Itoa(n) }

func tr(lang, key string, args ...string) string { return web.T(lang, key, args...) }

// statisticsExport downloads the statistics table of the page's period
// and filters as .xlsx or CSV.
func (h *handler) statisticsExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &decoder{f: q, loc: h.loc}
	rq := h.reportForm(r, d)
	if err := d.err(); err != nil {
		h.fail(w, r, err)
		return
	}
	st, err := h.d.Reports.Statistics(r.Context(), rq)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.WriteStatistics(w, r, h.d, st, q.Get("format"), web.Lang(r))
}

// ratioOf is n/of, 0 when of is 0.
func ratioOf(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}
