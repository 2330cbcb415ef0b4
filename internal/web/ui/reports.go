package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kesu/internal/complaint"
	"kesu/internal/report"
)

// reportForm reads a report's period and filters from the query string:
// month=YYYY-MM, or from and to (to included); the current month when
// neither is given. The filters are the complaint list's.
func (h *handler) reportForm(r *http.Request, d *decoder) report.Query {
	f := listFilter(d)
	f.Scope, d.fail = h.d.ReadScope(r)
	var q report.Query
	now := h.d.Reports.Now().In(h.loc)
	switch m := d.str("month"); {
	case m != "":
		start, err := time.ParseInLocation("2006-01", m, h.loc)
		if err != nil {
			d.v.Add("month", "invalid_month", "")
			break
		}
		q.From, q.To = start, start.AddDate(0, 1, 0)
	case f.From != nil || f.To != nil:
		if f.From == nil {
			d.v.Add("from", "required", "")
		}
		if f.To == nil {
			d.v.Add("to", "required", "")
		}
		if f.From != nil && f.To != nil {
			q.From, q.To = *f.From, *f.To
		}
	}
	if q.From.IsZero() && q.To.IsZero() {
		q.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, h.loc)
		q.To = q.From.AddDate(0, 1, 0)
	}
	f.From, f.To, f.Sort, f.Limit, f.After = nil, nil, "", 0, ""
	q.Filter = f
	return q
}

// listFilter reads the complaint list filters; reports and the list share
// them so that a count links to exactly the complaints behind it.
func listFilter(d *decoder) complaint.Filter {
	f := complaint.Filter{
		Category: d.str("category"), CustomerClass: d.str("class"), Region: d.str("region"), BatchNo: d.str("batch"),
		ProductID: d.int("product_id"), DepartmentID: d.int("department_id"), HolderID: d.int("holder_id"),
		CustomerID: d.int("customer_id"), DealerID: d.int("dealer_id"), Responsibility: d.str("responsibility"), Validity: d.str("validity"),
		State: d.str("state"), Query: d.str("q"), After: d.str("after"), Due: d.str("due"), Sort: d.str("sort"),
	}
	for key, dst := range map[string]*[]string{"status": &f.Status, "channel": &f.Channel, "severity": &f.Severity} {
		if v := d.str(key); v != "" {
			*dst = []string{v}
		}
	}
	for key, dst := range map[string]**bool{"established": &f.Established, "safety": &f.Safety} {
		switch d.str(key) {
		case "true":
			*dst = ptrTo(true)
		case "false":
			*dst = ptrTo(false)
		}
	}
	f.From = d.date("from")
	if to := d.date("to"); to != nil {
		end := to.AddDate(0, 0, 1) // the "to" day is included
		f.To = &end
	}
	return f
}

func ptrTo[T any](v T) *T { return &v }

// drillParams names the list parameter that filters by each statistics
// dimension; a dimension without one has no drill-down.
var drillParams = map[string]string{
	"category_top": "category", "category": "category", "severity": "severity", "channel": "channel",
	"class": "class", "region": "region", "status": "status", "department": "department_id",
	"responsibility": "responsibility", "validity": "validity", "established": "established",
	"product": "product_id", "batch": "batch", "holder": "holder_id",
}

// listFilterParams are the parameters a report passes on to the list.
var listFilterParams = []string{"q", "status", "channel", "category", "severity", "class", "region", "product_id", "batch",
	"department_id", "holder_id", "customer_id", "responsibility", "validity", "established", "safety", "state", "due"}

// listLink is the complaint list of q's period and filters, narrowed by
// extra parameter pairs.
func (h *handler) listLink(q report.Query, form url.Values, extra ...string) string {
	v := url.Values{}
	for _, k := range listFilterParams {
		if s := form.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	v.Set("from", q.From.In(h.loc).Format(time.DateOnly))
	v.Set("to", q.To.In(h.loc).Add(-time.Nanosecond).Format(time.DateOnly))
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/complaints?" + v.Encode()
}

// drillLink is the list behind one row of a breakdown, or "" when the
// dimension cannot be filtered on or the row is "not set".
func (h *handler) drillLink(q report.Query, form url.Values, dim, key string, extra ...string) string {
	param, ok := drillParams[dim]
	if !ok || key == "" {
		return ""
	}
	return h.listLink(q, form, append([]string{param, key}, extra...)...)
}

// percent formats a 0–1 share.
func percent(x float64) string {
	return strconv.FormatFloat(x*100, 'f', 1, 64) + "%"
}

// hours formats a duration in hours, switching to days past two days.
func hours(lang string, h float64) string {
	if h >= 48 {
		d := strconv.FormatFloat(h/24, 'f', 1, 64)
		if lang == "en" {
			return d + " d"
		}
		return d + " 天"
	}
	s := strconv.FormatFloat(h, 'f', 1, 64)
	if lang == "en" {
		return s + " h"
	}
	return s + " 小时"
}

// download is the link to path with the page's parameters q and format.
func download(path string, q url.Values, format string) string {
	v := url.Values{"format": {format}}
	for k, vals := range q {
		if k != "format" {
			v[k] = vals
		}
	}
	return path + "?" + v.Encode()
}
