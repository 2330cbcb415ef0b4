package api

import (
	"net/http"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/report"
	"kesu/internal/web"
)

// reportQuery reads the period and filters of a report: from and to as
// dates (to included) or month=YYYY-MM; the current month by default.
func (a *api) reportQuery(r *http.Request, q *query) report.Query {
	f, err := a.readFilter(r.Context(), q)
	if err != nil {
		q.v.Add("category", "unavailable", "")
	}
	loc := a.d.Reports.Loc
	if loc == nil {
		loc = time.UTC
	}
	var rq report.Query
	switch m := q.str("month"); {
	case m != "":
		start, err := time.ParseInLocation("2006-01", m, loc)
		if err != nil {
			q.v.Add("month", "invalid_date", "YYYY-MM")
			break
		}
		rq.From, rq.To = start, start.AddDate(0, 1, 0)
	case f.From != nil || f.To != nil:
		if f.From == nil {
			q.v.Add("from", "required", "")
		}
		if f.To == nil {
			q.v.Add("to", "required", "")
		}
		if f.From != nil && f.To != nil {
			rq.From, rq.To = *f.From, *f.To
		}
	default:
		now := a.d.Reports.Now().In(loc)
		rq.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		rq.To = rq.From.AddDate(0, 1, 0)
	}
	f.From, f.To, f.Sort, f.Limit, f.After = nil, nil, "", 0, ""
	rq.Filter = f
	return rq
}

// statistics answers the complaint statistics table 客诉案件统计表 (RPT-1).
func (a *api) statistics(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	rq := a.reportQuery(r, q)
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	st, err := a.d.Reports.Statistics(r.Context(), rq)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}

// kpis answers staff or department KPIs (RPT-3), ranked, with the previous
// period when compare=true.
func (a *api) kpis(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	rq := a.reportQuery(r, q)
	by := q.oneOf("by", report.KPIGroups)
	if by == "" {
		by = "holder"
	}
	compare := q.boolean("compare")
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	t, err := a.d.Reports.KPIs(r.Context(), rq, by, compare != nil && *compare)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

// dashboard answers the live dashboard (RPT-5).
func (a *api) dashboard(w http.ResponseWriter, r *http.Request) {
	if a.d.Reports == nil {
		web.WriteError(w, r, apperr.New(apperr.Unavailable, "reports are not configured"))
		return
	}
	scope, err := a.d.ReadScope(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	d, err := a.d.Reports.Dashboard(r.Context(), scope)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

// statisticsExport answers the statistics table as .xlsx or CSV.
func (a *api) statisticsExport(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	rq := a.reportQuery(r, q)
	format := q.oneOf("format", web.StatisticsFormats)
	if format == "" {
		format = "xlsx"
	}
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	st, err := a.d.Reports.Statistics(r.Context(), rq)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteStatistics(w, r, a.d, st, format, web.Lang(r))
}

// losses answers the monthly loss list (FIN-2) of the cases closed in the
// period, as JSON or, with format, as a file.
func (a *api) losses(w http.ResponseWriter, r *http.Request) {
	q := &query{r: r}
	rq := a.reportQuery(r, q)
	format := q.oneOf("format", web.StatisticsFormats)
	if err := q.err(); err != nil {
		web.WriteError(w, r, err)
		return
	}
	ls, err := a.d.Reports.Losses(r.Context(), rq)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if format != "" {
		web.WriteLosses(w, r, a.d, ls, format, web.Lang(r))
		return
	}
	web.WriteJSON(w, http.StatusOK, ls)
}
