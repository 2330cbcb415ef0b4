// Package enum holds kesu's stored enumerations: each value has a stable
// English code (what is stored and sent over the API) and Chinese and English
// labels (what people read).
package enum

// Option is one value of an enumeration.
type Option struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// Label returns the label in lang ("en" or anything else for Chinese).
func (o Option) Label(lang string) string {
	if lang == "en" {
		return o.EN
	}
	return o.ZH
}

// Set is an ordered list of options.
type Set []Option

// Codes lists the codes in order.
func (s Set) Codes() []string {
	out := make([]string, len(s))
	for i, o := range s {
		out[i] = o.Code
	}
	return out
}

// Has reports whether code is in the set.
func (s Set) Has(code string) bool {
	_, ok := s.Find(code)
	return ok
}

// Find returns the option with code.
func (s Set) Find(code string) (Option, bool) {
	for _, o := range s {
		if o.Code == code {
			return o, true
		}
	}
	return Option{}, false
}

// Label returns the label of code in lang, or the code itself when unknown.
func (s Set) Label(code, lang string) string {
	if o, ok := s.Find(code); ok {
		return o.Label(lang)
	}
	return code
}
