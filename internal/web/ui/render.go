package ui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	fin "kesu/internal/money"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/casework"
	"kesu/internal/complaint"
	"kesu/internal/customer"
	"kesu/internal/enum"
	"kesu/internal/org"
	"kesu/internal/product"
	"kesu/internal/queue"
	"kesu/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// templates holds one parsed set per page: the layouts plus that page.
//
// Each page is the layout and partials (base) cloned with the page's own
// file, about half a megabyte of parse tree; pages are parsed on first use,
// so a server whose staff use a few pages, or only the API, does not keep
// all of them (36 MB of live heap, which the garbage collector walks on
// every cycle and which sets how large the heap grows).
type templates struct {
	base  *template.Template // layout and partials, never executed
	files map[string]string  // page → file
	mu    sync.Mutex         // one parse of a page at a time
	pages sync.Map           // page → *template.Template
}

// enums are the code lists the templates label and offer.
var enums = map[string]enum.Set{
	"channel":  complaint.Channels,
	"severity": complaint.Severities,
	"request":  complaint.Requests,
	"status":   complaint.Statuses,
	"class":    customer.Classes,
	"region":   customer.Regions,
	"role":     org.Roles,
	"batch":    product.BatchStatuses,

	"resolution":     casework.Resolutions,
	"validity":       casework.Validities,
	"responsibility": casework.Responsibilities,
	"capa_kind":      casework.CAPAKinds,
	"verification":   casework.CAPAVerifications,
}

// funcs are the template functions. states, when given, are the lifecycle
// states of the default workflow: they label the "status" set in place of
// the foundation's single state.
func funcs(loc *time.Location, states enum.Set) template.FuncMap {
	set := func(name string) enum.Set {
		if name == "status" && states != nil {
			return states
		}
		return enums[name]
	}
	return template.FuncMap{
		// t is a message in lang; its arguments fill {0}, {1}, … in
		// order, and a dict fills named ones ({n}, {who}).
		"t": func(lang, key string, args ...any) string {
			var s []string
			var named web.Args
			for _, a := range args {
				if m, ok := a.(map[string]any); ok {
					if named == nil {
						named = web.Args{}
					}
					for k, v := range m {
						named[k] = fmt.Sprint(v)
					}
					continue
				}
				s = append(s, fmt.Sprint(a))
			}
			return web.Format(lang, key, named, s...)
		},
		"label":    func(name, code, lang string) string { return set(name).Label(code, lang) },
		"joinList": joinList,
		"enum":     set,
		"dt": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(loc).Format("2006-01-02 15:04")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.In(loc).Format("2006-01-02 15:04")
			}
			return ""
		},
		// dts is a moment to the second, for the audit log.
		"dts": func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05") },
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(loc).Format("2006-01-02")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.In(loc).Format("2006-01-02")
			}
			return ""
		},
		"id": func(p *int64) string {
			if p == nil {
				return ""
			}
			return strconv.FormatInt(*p, 10)
		},
		"i64": func(n int64) string { return strconv.FormatInt(n, 10) },
		"fen": func(n int64) string { return fin.Format(n) },
		// dict passes several values to a sub-template: "key", value, ….
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"has": func(v url.Values, key, val string) bool {
			for _, x := range v[key] {
				if x == val {
					return true
				}
			}
			return false
		},
		"size": func(n int64) string {
			switch {
			case n >= 1<<20:
				return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
			case n >= 1<<10:
				return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
			}
			return fmt.Sprintf("%d B", n)
		},
		// query returns path with v's parameters, some replaced (an empty
		// value removes one); it is a whole URL so the query stays intact.
		"query": func(path string, v url.Values, kv ...string) template.URL {
			q := url.Values{}
			for k, vs := range v {
				q[k] = append([]string(nil), vs...)
			}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					q.Del(kv[i])
				} else {
					q.Set(kv[i], kv[i+1])
				}
			}
			return template.URL(path + "?" + q.Encode())
		},
		"indent": func(n int) []struct{} { return make([]struct{}, n) },
		"fld": func(p *page, name string, opts ...string) fieldView {
			f := field(p, name, opts...)
			if f.Set != "" {
				f.Options = set(f.Set)
			}
			return f
		},
		"pct":  percent,
		"inc":  func(i int) int { return i + 1 },
		"list": func(s ...string) []string { return s },
		"add":  func(a, b int) int { return a + b },
		"live": func(p *page, kind string, rows []liveRow) liveTable { return liveTable{L: p.L, Kind: kind, Rows: rows} },
		// The branch queue's pages.
		"qbranch": branchName,
		"qtype":   typeName,
		"qmin":    minutesText,
		"qdocs": func(t queue.ServiceType, lang string) string {
			return strings.Join(typeDocuments(t, lang), " · ")
		},
		"qactions":  counterActions,
		"qpolicies": func() []queue.Policy { return []queue.Policy{queue.Dedicated, queue.Pooled, queue.Priority} },
		"qsims": func(ss ...*queue.SimReport) []*queue.SimReport {
			var out []*queue.SimReport
			for _, s := range ss {
				if s != nil {
					out = append(out, s)
				}
			}
			return out
		},
	}
}

// fieldView is one form field for the "input" and "enum" templates.
type fieldView struct {
	Name, Label, Value, Err, Type, Set string
	Required, Blank                    bool
	Options                            enum.Set
	L                                  string
}

// field describes form field name of page p. opts: an input type
// ("text", "email", "date", "textarea", …), "enum:<set>" for a select of a
// code list, "req" for a required field, "blank" for an empty choice.
func field(p *page, name string, opts ...string) fieldView {
	f := fieldView{Name: name, Label: web.T(p.L, "field."+name), Value: p.F.Get(name), Err: p.Errs[name], Type: "text", L: p.L}
	for _, o := range opts {
		switch {
		case o == "req":
			f.Required = true
		case o == "blank":
			f.Blank = true
		case strings.HasPrefix(o, "enum:"):
			f.Type, f.Set = "enum", strings.TrimPrefix(o, "enum:")
			f.Options = enums[f.Set]
		case strings.HasPrefix(o, "label:"):
			f.Label = web.T(p.L, strings.TrimPrefix(o, "label:"))
		default:
			f.Type = o
		}
	}
	return f
}

func parseTemplates(loc *time.Location, states enum.Set) *templates {
	base := template.Must(template.New("").Funcs(funcs(loc, states)).ParseFS(templateFS, "templates/_*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	t := &templates{base: base, files: map[string]string{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t.files[name] = n
		// Every page is parsed here so that a broken template stops the
		// start; the copy is dropped (see templates).
		template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return t
}

// page returns the parsed template of the named page, parsing it on its
// first use.
func (t *templates) page(name string) (*template.Template, bool) {
	if p, ok := t.pages.Load(name); ok {
		return p.(*template.Template), true
	}
	f, ok := t.files[name]
	if !ok {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.pages.Load(name); ok {
		return p.(*template.Template), true
	}
	p := template.Must(template.Must(t.base.Clone()).ParseFS(templateFS, f))
	t.pages.Store(name, p)
	return p, true
}

// page is what every template receives.
type page struct {
	L       string // language, "zh" or "en"
	Title   string
	User    *org.User
	CSRF    string
	Path    string // current path and query, for the language switch
	Company string
	Nav     string
	Flash   string
	Error   string // a message for the whole form
	// Problems are the reasons given with Error, one line each (the
	// engine's refusal of a case action).
	Problems []string
	Errs     map[string]string // field → message in L
	F        url.Values        // submitted or stored form values
	D        any               // page data
	Unread   int               // the user's unread notifications, for the menu
	Refresh  int               // seconds before the page reloads itself; 0 for never
	// Return and ReturnAfter make a screen go back to Return by itself
	// after ReturnAfter seconds: queue.js replaces the page (no history
	// entry to come back to); a refresh does it where scripts are off.
	Return      string
	ReturnAfter int
	// Posted names the form of a complaint page that was sent and
	// refused ("decision", "capa", "actions-accept", …): that form shows
	// what was typed, the others what is stored.
	Posted string
}

// Keep is the value a field of form shows: what was typed when that form
// was sent and refused, else stored.
func (p *page) Keep(form, name string, stored any) string {
	if p.Posted == form {
		return p.F.Get(name)
	}
	if stored == nil {
		return ""
	}
	return fmt.Sprint(stored)
}

// Ticked is Keep for a check box.
func (p *page) Ticked(form, name string, stored bool) bool {
	if p.Posted == form {
		return p.F.Get(name) != ""
	}
	return stored
}

// postedForm names the complaint-page form a POST came from: the path
// after /complaints/{id}/ with slashes as dashes.
func postedForm(r *http.Request) string {
	if r.Method != http.MethodPost {
		return ""
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	if len(parts) < 3 || parts[0] != "complaints" {
		return ""
	}
	return strings.ReplaceAll(parts[2], "/", "-")
}

// newPage fills the parts of a page every request has.
func (h *handler) newPage(r *http.Request, title string) *page {
	p := &page{L: web.Lang(r), Path: r.URL.RequestURI(), Company: h.d.Company, Errs: map[string]string{}, F: url.Values{}}
	p.Title = web.T(p.L, title)
	p.Posted = postedForm(r)
	if pr := web.PrincipalOf(r); pr != nil {
		p.User = pr.User
		if pr.Session != nil {
			p.CSRF = pr.Session.CSRF
		}
		if h.d.Inbox != nil {
			p.Unread, _ = h.d.Inbox.UnreadCount(r.Context(), pr.User.ID) // the menu only
		}
	}
	return p
}

// Can is used by the layout to show only the menu entries the user may use.
func (p *page) Can(perm string) bool {
	return p.User != nil && canDo(p.User.Role, perm)
}

// Quality is used by the layout for the quality manager's entries: the
// roles that verify CAPA see the standard updates.
func (p *page) Quality() bool {
	return p.User != nil && slices.Contains(verifierRoles, p.User.Role)
}

// render writes the named page inside the staff layout ("staff") or the
// public one ("public").
func (h *handler) render(w http.ResponseWriter, status int, layout, name string, p *page) {
	t, ok := h.tmpl.page(name)
	if !ok {
		panic("ui: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layout, p); err != nil {
		panic(fmt.Sprintf("ui: render %s: %v", name, err))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows err as an error page: the message for its code in the
// request's language; internal errors are logged in full.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	status := web.Status(code)
	if status >= 500 && h.d.Log != nil {
		h.d.Log.Error("page error", "path", r.URL.Path, "err", err)
	}
	p := h.newPage(r, "ui.error")
	p.Error = web.Localize(err, p.L).Error.Message
	var ae *apperr.Error
	if errors.As(err, &ae) {
		for _, f := range ae.Fields {
			p.Errs[f.Field] = web.FieldText(p.L, f)
		}
	}
	layout := "public"
	if p.User != nil {
		layout = "staff"
	}
	h.render(w, status, layout, "error", p)
}

// formErrors copies the field errors of err into p and reports whether err
// was a validation (or duplicate) error that the form can show.
func formErrors(p *page, err error) bool {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return false
	}
	if ae.Code != apperr.Invalid && ae.Code != apperr.Conflict && ae.Code != apperr.TooLarge {
		return false
	}
	for _, f := range ae.Fields {
		if _, dup := p.Errs[f.Field]; !dup {
			p.Errs[f.Field] = web.RuleText(p.L, f.Rule, f.Param)
		}
	}
	p.Error = web.Localize(err, p.L).Error.Message
	return true
}
