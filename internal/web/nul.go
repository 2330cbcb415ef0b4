package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"kesu/internal/apperr"
)

// A NUL byte is refused wherever a request can carry one: PostgreSQL cannot
// store it in text, SQLite would, so without this check the same request
// would be a server error on one engine and stored on the other. The path
// and the query are checked here for every route; form bodies by the
// pages' form reader (CheckForm) and JSON bodies by DecodeJSON, which read
// them anyway.

// ErrNUL is the answer to a request carrying a NUL byte.
func errNUL(field string) error {
	return &apperr.Error{Code: BadRequest, Message: "NUL byte in request",
		Fields: []apperr.FieldError{{Field: field, Rule: "nul_byte"}}}
}

// rejectNUL answers 400 to a request whose path or query holds a NUL byte.
func rejectNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := ""
		switch {
		case strings.ContainsRune(r.URL.Path, 0) || strings.Contains(strings.ToLower(r.URL.RawPath), "%00"):
			bad = "path"
		case strings.ContainsRune(r.URL.RawQuery, 0) || strings.Contains(r.URL.RawQuery, "%00"):
			bad = "query"
		}
		if bad == "" {
			next.ServeHTTP(w, r)
			return
		}
		err := errNUL(bad)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(T(Lang(r), "error.bad_request") + "\n"))
	})
}

// CheckForm refuses parsed form values (URL-encoded or multipart, names
// and values, and file names) that hold a NUL byte.
func CheckForm(r *http.Request) error {
	check := func(vals url.Values) error {
		for k, vs := range vals {
			if strings.ContainsRune(k, 0) {
				return errNUL("form")
			}
			for _, v := range vs {
				if strings.ContainsRune(v, 0) {
					return errNUL(k)
				}
			}
		}
		return nil
	}
	if err := check(r.Form); err != nil {
		return err
	}
	if r.MultipartForm != nil {
		if err := check(r.MultipartForm.Value); err != nil {
			return err
		}
		for k, fs := range r.MultipartForm.File {
			for _, f := range fs {
				if strings.ContainsRune(f.Filename, 0) {
					return errNUL(k)
				}
			}
		}
	}
	return nil
}

// hasNULEscape reports whether a JSON text holds the escape \u0000 in a
// string (an escaped backslash before "u0000" does not count). A raw NUL
// byte is not valid JSON and the decoder refuses it.
func hasNULEscape(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		at := i + j
		n := 0
		for k := at - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
		i = at + 5
	}
}
