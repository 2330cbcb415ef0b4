package ui

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/blob"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/web"
)

// decoder turns form strings into typed values and collects the fields it
// could not read, so they show next to the other field errors.
type decoder struct {
	f    url.Values
	loc  *time.Location
	v    apperr.Validation
	fail error // a failure that is not the form's (reading the reader's scope)
}

func (d *decoder) str(name string) string { return strings.TrimSpace(d.f.Get(name)) }

func (d *decoder) bool(name string) bool {
	v := d.f.Get(name)
	return v == "on" || v == "true" || v == "1"
}

// int returns nil for an empty field.
func (d *decoder) int(name string) *int64 {
	s := d.str(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d.v.Add(name, "invalid_value", "")
		return nil
	}
	return &n
}

// date reads YYYY-MM-DD in the organisation's time zone.
func (d *decoder) date(name string) *time.Time {
	s := d.str(name)
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, d.loc)
	if err != nil {
		d.v.Add(name, "invalid_date", "")
		return nil
	}
	return &t
}

// datetime reads a datetime-local value.
func (d *decoder) datetime(name string) *time.Time {
	s := d.str(name)
	if s == "" {
		return nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, d.loc); err == nil {
			return &t
		}
	}
	d.v.Add(name, "invalid_time", "")
	return nil
}

func (d *decoder) err() error {
	if d.fail != nil {
		return d.fail
	}
	return d.v.Err()
}

func formatID(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// upload is a file saved to the blob store, waiting to be linked to a
// complaint.
type upload struct {
	name  string
	saved *blob.Saved
}

// saveUploads stores the files of a multipart form field. Files are
// content-addressed, so a file stored for a form that then fails
// validation is harmless; no database row is written here.
func (h *handler) saveUploads(r *http.Request, field string) ([]upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []upload
	files := r.MultipartForm.File[field]
	n := 0
	for _, fh := range files {
		if fh.Filename != "" || fh.Size > 0 {
			n++
		}
	}
	if n > MaxFiles {
		return nil, &apperr.Error{Code: apperr.Invalid, Message: "too many files",
			Fields: []apperr.FieldError{{Field: "file", Rule: "too_many_files", Param: strconv.Itoa(MaxFiles)}}}
	}
	for _, fh := range files {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty part of a file input left blank
		}
		f, err := fh.Open()
		if err != nil {
			return nil, apperr.Wrap(apperr.Invalid, err, "open upload")
		}
		s, err := h.d.Files.Save(f, fh.Filename, h.d.MaxUpload)
		f.Close()
		if err != nil {
			return nil, err
		}
		name := strings.TrimSpace(filepath.Base(strings.ReplaceAll(fh.Filename, `\`, "/")))
		out = append(out, upload{name: name, saved: s})
	}
	return out, nil
}

// attach links saved uploads to a complaint through the case service.
func (h *handler) attach(ctx context.Context, complaintID int64, ups []upload, public bool, actor casework.Actor) error {
	for _, u := range ups {
		a := &complaint.Attachment{ComplaintID: complaintID, Name: u.name, ContentType: u.saved.ContentType,
			Size: u.saved.Size, SHA256: u.saved.SHA256, Kind: u.saved.Kind, Public: public}
		if err := h.d.Cases.Attach(ctx, a, actor); err != nil {
			return err
		}
	}
	return nil
}

func requiredFile() error {
	return &apperr.Error{Code: apperr.Invalid, Message: "no file", Fields: []apperr.FieldError{{Field: "file", Rule: "required"}}}
}

// showable reports whether err belongs on the form it came from (field
// errors, or someone else's newer version) and puts its messages in p.
func showable(p *page, err error) bool {
	if formErrors(p, err) {
		return true
	}
	if apperr.Is(err, apperr.Conflict) {
		p.Error = web.Localize(err, p.L).Error.Message
		return true
	}
	return false
}

// amountRe is an amount as people type it: an optional currency sign,
// digits with or without thousands commas, at most two decimals.
var amountRe = regexp.MustCompile(`^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$`)

// normalAmount reads an amount typed in a form — "1200", "1,200",
// "1200.00", "¥1,200", "1 200 元" — as the plain decimal the services
// take ("1200.00" stays "1200.00", "¥1,200" becomes "1200"). ok is false
// for anything else.
func normalAmount(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, cut := range []string{"¥", "￥", "CNY", "RMB", "元"} {
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, cut), cut))
	}
	s = strings.NewReplacer("，", ",", "．", ".", " ", "", "\u00a0", "").Replace(s)
	if !amountRe.MatchString(s) {
		return "", false
	}
	return strings.ReplaceAll(s, ",", ""), true
}

// amountError is the field error of an amount that could not be read: it
// says what is expected.
func amountError(field string) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "the amount is not a number such as 1200 or 1,200.50",
		Fields: []apperr.FieldError{{Field: field, Rule: "invalid_amount"}}}
}
