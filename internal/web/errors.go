package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"kesu/internal/apperr"
)

// Status maps an error code to its HTTP status.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case "bad_request":
		return http.StatusBadRequest
	case "unsupported_media_type":
		return http.StatusUnsupportedMediaType
	case "method_not_allowed":
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// Error codes that exist only at the HTTP edge.
const (
	BadRequest           apperr.Code = "bad_request"
	UnsupportedMediaType apperr.Code = "unsupported_media_type"
	MethodNotAllowed     apperr.Code = "method_not_allowed"
)

// probeMethods are the methods a path is tried with to say which it
// answers.
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// OtherMethods lists the methods mux has a route for at r's path, when r's
// own method has none and the request fell through to the catch-all
// pattern fallback: such a request is answered 405 with these in Allow,
// not 404, since the path exists.
func OtherMethods(mux *http.ServeMux, r *http.Request, fallback string) []string {
	var out []string
	for _, m := range probeMethods {
		if m == r.Method || r.Method == http.MethodHead && m == http.MethodGet {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != fallback {
			out = append(out, m)
		}
	}
	if slices.Contains(out, http.MethodGet) {
		out = append(out, http.MethodHead)
	}
	return out
}

// NotAllowed answers a request whose method the path does not take.
func NotAllowed(method string, allow []string) error {
	w := strings.Join(allow, ", ")
	return &apperr.Error{Code: MethodNotAllowed, Message: "method " + method + " not allowed; allowed: " + w}
}

// FieldMessage is a field error with its message in the request language.
type FieldMessage struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Fields  []FieldMessage `json:"fields,omitempty"`
	} `json:"error"`
}

// Localize renders err for a person reading lang: the message for its code
// and one message per field. Internal errors say only "internal error".
func Localize(err error, lang string) ErrorBody {
	var b ErrorBody
	code := apperr.CodeOf(err)
	b.Error.Code = string(code)
	b.Error.Message = T(lang, "error."+string(code))
	var ae *apperr.Error
	if errors.As(err, &ae) {
		for _, f := range ae.Fields {
			b.Error.Fields = append(b.Error.Fields, FieldMessage{Field: f.Field, Rule: f.Rule, Message: FieldText(lang, f)})
		}
	}
	return b
}

// FieldText returns "<field label>: <rule message>" in lang.
func FieldText(lang string, f apperr.FieldError) string {
	param := f.Param
	if f.Rule == "out_of_scope" {
		param = T(lang, "scope."+param) // own, department: said in words
	}
	return fieldLabel(lang, f.Field) + T(lang, "sep") + RuleText(lang, f.Rule, param)
}

// fieldLabel names a field; an element of a list (holidays[1].off[2]) is
// named by its list's label followed by the path, so the reader can find it.
// A place in a file without a label of its own (actions[approve].to of a
// workflow definition) is named by the label of its section and the path.
func fieldLabel(lang, field string) string {
	key := listIndex.ReplaceAllString(field, "")
	if _, ok := catalogs["zh"]["field."+key]; !ok {
		for k := key; strings.Contains(k, "."); {
			k = k[:strings.LastIndexByte(k, '.')]
			if _, ok := catalogs["zh"]["field."+k]; ok {
				return T(lang, "field."+k) + " " + field
			}
		}
	}
	if key == field {
		return T(lang, "field."+field)
	}
	return T(lang, "field."+key) + " " + field
}

// listIndex is the index of a list element: [2], or [approve] for a list
// whose elements have codes.
var listIndex = regexp.MustCompile(`\[[^\]]*\]`)

// WriteError sends err as JSON in the request's language, and logs
// internal errors in full.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	status := Status(code)
	if status >= 500 {
		noteError(r, err)
	}
	if code == apperr.Unauthorized && r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kesu"`)
	}
	WriteJSON(w, status, Localize(err, Lang(r)))
}

// WriteJSON sends v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// wantsObject reports whether v decodes a JSON object: a pointer to a
// struct or a map.
func wantsObject(v any) bool {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return false
	}
	k := t.Elem().Kind()
	return k == reflect.Struct || k == reflect.Map
}

// firstByte peeks at the first byte of br that is not JSON white space.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, br.UnreadByte()
		}
	}
}

// MaxJSONBody bounds request bodies of JSON endpoints.
const MaxJSONBody = 1 << 20

// DecodeJSON reads a JSON request body into v strictly: the content type
// must be JSON, unknown fields and trailing data are refused, and the body
// is bounded. A string holding a NUL byte is refused (400), as everywhere.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &apperr.Error{Code: UnsupportedMediaType, Message: "content type must be application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apperr.Error{Code: apperr.TooLarge, Message: "request body too large", Err: err}
		}
		return &apperr.Error{Code: BadRequest, Message: "unreadable body", Err: err}
	}
	if hasNULEscape(body) {
		return errNUL("body")
	}
	br := bufio.NewReader(bytes.NewReader(body))
	if wantsObject(v) {
		// A request body is an object: null, a list or a bare value would
		// decode to an empty request, as if nothing were asked.
		if c, err := firstByte(br); err == nil && c != '{' {
			return &apperr.Error{Code: BadRequest, Message: "request body is not a JSON object",
				Fields: []apperr.FieldError{{Field: "request", Rule: "object_required"}}}
		}
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return &apperr.Error{Code: apperr.Invalid, Message: "wrong type", Err: err,
				Fields: []apperr.FieldError{{Field: ute.Field, Rule: "wrong_type", Param: ute.Type.String()}}}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return &apperr.Error{Code: apperr.Invalid, Message: "unknown field", Err: err,
				Fields: []apperr.FieldError{{Field: strings.Trim(f, `"`), Rule: "unknown_field"}}}
		}
		return &apperr.Error{Code: BadRequest, Message: "malformed JSON", Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &apperr.Error{Code: BadRequest, Message: "trailing data after JSON body"}
	}
	return nil
}
