package ui

import (
	"encoding/json"
	"net/http"
	"net/url"

	"kesu/internal/audit"
	"kesu/internal/printform"

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
	switch format := q.Get("format"); format {
	case "":
	case "print", "pdf":
		h.printPenalties(w, r, p, m, format)
		return
	default:
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
	v.Print, v.PDF = download("/reports/penalties", q, "print"), download("/reports/penalties", q, "pdf")
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
	Print, PDF           string
}

// printPenalties prints the monthly list as a page or a PDF in the
// reader's language; like the downloads, a print is audited as
// report.export.
func (h *handler) printPenalties(w http.ResponseWriter, r *http.Request, p *page, m *fin.Monthly, format string) {
	doc := printform.MonthlyPenalties(m, h.d.Company, p.L, h.loc, h.d.Now())
	raw, _ := json.Marshal(map[string]any{"format": format, "from": m.From, "to": m.To, "query": r.URL.RawQuery, "cases": m.Cases})
	if err := h.d.Audit.Append(r.Context(), &audit.Entry{Actor: web.Actor(r), Action: "report.export", Object: "penalties:" + m.Month,
		Detail: raw}); err != nil {
		h.fail(w, r, err)
		return
	}
	if format == "pdf" {
		web.ServeFormPDF(w, r, doc, printform.FormPenalties)
		return
	}
	p.Title = doc.Title + " " + m.Month
	p.D = struct {
		Doc printform.Doc
		PDF string
	}{doc, download("/reports/penalties", url.Values{"month": {m.Month}, "lang": {p.L}}, "pdf")}
	h.render(w, http.StatusOK, "print", "printform", p)
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
