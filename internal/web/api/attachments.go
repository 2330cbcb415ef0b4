package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"kesu/internal/apperr"
	"kesu/internal/audit"
	"kesu/internal/complaint"
	"kesu/internal/web"
)

// MaxFileName bounds an attachment's name, in characters.
const MaxFileName = 200

func fileErr(code apperr.Code, rule, param string) error {
	return &apperr.Error{Code: code, Message: "attachment " + rule,
		Fields: []apperr.FieldError{{Field: "file", Rule: rule, Param: param}}}
}

// listAttachments answers a complaint's attachments.
func (a *api) listAttachments(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	as, err := a.d.ComplaintStore.Attachments(r.Context(), c.ID)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, listResponse[complaint.Attachment]{Items: as})
}

// uploadAttachment stores one file from the multipart field "file". The
// type is sniffed from the content and must agree with the name's
// extension; the size is bounded by the configured limit.
func (a *api) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	c, err := a.complaintByNumber(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Cases.CheckWork(r.Context(), c.ID, caseActor(r)); err != nil {
		caseError(w, r, err)
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		web.WriteError(w, r, &apperr.Error{Code: web.UnsupportedMediaType, Message: "content type must be multipart/form-data"})
		return
	}
	// The body may hold the file plus a little multipart framing.
	r.Body = http.MaxBytesReader(w, r.Body, a.d.MaxUpload+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		web.WriteError(w, r, apperr.Wrap(web.BadRequest, err, "multipart"))
		return
	}
	public := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			web.WriteError(w, r, uploadReadErr(err, a.d.MaxUpload))
			return
		}
		switch part.FormName() {
		case "public":
			b, _ := io.ReadAll(io.LimitReader(part, 16))
			public = strings.TrimSpace(string(b)) == "true"
			continue
		case "file":
		default:
			continue
		}
		name := cleanFileName(part.FileName())
		if name == "" {
			web.WriteError(w, r, fileErr(apperr.Invalid, "required", ""))
			return
		}
		if utf8.RuneCountInString(name) > MaxFileName {
			web.WriteError(w, r, fileErr(apperr.Invalid, "too_long", strconv.Itoa(MaxFileName)))
			return
		}
		saved, err := a.d.Files.Save(part, name, a.d.MaxUpload)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.TooLarge) {
				err = uploadReadErr(err, a.d.MaxUpload)
			}
			web.WriteError(w, r, err)
			return
		}
		att := &complaint.Attachment{ComplaintID: c.ID, Name: name, ContentType: saved.ContentType, Size: saved.Size,
			SHA256: saved.SHA256, Kind: saved.Kind, Public: public}
		if err := a.d.Cases.Attach(r.Context(), att, caseActor(r)); err != nil {
			caseError(w, r, err)
			return
		}
		w.Header().Set("Location", Prefix+"/attachments/"+strconv.FormatInt(att.ID, 10))
		web.WriteJSON(w, http.StatusCreated, att)
		return
	}
	web.WriteError(w, r, fileErr(apperr.Invalid, "required", ""))
}

// uploadReadErr classifies a failure to read the upload stream.
func uploadReadErr(err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fileErr(apperr.TooLarge, "file_size", strconv.FormatInt(max>>20, 10)+" MB")
	}
	if apperr.CodeOf(err) != apperr.Internal {
		return err
	}
	return apperr.Wrap(web.BadRequest, err, "read upload")
}

// cleanFileName keeps the base name, without path or control characters.
func cleanFileName(s string) string {
	s = strings.ReplaceAll(s, `\`, "/")
	s = filepath.Base(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "." || s == "/" {
		return ""
	}
	return s
}

// downloadAttachment sends a stored file as a download, never rendered
// inline, with its name in RFC 5987 form for non-ASCII names.
func (a *api) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	att, err := a.d.ComplaintStore.Attachment(r.Context(), id)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	if err := a.d.Cases.CanRead(r.Context(), att.ComplaintID, caseActor(r)); err != nil {
		web.WriteError(w, r, err)
		return
	}
	f, err := a.d.Files.Open(att.SHA256)
	if err != nil {
		web.WriteError(w, r, err)
		return
	}
	defer f.Close()
	// A file may hold personal data: the download is audited before a byte
	// leaves (SPEC SEC-3); HEAD sends no content.
	if r.Method != http.MethodHead {
		if err := a.d.Audit.Append(r.Context(), downloadEntry(actor(r), att)); err != nil {
			web.WriteError(w, r, err)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", att.ContentType)
	h.Set("Content-Disposition", contentDisposition(att.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.FormatInt(att.Size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.Copy(w, f)
	}
}

// downloadEntry is the audit record of a download of att.
func downloadEntry(who audit.Actor, att *complaint.Attachment) *audit.Entry {
	detail, _ := json.Marshal(map[string]any{"attachment_id": att.ID, "name": att.Name, "sha256": att.SHA256})
	return &audit.Entry{Actor: who, Action: "attachment.download",
		Object: "complaint:" + strconv.FormatInt(att.ComplaintID, 10), Detail: detail}
}

// contentDisposition gives an ASCII fallback name and the exact name as
// filename* (RFC 6266, RFC 5987).
func contentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes every byte that is not an attr-char.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
