// Package app wires kesu together: configuration, database, services, the
// HTTP handler and background work. cmd/kesu and end-to-end tests use it.
package app

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"kesu/internal/apperr"
	"kesu/internal/complaint"
	"kesu/internal/money"
	"kesu/internal/notify/sms"
	"kesu/internal/web"
)

// Config is kesu's configuration. Every field can be set by a flag, by an
// environment variable KESU_<NAME> and by a line "name = value" in the file
// given by --config; flags win over the environment, which wins over the
// file.
type Config struct {
	Addr          string
	Data          string
	DB            string // postgres://… URL; empty for SQLite in Data
	Demo          bool
	BaseURL       string
	Timezone      string
	NumberPattern string
	ExpectedDays  int
	MaxUploadMB   int
	PublicRate    int
	Company       string
	SMTPHost      string
	SMTPPort      int
	SMTPUser      string
	SMTPPassword  string
	SMTPFrom      string
	SMTPTLS       string // none, starttls or tls
	SMSProvider   string // log, http or none; empty: http when SMSURL is set, else log
	SMSURL        string
	SMSMethod     string
	SMSHeaders    string // "Name: value; Name: value"
	SMSTemplate   string // request body, a text/template over .To and .Text
	WebhookURLs   string // comma-separated receivers of signed events
	WebhookSecret string
	LogLevel      string
	LogFormat     string // text or json
	AdminPassword string
	SecureCookies bool
	Workflow      string // workflow profile of new complaints
	WorkflowFile  string // an administrator's definition file, imported at start; its profile becomes the default
	DebugAddr     string // loopback address of the Go profiler (/debug/pprof/); empty: off
	LabourRate    string // costing rule: labour per hour, in major units ("80.00")
	ReturnRate    string // costing rule: handling of one returned unit, in major units ("50.00")

	Loc     *time.Location    `json:"-"`
	Pattern complaint.Pattern `json:"-"`
	Rates   money.Rates       `json:"-"` // LabourRate and ReturnRate in fen
	// SMS is the HTTP SMS provider when SMSProvider is http; Webhooks the
	// receiver URLs.
	SMS      *sms.HTTP `json:"-"`
	Webhooks []string  `json:"-"`
}

// Defaults returns the configuration of a fresh install.
func Defaults() Config {
	return Config{
		Addr: "127.0.0.1:8080", Data: "data", Timezone: "Asia/Shanghai",
		NumberPattern: complaint.DefaultPattern, ExpectedDays: 15, MaxUploadMB: 20, PublicRate: 10,
		Company: "客诉管理中心", Workflow: "manufacturer", SMTPPort: 587, SMTPTLS: "starttls", SMSMethod: "POST",
		LogLevel: "info", LogFormat: "text", LabourRate: money.Format(money.DefaultRates.LabourPerHour),
		ReturnRate: money.Format(money.DefaultRates.ReturnPerUnit),
	}
}

// option describes one setting for flags, environment and file.
type option struct {
	name, usage string
	str         *string
	num         *int
	boolean     *bool
}

func (c *Config) options() []option {
	return []option{
		{name: "addr", usage: "listen address", str: &c.Addr},
		{name: "data", usage: "data folder (SQLite database, attachments)", str: &c.Data},
		{name: "db", usage: "PostgreSQL URL (postgres://…); empty for SQLite in the data folder", str: &c.DB},
		{name: "demo", usage: "load demo data into an empty database", boolean: &c.Demo},
		{name: "base-url", usage: "public address used in links sent to customers", str: &c.BaseURL},
		{name: "timezone", usage: "organisation time zone", str: &c.Timezone},
		{name: "number-pattern", usage: "complaint number pattern", str: &c.NumberPattern},
		{name: "expected-days", usage: "days promised for completion in the acknowledgement letter", num: &c.ExpectedDays},
		{name: "max-upload-mb", usage: "largest attachment in MB", num: &c.MaxUploadMB},
		{name: "public-rate", usage: "public form submissions per address per minute", num: &c.PublicRate},
		{name: "company", usage: "organisation name on letters and public pages", str: &c.Company},
		{name: "smtp-host", usage: "SMTP server for outgoing mail; empty disables mail", str: &c.SMTPHost},
		{name: "smtp-port", usage: "SMTP port", num: &c.SMTPPort},
		{name: "smtp-user", usage: "SMTP user name", str: &c.SMTPUser},
		{name: "smtp-password", usage: "SMTP password", str: &c.SMTPPassword},
		{name: "smtp-from", usage: "sender address of outgoing mail", str: &c.SMTPFrom},
		{name: "smtp-tls", usage: "none, starttls or tls", str: &c.SMTPTLS},
		{name: "sms-provider", usage: "log, http or none (default: http when sms-url is set, else log: texts are written to the log)", str: &c.SMSProvider},
		{name: "sms-url", usage: "SMS provider endpoint (http:// or https://)", str: &c.SMSURL},
		{name: "sms-method", usage: "HTTP method of SMS requests: POST, PUT or GET", str: &c.SMSMethod},
		{name: "sms-headers", usage: `SMS request headers, "Name: value; Name: value"`, str: &c.SMSHeaders},
		{name: "sms-template", usage: `SMS request body over {{.To}} and {{.Text}} (default {"to":"{{.To}}","text":"{{.Text}}"})`, str: &c.SMSTemplate},
		{name: "webhook-urls", usage: "comma-separated URLs that receive signed event webhooks", str: &c.WebhookURLs},
		{name: "webhook-secret", usage: "shared secret of the webhook signature (required with webhook-urls, at least 16 characters)", str: &c.WebhookSecret},
		{name: "log-level", usage: "debug, info, warn or error", str: &c.LogLevel},
		{name: "log-format", usage: "text or json", str: &c.LogFormat},
		{name: "admin-password", usage: "password of the first administrator (first start only)", str: &c.AdminPassword},
		{name: "secure-cookies", usage: "mark cookies Secure (serve behind HTTPS)", boolean: &c.SecureCookies},
		{name: "workflow", usage: "workflow profile of new complaints: manufacturer, service, bank or one an administrator uploaded", str: &c.Workflow},
		{name: "debug-addr", usage: "address of the Go profiler /debug/pprof/, for measuring (keep it on 127.0.0.1); empty: off", str: &c.DebugAddr},
		{name: "labour-rate", usage: "loss costing: labour cost per hour in major units, e.g. 80.00", str: &c.LabourRate},
		{name: "return-rate", usage: "loss costing: handling cost of one returned unit in major units, e.g. 50.00", str: &c.ReturnRate},
		{name: "workflow-file", usage: "workflow definition file (JSON) imported at start as a new version of its profile (when it differs from the newest) and made the default", str: &c.WorkflowFile},
	}
}

func envName(opt string) string {
	return "KESU_" + strings.ToUpper(strings.ReplaceAll(opt, "-", "_"))
}

// Load builds the configuration from defaults, an optional file, the
// environment and args (flags), then validates it.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	c := Defaults()
	opts := c.options()
	configFile := fs.String("config", getenv("KESU_CONFIG"), "configuration file (name = value lines)")
	// Register flags without defaults so we can tell which were given.
	given := map[string]*string{}
	for _, o := range opts {
		o := o
		v := new(string)
		given[o.name] = v
		if o.boolean != nil {
			fs.Var(boolFlag{v}, o.name, o.usage+" (env "+envName(o.name)+")")
		} else {
			fs.Func(o.name, o.usage+" (env "+envName(o.name)+")", func(s string) error { *v = s; return nil })
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := func(o option, val, source string) error {
		switch {
		case o.str != nil:
			*o.str = val
		case o.num != nil:
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil {
				return fmt.Errorf("%s: %s must be a whole number, got %q", source, o.name, val)
			}
			*o.num = n
		case o.boolean != nil:
			b, err := strconv.ParseBool(strings.TrimSpace(val))
			if err != nil {
				return fmt.Errorf("%s: %s must be true or false, got %q", source, o.name, val)
			}
			*o.boolean = b
		}
		return nil
	}
	if *configFile != "" {
		vals, err := readFile(*configFile)
		if err != nil {
			return c, err
		}
		known := map[string]option{}
		for _, o := range opts {
			known[o.name] = o
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			o, ok := known[strings.ReplaceAll(k, "_", "-")]
			if !ok {
				return c, fmt.Errorf("%s: unknown setting %q", *configFile, k)
			}
			if err := set(o, vals[k], *configFile); err != nil {
				return c, err
			}
		}
	}
	for _, o := range opts {
		if v := getenv(envName(o.name)); v != "" {
			if err := set(o, v, "environment "+envName(o.name)); err != nil {
				return c, err
			}
		}
	}
	for _, o := range opts {
		if v := given[o.name]; *v != "" {
			if err := set(o, *v, "flag --"+o.name); err != nil {
				return c, err
			}
		}
	}
	return c, c.Validate()
}

// boolFlag lets "--demo" stand for "--demo=true".
type boolFlag struct{ v *string }

func (b boolFlag) String() string     { return "" }
func (b boolFlag) Set(s string) error { *b.v = s; return nil }
func (b boolFlag) IsBoolFlag() bool   { return true }

func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected name = value", path, n)
		}
		v = strings.TrimSpace(v)
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, sc.Err()
}

// Validate checks the settings and fills derived values (time zone,
// numbering pattern, base URL, absolute data path).
func (c *Config) Validate() error {
	var errs []string
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		errs = append(errs, fmt.Sprintf("timezone %q is not a known time zone", c.Timezone))
	}
	c.Loc = loc
	if p, err := complaint.ParsePattern(c.NumberPattern); err != nil {
		errs = append(errs, err.Error())
	} else {
		c.Pattern = p
	}
	if c.DB != "" {
		u, err := url.Parse(c.DB)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, "db must be a postgres:// URL (leave empty for SQLite)")
		}
	}
	if c.Data == "" {
		errs = append(errs, "data folder must not be empty")
	}
	if c.ExpectedDays < 1 || c.ExpectedDays > 365 {
		errs = append(errs, "expected-days must be between 1 and 365")
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 1024 {
		errs = append(errs, "max-upload-mb must be between 1 and 1024")
	}
	if c.PublicRate < 1 {
		errs = append(errs, "public-rate must be at least 1")
	}
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		errs = append(errs, "smtp-tls must be none, starttls or tls")
	}
	if c.SMTPHost != "" && c.SMTPFrom == "" {
		errs = append(errs, "smtp-from is required when smtp-host is set")
	}
	errs = append(errs, c.validateNotify()...)
	for _, r := range []struct {
		name, val string
		dst       *int64
	}{{"labour-rate", c.LabourRate, &c.Rates.LabourPerHour}, {"return-rate", c.ReturnRate, &c.Rates.ReturnPerUnit}} {
		n, err := money.Parse(r.val)
		if err != nil {
			errs = append(errs, r.name+" must be an amount with at most two decimals, e.g. 80.00")
			continue
		}
		*r.dst = n
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, "log-level must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, "log-format must be text or json")
	}
	if c.AdminPassword != "" && len([]rune(c.AdminPassword)) < 8 {
		errs = append(errs, "admin-password must have at least 8 characters")
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if len(errs) > 0 {
		return fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	if abs, err := filepath.Abs(c.Data); err == nil {
		c.Data = abs
	}
	return nil
}

// validateNotify checks the SMS and webhook settings, settles the SMS
// provider and builds the HTTP one.
func (c *Config) validateNotify() []string {
	var errs []string
	provider := c.SMSProvider
	if provider == "" {
		provider = "log"
		if c.SMSURL != "" {
			provider = "http"
		}
	}
	switch provider {
	case "http":
		if c.SMSURL == "" {
			errs = append(errs, "sms-url is required when sms-provider is http")
			break
		}
		headers, err := sms.ParseHeaders(c.SMSHeaders)
		if err != nil {
			errs = append(errs, err.Error())
			break
		}
		p, err := sms.NewHTTP(c.SMSURL, c.SMSMethod, headers, c.SMSTemplate)
		if err != nil {
			errs = append(errs, err.Error())
			break
		}
		c.SMS = p
	case "log", "none":
		if c.SMSURL != "" {
			errs = append(errs, "sms-url is set but sms-provider is "+provider+"; use http or leave sms-provider empty")
		}
		c.SMS = nil
	default:
		errs = append(errs, "sms-provider must be log, http or none")
	}
	c.SMSProvider = provider
	c.Webhooks = nil
	for u := range strings.SplitSeq(c.WebhookURLs, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Sprintf("webhook-urls: %q is not an http:// or https:// address", u))
			continue
		}
		c.Webhooks = append(c.Webhooks, u)
	}
	if len(c.Webhooks) > 0 && len(c.WebhookSecret) < 16 {
		errs = append(errs, "webhook-secret of at least 16 characters is required when webhook-urls is set")
	}
	return errs
}

// DescribeError renders field errors in English for the command line, or
// returns "" when err has none.
func DescribeError(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return ""
	}
	parts := make([]string, len(ae.Fields))
	for i, f := range ae.Fields {
		parts[i] = web.FieldText("en", f)
	}
	return strings.Join(parts, "; ")
}
