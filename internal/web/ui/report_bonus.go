package ui

import (
	"net/http"
	"sort"
	"strings"

	"kesu/internal/apperr"
	"kesu/internal/auth"
	fin "kesu/internal/money"
	"kesu/internal/web"
)

// collectionBonus shows the salesperson's collection-bonus report (FIN-1,
// 003 第十三条(二)3): per salesperson the receivables due in the period,
// what was collected and within terms, what the complaints' credit notes
// exclude and the bonus base, with the downloads finance uses.
func (h *handler) collectionBonus(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(r, "mny.bonus")
	if done := r.URL.Query().Get("done"); done == "imported" || done == "collected" {
		p.Flash = web.T(p.L, "mny.bonus.done."+done)
	}
	h.showBonus(w, r, p, http.StatusOK)
}

// showBonus renders the report of the period in the query with status.
func (h *handler) showBonus(w http.ResponseWriter, r *http.Request, p *page, status int) {
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
	v := &bonusPage{Bonus: b, CanRecord: p.User != nil && auth.Can(p.User.Role, auth.ReceivableWrite)}
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
	h.render(w, status, "staff", "report_bonus", p)
}

// bonusRecord records receivables from a file of the accounting system or
// a collection (finance), then shows the report again.
func (h *handler) bonusRecord(w http.ResponseWriter, r *http.Request) {
	var err error
	done := ""
	switch r.PathValue("form") {
	case "receivables":
		done = "imported"
		var name string
		var data []byte
		if name, data, err = formFile(r); err == nil {
			var rows []fin.InvoiceInput
			if rows, err = fin.ParseInvoices(name, data); err == nil {
				_, err = h.d.Receivables.Add(r.Context(), rows, web.Actor(r))
			}
		}
	case "collection":
		done = "collected"
		_, err = h.d.Receivables.Collect(r.Context(), r.PostFormValue("ref"), fin.CollectionInput{Amount: r.PostFormValue("amount"),
			CollectedOn: r.PostFormValue("collected_on"), Note: r.PostFormValue("note")}, web.Actor(r))
	default:
		err = apperr.New(apperr.NotFound, "no such form")
	}
	if err != nil {
		code := apperr.CodeOf(err)
		if code != apperr.NotFound && code != apperr.Invalid && code != apperr.TooLarge {
			h.fail(w, r, err)
			return
		}
		p := h.newPage(r, "mny.bonus")
		if formErrors(p, err) {
			for f, m := range p.Errs {
				p.Problems = append(p.Problems, f+": "+m)
			}
			sort.Strings(p.Problems)
		} else {
			p.Error = web.Localize(err, p.L).Error.Message
		}
		h.showBonus(w, r, p, web.Status(code))
		return
	}
	http.Redirect(w, r, "/reports/collection-bonus?done="+done, http.StatusSeeOther)
}

type bonusPage struct {
	Bonus                *fin.Bonus
	CanRecord            bool // finance: import receivables, record collections
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
