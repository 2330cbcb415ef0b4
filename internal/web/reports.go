package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/export"
	"kesu/internal/money"
	"kesu/internal/report"
)

// StatisticsFormats are the file formats reports export to.
var StatisticsFormats = []string{"xlsx", "csv"}

// download is a report file to answer: the sheets of the workbook, the one
// sheet a CSV holds, and how the download is named and audited.
type download struct {
	sheets   []export.Sheet
	csv      export.Sheet
	what     string // "statistics", "losses": the English file name and audit object
	nameZH   string // the Chinese file name
	from, to time.Time
	detail   map[string]any
}

// writeDownload writes d in format ("xlsx" or "csv") and records the
// export in the audit log (report.export).
func writeDownload(w http.ResponseWriter, r *http.Request, deps *Deps, d download, format string) {
	var buf bytes.Buffer
	var err error
	var ctype string
	switch format {
	case "xlsx":
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = export.WriteXLSX(&buf, d.sheets...)
	case "csv":
		ctype = "text/csv; charset=utf-8"
		err = export.WriteCSV(&buf, d.csv)
	default:
		WriteError(w, r, &apperr.Error{Code: apperr.Invalid, Message: "bad format",
			Fields: []apperr.FieldError{{Field: "format", Rule: "invalid_value", Param: "xlsx,csv"}}})
		return
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	loc := deps.Reports.Loc
	if loc == nil {
		loc = time.UTC
	}
	period := d.from.In(loc).Format("20060102") + "-" + d.to.In(loc).AddDate(0, 0, -1).Format("20060102")
	detail := map[string]any{"format": format, "from": d.from, "to": d.to, "query": r.URL.RawQuery}
	for k, v := range d.detail {
		detail[k] = v
	}
	raw, _ := json.Marshal(detail)
	if err := deps.Audit.Append(r.Context(), &audit.Entry{Actor: Actor(r), Action: "report.export", Object: d.what + ":" + period,
		Detail: raw}); err != nil {
		WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename=\""+d.what+"-"+period+"."+format+"\"; filename*=UTF-8''"+
		url.PathEscape(d.nameZH+"-"+period+"."+format))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// WriteStatistics answers the statistics table st as a download in format
// ("xlsx" or "csv"), labelled in lang, and records the export in the audit
// log. The table holds counts only, no personal data.
func WriteStatistics(w http.ResponseWriter, r *http.Request, d *Deps, st *report.Stats, format, lang string) {
	writeDownload(w, r, d, download{sheets: report.Sheets(st, lang), csv: report.Long(st, lang), what: "statistics",
		nameZH: "客诉案件统计表", from: st.From, to: st.To, detail: map[string]any{"total": st.Total}}, format)
}

// WriteLosses answers the monthly loss list as a download in format and
// records the export in the audit log.
func WriteLosses(w http.ResponseWriter, r *http.Request, d *Deps, ls *report.Losses, format, lang string) {
	sheets := report.LossSheets(ls, lang, d.Reports.Loc)
	writeDownload(w, r, d, download{sheets: sheets, csv: sheets[1], what: "losses", nameZH: "损失分摊清单",
		from: ls.From, to: ls.To, detail: map[string]any{"cases": ls.Cases}}, format)
}

// WritePenalties answers the monthly reward/penalty list as a download in
// format and records the export in the audit log.
func WritePenalties(w http.ResponseWriter, r *http.Request, d *Deps, m *money.Monthly, format, lang string) {
	sheets := money.PenaltySheets(m, lang, d.Money.Loc)
	writeDownload(w, r, d, download{sheets: sheets, csv: sheets[1], what: "penalties", nameZH: "奖罚清单",
		from: m.From, to: m.To, detail: map[string]any{"cases": m.Cases}}, format)
}

// WriteBonus answers the collection-bonus report as a download in format
// (the CSV holds the receivables, one per row) and records the export in
// the audit log.
func WriteBonus(w http.ResponseWriter, r *http.Request, d *Deps, b *money.Bonus, format, lang string) {
	sheets := money.BonusSheets(b, lang)
	loc := d.Receivables.Loc
	if loc == nil {
		loc = time.UTC
	}
	from, _ := time.ParseInLocation("2006-01-02", b.From, loc)
	to, _ := time.ParseInLocation("2006-01-02", b.To, loc)
	writeDownload(w, r, d, download{sheets: sheets, csv: sheets[1], what: "collection-bonus", nameZH: "回款奖金表",
		from: from, to: to.AddDate(0, 0, 1), detail: map[string]any{"receivables": len(b.Lines)}}, format)
}
