package ui

import (
	"net/http"

	fin "kesu/internal/money"
	"kesu/internal/web"
)

// penalties shows the monthly reward/penalty list (FIN-2): the notices the
// GM approved in the month, totals per party and the lines, with the
// downloads HR and finance receive on the 4th.
func (h *handler) penalties(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "mny.penalties")
	p.Nav = "penalties"
	q := r.URL.Query()
	p.F = q
	m, err := h.d.Money.Month(r.Context(), q.Get("month"))
	if err != nil {
		if formErrors(p, err) {
			p.D = &penaltyPage{}
			h.render(w, http.StatusUnprocessableEntity, "staff", "report_penalties", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	if format := q.Get("format"); format != "" {
		web.WritePenalties(w, r, h.d, m, format, p.L)
		return
	}
	v := &penaltyPage{Monthly: m}
	for _, t := range m.Totals {
		v.Totals = append(v.Totals, penaltyTotal{MonthlyTotal: t, Kind: tr(p.L, "mny.party."+t.PartyKind),
			Penalties: fin.Format(t.Penalties), Rewards: fin.Format(t.Rewards), Net: fin.Format(t.Net)})
	}
	for _, s := range m.Sums {
		v.Sums = append(v.Sums, penaltySum{Currency: s.Currency, Penalties: fin.Format(s.Penalties), Rewards: fin.Format(s.Rewards),
			Net: fin.Format(s.Rewards - s.Penalties)})
	}
	for _, l := range m.Lines {
		v.Lines = append(v.Lines, penaltyLine{MonthlyLine: l, Kind: tr(p.L, "mny.party."+l.PartyKind), Sort: tr(p.L, "mny.kind."+l.Kind),
			Amount: fin.Format(l.Amount)})
	}
	q.Set("month", m.Month)
	v.ExportXLS, v.ExportCSV = download("/reports/penalties", q, "xlsx"), download("/reports/penalties", q, "csv")
	p.F = q
	p.D = v
	h.render(w, http.StatusOK, "staff", "report_penalties", p)
}

type penaltyPage struct {
	Monthly              *fin.Monthly
	Totals               []penaltyTotal
	Sums                 []penaltySum
	Lines                []penaltyLine
	ExportXLS, ExportCSV string
}

type penaltyTotal struct {
	fin.MonthlyTotal
	Kind, Penalties, Rewards, Net string
}

type penaltySum struct{ Currency, Penalties, Rewards, Net string }

type penaltyLine struct {
	fin.MonthlyLine
	Kind, Sort, Amount string
}
