// Package apperr defines the one error type kesu's domain code returns.
//
// Errors carry a machine code and, for validation failures, field-level
// problems. They hold no translated text: the web layer picks the language.
package apperr

import (
	"errors"
	"fmt"
	"sort"
)

// Code classifies an error; the web layer maps it to an HTTP status.
type Code string

// Error codes.
const (
	Internal     Code = "internal"
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Forbidden    Code = "forbidden"
	Unauthorized Code = "unauthorized"
	TooMany      Code = "too_many_requests"
	TooLarge     Code = "too_large"
	Unavailable  Code = "unavailable"
)

// FieldError describes what is wrong with one input field.
// Rule is a stable code such as "required" or "too_long"; Param carries the
// limit or the allowed values where that helps the message.
type FieldError struct {
	Field string `json:"field"`
	Rule  string `json:"rule"`
	Param string `json:"param,omitempty"`
}

// Error is kesu's application error.
type Error struct {
	Code    Code
	Message string // an English developer message, not shown to end users as-is
	Fields  []FieldError
	Err     error // wrapped cause, logged but never shown
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if len(e.Fields) > 0 {
		msg += fmt.Sprintf(" (%d field errors)", len(e.Fields))
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a code to a cause.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of err, Internal for foreign errors and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Validation collects field errors; Err returns nil when there are none.
type Validation struct {
	fields []FieldError
}

// Add records a problem with a field.
func (v *Validation) Add(field, rule, param string) {
	v.fields = append(v.fields, FieldError{Field: field, Rule: rule, Param: param})
}

// Has reports whether field already has an error.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an Invalid error listing the fields, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	fs := append([]FieldError(nil), v.fields...)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Field < fs[j].Field })
	return &Error{Code: Invalid, Message: "validation failed", Fields: fs}
}
