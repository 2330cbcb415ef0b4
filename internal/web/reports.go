package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/export"
	"kesu/internal/report"
)

// StatisticsFormats are the file formats the statistics table exports to.
var StatisticsFormats = []string{"xlsx", "csv"}

// WriteLosses answers the monthly loss list as a download in format and
// records the export in the audit log.
func WriteLosses(w http.ResponseWriter, r *http.Request, d *Deps, ls *report.Losses, format, lang string) {
	loc := d.Reports.Loc
	var buf bytes.Buffer
	var err error
	var ctype string
	sheets := report.LossSheets(ls, lang, loc)
	switch format {
	case "xlsx":
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = export.WriteXLSX(&buf, sheets...)
	case "csv":
		ctype = "text/csv; charset=utf-8"
		err = export.WriteCSV(&buf, sheets[1])
	default:
		WriteError(w, r, &apperr.Error{Code: apperr.Invalid, Message: "bad format",
			Fields: []apperr.FieldError{{Field: "format", Rule: "invalid_value", Param: "xlsx,csv"}}})
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	period := ls.From.In(loc).Format("20060102") + "-" + ls.To.In(loc).AddDate(0, 0, -1).Format("20060102")
	detail, _ := json.Marshal(map[string]any{"format": format, "from": ls.From, "to": ls.To, "cases": ls.Cases})
	if err := d.Audit.Append(r.Context(), &audit.Entry{Actor: Actor(r), Action: "report.export", Object: "losses:" + period,
		Detail: detail}); err != nil {
		WriteError(w, r, err)
		return
	}
	name := "损失分摊清单-" + period + "." + format
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename=\"losses-"+period+"."+format+"\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// WriteStatistics answers the statistics table st as a download in format
// ("xlsx" or "csv"), labelled in lang, and records the export in the audit
// log. The table holds counts only, no personal data.
func WriteStatistics(w http.ResponseWriter, r *http.Request, d *Deps, st *report.Stats, format, lang string) {
	var buf bytes.Buffer
	var err error
	var ctype string
	switch format {
	case "xlsx":
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = export.WriteXLSX(&buf, report.Sheets(st, lang)...)
	case "csv":
		ctype = "text/csv; charset=utf-8"
		err = export.WriteCSV(&buf, report.Long(st, lang))
	default:
		WriteError(w, r, &apperr.Error{Code: apperr.Invalid, Message: "bad format",
			Fields: []apperr.FieldError{{Field: "format", Rule: "invalid_value", Param: "xlsx,csv"}}})
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	period := st.From.Format("20060102") + "-" + st.To.AddDate(0, 0, -1).Format("20060102")
	detail, _ := json.Marshal(map[string]any{"format": format, "from": st.From, "to": st.To, "query": r.URL.RawQuery, "total": st.Total})
	if err := d.Audit.Append(r.Context(), &audit.Entry{Actor: Actor(r), Action: "report.export", Object: "statistics:" + period,
		Detail: detail}); err != nil {
		WriteError(w, r, err)
		return
	}
	name := "客诉案件统计表-" + period + "." + format
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename=\"statistics-"+period+"."+format+"\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
