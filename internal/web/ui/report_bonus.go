package ui

import (
	"net/http"
	"strings"

	fin "kesu/internal/money"
	"kesu/internal/web"
)

// collectionBonus shows the salesperson's collection-bonus report (FIN-1,
// 003 第十三条(二)3): per salesperson the receivables due in the period,
// what was collected and within terms, what the complaints' credit notes
// exclude and the bonus base, with the downloads finance uses.
func (h *handler) collectionBonus(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "mny.bonus")
	p.Nav = "bonus"
	q := r.URL.Query()
	p.F = q
	b, err := h.d.Receivables.Bonus(r.Context(), q.Get("month"), q.Get("from"), q.Get("to"))
	if err != nil {
		if formErrors(p, err) {
			p.D = &bonusPage{}
			h.render(w, http.StatusUnprocessableEntity, "staff", "report_bonus", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	if format := q.Get("format"); format != "" {
		web.WriteBonus(w, r, h.d, b, format, p.L)
		return
	}
	figs := func(s fin.BonusSum) bonusFigures {
		return bonusFigures{Currency: s.Currency, Receivables: s.Receivables, Due: fin.Format(s.Due), Collected: fin.Format(s.Collected),
			WithinTerms: fin.Format(s.WithinTerms), Excluded: fin.Format(s.Excluded), Base: fin.Format(s.Base)}
	}
	v := &bonusPage{Bonus: b}
	for _, x := range b.Rows {
		v.Rows = append(v.Rows, bonusRow{Salesperson: x.Salesperson, bonusFigures: figs(x.BonusSum)})
	}
	for _, s := range b.Sums {
		v.Sums = append(v.Sums, figs(s))
	}
	for _, l := range b.Lines {
		v.Lines = append(v.Lines, bonusLine{BonusLine: l, Due: fin.Format(l.Due), Collected: fin.Format(l.Collected),
			WithinTerms: fin.Format(l.WithinTerms), Excluded: fin.Format(l.Excluded), Base: fin.Format(l.Base),
			Complaints: strings.Join(l.Complaints, " ")})
	}
	for _, x := range b.Exclusions {
		v.Exclusions = append(v.Exclusions, bonusExclusion{BonusExclusion: x, Flagged: fin.Format(x.Flagged), Excluded: fin.Format(x.Excluded)})
	}
	if b.Month != "" {
		q.Set("month", b.Month)
	}
	v.ExportXLS, v.ExportCSV = download("/reports/collection-bonus", q, "xlsx"), download("/reports/collection-bonus", q, "csv")
	p.F = q
	p.D = v
	h.render(w, http.StatusOK, "staff", "report_bonus", p)
}

type bonusPage struct {
	Bonus                *fin.Bonus
	Rows                 []bonusRow
	Sums                 []bonusFigures
	Lines                []bonusLine
	Exclusions           []bonusExclusion
	ExportXLS, ExportCSV string
}

type bonusFigures struct {
	Currency                                    string
	Receivables                                 int
	Due, Collected, WithinTerms, Excluded, Base string
}

type bonusRow struct {
	Salesperson string
	bonusFigures
}

type bonusLine struct {
	fin.BonusLine
	Due, Collected, WithinTerms, Excluded, Base, Complaints string
}

type bonusExclusion struct {
	fin.BonusExclusion
	Flagged, Excluded string
}
