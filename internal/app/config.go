// Package app wires kesu together: configuration, database, services, the
// HTTP handler and background work. cmd/kesu and end-to-end tests use it.
package app

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
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
	// SessionIdle ends a staff session after this long without use,
	// SessionMax in any case; LoginRate is how many failed sign-ins one
	// client address may make per 15 minutes; HSTS, when set, is the
	// max-age of the Strict-Transport-Security header (HTTPS only).
	SessionIdle  time.Duration
	SessionMax   time.Duration
	LoginRate    int
	HSTS         time.Duration
	Workflow     string // workflow profile of new complaints
	WorkflowFile string // an administrator's definition file, imported at start; its profile becomes the default
	DebugAddr    string // loopback address of the Go profiler (/debug/pprof/); empty: off
	// RetentionDays is how long a closed complaint keeps its personal data
	// before the retention job erases it; 0: until erased on request.
	RetentionDays int
	// AuditAnchor is a file outside the database to which the audit chain's
	// head is appended every AuditAnchorMinutes; empty: off.
	AuditAnchor        string
	AuditAnchorMinutes int
	// AuditKeyFile holds the HMAC key of the audit chain (key = …) and,
	// once used, the entry it applies from (from = …); empty: no key.
	AuditKeyFile string
	MetricsToken string // bearer token that /metrics requires
	MetricsAddr  string // separate listener of /metrics; empty: on addr, with metrics-token
	// Mail intake (docs/mail.md): the SMTP receiver and the IMAP poller,
	// both off by default.
	MailListen   string // address of the SMTP receiver, e.g. :2525; empty: off
	MailDomains  string // comma-separated recipient domains the receiver accepts
	IMAPHost     string // empty: no polling
	IMAPPort     int
	IMAPUser     string
	IMAPPassword string
	IMAPTLS      string // tls, starttls or none
	IMAPMailbox  string
	IMAPPoll     string // poll interval (Go duration) when the server has no IDLE, and the longest IDLE
	LabourRate   string // costing rule: labour per hour, in major units ("80.00")
	ReturnRate   string // costing rule: handling of one returned unit, in major units ("50.00")
	// ReturnTolerance is the company's over-quantity tolerance of returns
	// 超量允收比率 in percent ("5.00"), for customers that name none.
	ReturnTolerance string
	// AllowanceRate is the company's after-sales allowance of dealers in
	// percent of purchases ("0.50"), for dealers without their own.
	AllowanceRate string

	Loc     *time.Location    `json:"-"`
	Pattern complaint.Pattern `json:"-"`
	Rates   money.Rates       `json:"-"` // LabourRate and ReturnRate in fen
	// ReturnToleranceBP is ReturnTolerance in basis points.
	ReturnToleranceBP int64 `json:"-"`
	// AllowanceRateBP is AllowanceRate in basis points.
	AllowanceRateBP int64 `json:"-"`
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
		LogLevel: "info", LogFormat: "text",
		SessionIdle: 8 * time.Hour, SessionMax: 12 * time.Hour, LoginRate: 20,
		AuditAnchorMinutes: 60,
		IMAPPort:           993, IMAPTLS: "tls", IMAPMailbox: "INBOX", IMAPPoll: "60s",
		LabourRate: money.Format(money.DefaultRates.LabourPerHour), ReturnRate: money.Format(money.DefaultRates.ReturnPerUnit),
		ReturnTolerance: money.Format(money.DefaultReturnTolerance), AllowanceRate: "0.50",
	}
}

// option describes one setting for flags, environment and file.
type option struct {
	name, usage string
	str         *string
	num         *int
	boolean     *bool
	dur         *time.Duration
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
		{name: "session-idle", usage: "a staff session ends after this long without use (e.g. 8h, 30m)", dur: &c.SessionIdle},
		{name: "session-max", usage: "a staff session ends this long after sign-in however busy (e.g. 12h)", dur: &c.SessionMax},
		{name: "login-rate", usage: "failed sign-ins one client address may make per 15 minutes, whatever user names it tries", num: &c.LoginRate},
		{name: "hsts", usage: "max-age of the Strict-Transport-Security header (e.g. 365d) when kesu is served over HTTPS; 0: no header", dur: &c.HSTS},
		{name: "workflow", usage: "workflow profile of new complaints: manufacturer, service, bank or one an administrator uploaded", str: &c.Workflow},
		{name: "debug-addr", usage: "address of the Go profiler /debug/pprof/, for measuring (keep it on 127.0.0.1); empty: off", str: &c.DebugAddr},
		{name: "retention-days", usage: "days a closed complaint keeps its personal data before it is erased; 0: until erased on request", num: &c.RetentionDays},
		{name: "audit-anchor", usage: "file outside the database to which the audit chain's head is appended on a schedule; empty: off", str: &c.AuditAnchor},
		{name: "audit-anchor-minutes", usage: "minutes between two audit anchors", num: &c.AuditAnchorMinutes},
		{name: "audit-key-file", usage: "file with the HMAC key of the audit chain (a line key = at least 32 characters); kesu adds the entry it applies from", str: &c.AuditKeyFile},
		{name: "metrics-token", usage: "bearer token that /metrics requires (at least 16 characters); without it and metrics-addr /metrics is off", str: &c.MetricsToken},
		{name: "metrics-addr", usage: "separate address that serves /metrics (e.g. 127.0.0.1:9090) instead of addr; empty: /metrics on addr, with metrics-token", str: &c.MetricsAddr},
		{name: "mail-listen", usage: "address of the SMTP receiver that takes complaint mail in (e.g. :2525); empty: off", str: &c.MailListen},
		{name: "mail-domains", usage: "comma-separated recipient domains the SMTP receiver accepts (required with mail-listen)", str: &c.MailDomains},
		{name: "imap-host", usage: "IMAP server whose mailbox is polled for complaint mail; empty: off", str: &c.IMAPHost},
		{name: "imap-port", usage: "IMAP port", num: &c.IMAPPort},
		{name: "imap-user", usage: "IMAP user name", str: &c.IMAPUser},
		{name: "imap-password", usage: "IMAP password", str: &c.IMAPPassword},
		{name: "imap-tls", usage: "tls, starttls or none", str: &c.IMAPTLS},
		{name: "imap-mailbox", usage: "IMAP mailbox to read", str: &c.IMAPMailbox},
		{name: "imap-poll", usage: "IMAP poll interval (e.g. 60s) when the server offers no IDLE; also the longest IDLE", str: &c.IMAPPoll},
		{name: "labour-rate", usage: "loss costing: labour cost per hour in major units, e.g. 80.00", str: &c.LabourRate},
		{name: "return-rate", usage: "loss costing: handling cost of one returned unit in major units, e.g. 50.00", str: &c.ReturnRate},
		{name: "allowance-rate", usage: "dealers: after-sales allowance in percent of purchases for dealers without their own, e.g. 0.50", str: &c.AllowanceRate},
		{name: "return-tolerance", usage: "returns: over-quantity tolerance in percent for customers that name none, e.g. 5.00", str: &c.ReturnTolerance},
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
		case o.dur != nil:
			d, err := ParseDuration(val)
			if err != nil {
				return fmt.Errorf("%s: %s must be a duration like 30m, 8h or 365d, got %q", source, o.name, val)
			}
			*o.dur = d
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

// ParseDuration reads a Go duration (90s, 30m, 8h) or a number of days
// (365d); "0" is zero.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100000 {
			return 0, fmt.Errorf("bad number of days %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
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
	if c.RetentionDays < 0 || c.RetentionDays > 36500 {
		errs = append(errs, "retention-days must be between 0 (off) and 36500")
	}
	if c.AuditAnchorMinutes < 1 || c.AuditAnchorMinutes > 7*24*60 {
		errs = append(errs, "audit-anchor-minutes must be between 1 and 10080")
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
	errs = append(errs, c.validateMail()...)
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
	if bp, err := money.ParseTolerance(c.ReturnTolerance); err != nil {
		errs = append(errs, "return-tolerance must be a percentage from 0 to 100 with at most two decimals, e.g. 5.00")
	} else {
		c.ReturnToleranceBP = bp
	}
	if bp, err := money.ParseTolerance(c.AllowanceRate); err != nil {
		errs = append(errs, "allowance-rate must be a percentage from 0 to 100 with at most two decimals, e.g. 0.50")
	} else {
		c.AllowanceRateBP = bp
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, "log-level must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, "log-format must be text or json")
	}
	if c.SessionIdle < time.Minute {
		errs = append(errs, "session-idle must be at least 1m")
	}
	if c.SessionMax < c.SessionIdle {
		errs = append(errs, "session-max must be at least session-idle")
	}
	if c.LoginRate < 1 {
		errs = append(errs, "login-rate must be at least 1")
	}
	if c.HSTS < 0 {
		errs = append(errs, "hsts must not be negative")
	}
	if c.AdminPassword != "" && len([]rune(c.AdminPassword)) < 8 {
		errs = append(errs, "admin-password must have at least 8 characters")
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, "metrics-token must have at least 16 characters")
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		errs = append(errs, "metrics-addr must differ from addr")
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

// validateMail checks the mail intake settings.
func (c *Config) validateMail() []string {
	var errs []string
	if c.MailListen != "" {
		if _, _, err := net.SplitHostPort(c.MailListen); err != nil {
			errs = append(errs, fmt.Sprintf("mail-listen %q must be host:port or :port", c.MailListen))
		}
		if len(c.MailDomainList()) == 0 {
			errs = append(errs, "mail-domains is required when mail-listen is set")
		}
	}
	if c.IMAPHost != "" {
		if c.IMAPPort < 1 || c.IMAPPort > 65535 {
			errs = append(errs, "imap-port must be between 1 and 65535")
		}
		switch c.IMAPTLS {
		case "tls", "starttls", "none":
		default:
			errs = append(errs, "imap-tls must be tls, starttls or none")
		}
		if c.IMAPUser == "" {
			errs = append(errs, "imap-user is required when imap-host is set")
		}
		if strings.TrimSpace(c.IMAPMailbox) == "" {
			errs = append(errs, "imap-mailbox must not be empty")
		}
	}
	if d, err := time.ParseDuration(c.IMAPPoll); err != nil || d < time.Second || d > 24*time.Hour {
		errs = append(errs, fmt.Sprintf("imap-poll %q must be a duration between 1s and 24h", c.IMAPPoll))
	}
	return errs
}

// MailDomainList is mail-domains as a list.
func (c Config) MailDomainList() []string {
	var out []string
	for _, d := range strings.Split(c.MailDomains, ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// IMAPPollEvery is imap-poll as a duration.
func (c Config) IMAPPollEvery() time.Duration {
	d, _ := time.ParseDuration(c.IMAPPoll)
	return d
}
