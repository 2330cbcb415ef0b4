package ui

import (
	"net/http"
	"strconv"

	fin "kesu/internal/money"
	"kesu/internal/report"
	"kesu/internal/web"
)

// losses shows the monthly loss list (FIN-2): the cases closed in the
// period with an amount, allocated to their responsible parties, with
// totals per party and downloads for HR and finance.
func (h *handler) losses(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "ui.losses")
	p.Nav = "losses"
	q := r.URL.Query()
	p.F = q
	d := &decoder{f: q, loc: h.loc}
	rq := h.reportForm(r, d)
	if format := q.Get("format"); format != "" && d.err() == nil {
		ls, err := h.d.Reports.Losses(r.Context(), rq)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		web.WriteLosses(w, r, h.d, ls, format, p.L)
		return
	}
	v := &struct {
		Losses *report.Losses
		Period string
		Amount string
		Totals []struct {
			Kind, Name, Allocated string
			Cases                 int
		}
		Lines []struct {
			report.LossLine
			Amount, Allocated, Share string
		}
		ExportXLS, ExportCSV string
	}{}
	p.D = v
	if err := d.err(); err != nil {
		formErrors(p, err)
		h.render(w, http.StatusUnprocessableEntity, "staff", "report_losses", p)
		return
	}
	ls, err := h.d.Reports.Losses(r.Context(), rq)
	if err != nil {
		if formErrors(p, err) {
			h.render(w, http.StatusUnprocessableEntity, "staff", "report_losses", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	v.Losses = ls
	v.Period = rq.From.In(h.loc).Format("2006-01-02") + " – " + rq.To.In(h.loc).AddDate(0, 0, -1).Format("2006-01-02")
	v.Amount = yuan(ls.Amount)
	for _, t := range ls.Totals {
		v.Totals = append(v.Totals, struct {
			Kind, Name, Allocated string
			Cases                 int
		}{tr(p.L, "ui.losses.kind."+t.Kind), t.Name, yuan(t.Allocated), t.Cases})
	}
	for _, l := range ls.Lines {
		v.Lines = append(v.Lines, struct {
			report.LossLine
			Amount, Allocated, Share string
		}{l, yuan(l.Amount), yuan(l.Allocated), strconv.Itoa(l.Share) + "%"})
	}
	v.ExportXLS, v.ExportCSV = download("/reports/losses", q, "xlsx"), download("/reports/losses", q, "csv")
	h.render(w, http.StatusOK, "staff", "report_losses", p)
}

// yuan formats fen as yuan with two decimals, exactly.
func yuan(fen int64) string { return fin.Format(fen) }
