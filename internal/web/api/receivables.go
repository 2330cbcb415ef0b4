package api

import (
	"mime"
	"net/http"

	fin "kesu/internal/money"
	"kesu/internal/web"
)

// Receivables 应收账款 and the salesperson's collection-bonus report
// (FIN-1, 003 第十三条(二)3). Amounts are integer fen in answers; requests
// give major units as strings ("1200.50").

type receivablesRequest struct {
	Rows []fin.InvoiceInput `json:"rows"`
}

type receivablesAdded struct {
	Rows  int `json:"rows"`  // rows read
	Added int `json:"added"` // new receivables; the others were already there with the same terms
}

// addReceivables records receivables: JSON rows, or a CSV or .xlsx file
// from the accounting system (multipart field "file").
func (a *api) addReceivables(w http.ResponseWriter, r *http.Request) {
	var rows []fin.InvoiceInput
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		name, data, err := a.recallUpload(w, r)
		if err != nil {
			web.WriteError(w, r, err)
			return
		}
		if rows, err = fin.ParseInvoices(name, data); err != nil {
			web.WriteError(w, r, err)
			return
		}
	} else {
		var in receivablesRequest
		if err := web.DecodeJSON(w, r, &in); err != nil {
			web.WriteError(w, r, err)
			return
		}
		rows = in.Rows
	}
	n, err := a.d.Receivables.Add(r.Context(), rows, actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, receivablesAdded{Rows: len(rows), Added: n})
}

// getReceivable answers a receivable with its collections.
func (a *api) getReceivable(w http.ResponseWriter, r *http.Request) {
	x, err := a.d.Receivables.Get(r.Context(), r.PathValue("ref"))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, x)
}

// collect books money received against a receivable.
func (a *api) collect(w http.ResponseWriter, r *http.Request) {
	var in fin.CollectionInput
	if err := web.DecodeJSON(w, r, &in); err != nil {
		web.WriteError(w, r, err)
		return
	}
	x, err := a.d.Receivables.Collect(r.Context(), r.PathValue("ref"), in, actor(r))
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, x)
}

// collectionBonus answers the collection-bonus report of a month
// (month=YYYY-MM, last month by default) or of from–to, as JSON or, with
// format, as a file.
func (a *api) collectionBonus(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	format := q.oneOf("format", web.StatisticsFormats)
	month, from, to := q.str("month"), q.str("from"), q.str("to")
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	b, err := a.d.Receivables.Bonus(r.Context(), month, from, to)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if format != "" {
		web.WriteBonus(w, r, a.d, b, format, web.Lang(r))
		return
	}
	web.WriteJSON(w, http.StatusOK, b)
}
