// Package blob stores attachment files under the data folder, addressed by
// their SHA-256, written to a temporary file and renamed into place so a
// crash never leaves half a file under a real name.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"kesu/internal/apperr"
)

// Allowed maps the sniffed content types kesu accepts to the file name
// extensions that may carry them.
var Allowed = map[string][]string{
	"image/jpeg":                {".jpg", ".jpeg"},
	"image/png":                 {".png"},
	"image/gif":                 {".gif"},
	"image/webp":                {".webp"},
	"application/pdf":           {".pdf"},
	"text/plain; charset=utf-8": {".txt", ".csv", ".log"},
	// Office files sniff as zip (OOXML) or OLE; the extension decides.
	"application/zip":          {".docx", ".xlsx", ".pptx", ".zip"},
	"application/octet-stream": {".doc", ".xls", ".ppt"},
	"video/mp4":                {".mp4"},
}

// officeTypes gives the real content type of an allowed office extension.
var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
}

// ContentTypes lists every content type a stored file can have: the
// types Save gives the allowed files, which downloads send.
func ContentTypes() []string {
	seen := map[string]bool{}
	for sniffed, exts := range Allowed {
		for _, e := range exts {
			if t, ok := officeTypes[e]; ok {
				seen[t] = true
			} else {
				seen[sniffed] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Store keeps files in a folder.
type Store struct {
	Dir string
}

// Saved describes a stored file.
type Saved struct {
	SHA256      string
	Size        int64
	ContentType string
	Kind        string // photo or file
}

// Save streams r into the store, refusing files larger than max bytes or of
// a type not in Allowed. name is the uploader's file name (for the
// extension check only).
func (s *Store) Save(r io.Reader, name string, max int64) (*Saved, error) {
	if err := os.MkdirAll(filepath.Join(s.Dir, "tmp"), 0o750); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "attachment folder")
	}
	tmp, err := os.CreateTemp(filepath.Join(s.Dir, "tmp"), "up-*")
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "attachment temp file")
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	h := sha256.New()
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, apperr.Wrap(BadUpload, err, "read upload")
	}
	head = head[:n]
	if n == 0 {
		return nil, fieldErr(apperr.Invalid, "required", "")
	}
	ctype, err := checkType(head, name)
	if err != nil {
		return nil, err
	}
	w := io.MultiWriter(tmp, h)
	if _, err := w.Write(head); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "write attachment")
	}
	copied, err := io.Copy(w, io.LimitReader(r, max-int64(n)+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fieldErr(apperr.TooLarge, "file_size", humanSize(max))
		}
		return nil, apperr.Wrap(apperr.Unavailable, err, "write attachment")
	}
	size := int64(n) + copied
	if size > max {
		return nil, fieldErr(apperr.TooLarge, "file_size", humanSize(max))
	}
	if err := tmp.Sync(); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "sync attachment")
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dst := s.path(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "attachment folder")
	}
	if err := tmp.Close(); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "close attachment")
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "store attachment")
	}
	kind := "file"
	if strings.HasPrefix(ctype, "image/") {
		kind = "photo"
	}
	return &Saved{SHA256: sum, Size: size, ContentType: ctype, Kind: kind}, nil
}

// BadUpload is the code for an upload stream that could not be read.
const BadUpload apperr.Code = "bad_request"

func fieldErr(code apperr.Code, rule, param string) error {
	return &apperr.Error{Code: code, Message: "attachment " + rule, Fields: []apperr.FieldError{{Field: "file", Rule: rule, Param: param}}}
}

func humanSize(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n>>10, 10) + " KB"
}

// checkType sniffs the content and checks it against the file name's
// extension: a script renamed to .jpg is refused.
func checkType(head []byte, name string) (string, error) {
	sniffed := http.DetectContentType(head)
	ext := strings.ToLower(filepath.Ext(name))
	exts, ok := Allowed[sniffed]
	if !ok {
		return "", fieldErr(apperr.Invalid, "file_type", "")
	}
	for _, e := range exts {
		if e == ext {
			if t, ok := officeTypes[ext]; ok {
				return t, nil
			}
			return sniffed, nil
		}
	}
	return "", fieldErr(apperr.Invalid, "file_type", "")
}

func (s *Store) path(sum string) string {
	return filepath.Join(s.Dir, sum[:2], sum[2:4], sum)
}

// Open returns the stored file with the given checksum.
func (s *Store) Open(sum string) (*os.File, error) {
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return nil, apperr.New(apperr.NotFound, "bad checksum")
	}
	f, err := os.Open(s.path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return nil, apperr.New(apperr.NotFound, "attachment file missing")
	}
	if err != nil {
		return nil, fmt.Errorf("open attachment: %w", err)
	}
	return f, nil
}

// Put stores a file kesu made itself (an export): no type or size check.
// It returns the file's SHA-256 and size.
func (s *Store) Put(r io.Reader) (string, int64, error) {
	if err := os.MkdirAll(filepath.Join(s.Dir, "tmp"), 0o750); err != nil {
		return "", 0, fmt.Errorf("file folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(s.Dir, "tmp"), "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return "", 0, fmt.Errorf("write file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("sync file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("close file: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dst := s.path(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, fmt.Errorf("file folder: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, fmt.Errorf("store file: %w", err)
	}
	return sum, size, nil
}

// Remove deletes the stored file with the given checksum; a missing file
// is no error.
func (s *Store) Remove(sum string) error {
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return apperr.New(apperr.NotFound, "bad checksum")
	}
	if err := os.Remove(s.path(sum)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove file: %w", err)
	}
	return nil
}
