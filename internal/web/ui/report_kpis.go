package ui

import (
	"net/http"
	"strconv"

	"kesu/internal/report"
)

// kpiRow is one ranked person or department with the change against the
// previous period.
type kpiRow struct {
	report.KPI
	Link                                                   string
	FirstResponse, Resolution, OnTime, ReopenRate, Satisfy string
	DVolume, DOnTime, DSatisfaction, DResolution           string
	UpOnTime, DownOnTime, UpSatisfaction, DownSatisfaction bool
}

// kpis ranks staff or departments by their KPIs over a period (RPT-3),
// against the period of the same length just before.
func (h *handler) kpis(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.kpis")
	p.Nav = "kpis"
	q := r.URL.Query()
	p.F = q
	d := &decoder{f: q, loc: h.loc}
	rq := h.reportForm(r, d)
	by := d.str("by")
	if by == "" {
		by = "holder"
		p.F.Set("by", by)
	}
	type view struct {
		By       string
		Period   string
		Previous string
		Rows     []kpiRow
	}
	v := &view{By: by}
	p.D = v
	if err := d.err(); err != nil {
		formErrors(p, err)
		h.render(w, http.StatusUnprocessableEntity, "staff", "report_kpis", p)
		return
	}
	t, err := h.d.Reports.KPIs(r.Context(), rq, by, true)
	if err != nil {
		if formErrors(p, err) {
			h.render(w, http.StatusUnprocessableEntity, "staff", "report_kpis", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	span := rq.To.Sub(rq.From)
	v.Period = rq.From.In(h.loc).Format("2006-01-02") + " – " + rq.To.In(h.loc).AddDate(0, 0, -1).Format("2006-01-02")
	v.Previous = rq.From.Add(-span).In(h.loc).Format("2006-01-02") + " – " + rq.From.In(h.loc).AddDate(0, 0, -1).Format("2006-01-02")
	param := "holder_id"
	if by == "department" {
		param = "department_id"
	}
	for _, k := range t.Rows {
		row := kpiRow{KPI: k, FirstResponse: hours(p.L, k.FirstResponse), Resolution: hours(p.L, k.Resolution),
			OnTime: percent(k.OnTime), ReopenRate: percent(k.ReopenRate), Satisfy: strconv.FormatFloat(k.Satisfaction, 'f', 2, 64)}
		if k.Key != "" {
			row.Link = h.listLink(rq, q, param, k.Key)
		}
		if pr := k.Previous; pr != nil {
			row.DVolume = signed(float64(k.Volume-pr.Volume), 0, "")
			if k.Met+k.Breached > 0 && pr.Met+pr.Breached > 0 {
				row.DOnTime = signed((k.OnTime-pr.OnTime)*100, 1, " pp")
				row.UpOnTime, row.DownOnTime = k.OnTime > pr.OnTime, k.OnTime < pr.OnTime
			}
			if k.Answered > 0 && pr.Answered > 0 {
				row.DSatisfaction = signed(k.Satisfaction-pr.Satisfaction, 2, "")
				row.UpSatisfaction, row.DownSatisfaction = k.Satisfaction > pr.Satisfaction, k.Satisfaction < pr.Satisfaction
			}
			if k.Closed > 0 && pr.Closed > 0 {
				row.DResolution = signed(k.Resolution-pr.Resolution, 1, " h")
			}
		}
		v.Rows = append(v.Rows, row)
	}
	h.render(w, http.StatusOK, "staff", "report_kpis", p)
}

// signed formats a change with its sign.
func signed(x float64, places int, unit string) string {
	s := strconv.FormatFloat(x, 'f', places, 64)
	if x > 0 {
		s = "+" + s
	}
	return s + unit
}
