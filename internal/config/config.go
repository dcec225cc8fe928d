// Package config loads the server's configuration: built-in defaults, then an
// optional YAML file, then PFSCIM_* environment variables, in that order.
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"postfixadmin-scim/internal/pwhash"
)

// Config is everything the server can be told.
type Config struct {
	Listen   string `yaml:"listen"`    // host:port
	BasePath string `yaml:"base_path"` // URL prefix of the SCIM endpoints
	// PublicURL is the API's absolute URL as clients reach it (e.g.
	// https://scim.example.org/scim/v2), for meta.location and Location;
	// empty: built from the request (and trusted proxies' headers).
	PublicURL string `yaml:"public_url"`
	TLS       TLS    `yaml:"tls"`
	// TrustedProxies are the addresses or CIDR ranges whose X-Forwarded-For,
	// -Proto and -Host headers are believed.
	TrustedProxies []string `yaml:"trusted_proxies"`

	Database Database `yaml:"database"`
	JWT      JWT      `yaml:"jwt"`
	Throttle Throttle `yaml:"throttle"`

	PostfixAdmin PostfixAdmin `yaml:"postfixadmin"`

	// ListCountCache is how long a list's totalResults may be reused for
	// the same filter (writes through this server drop it at once; changes
	// made in PostfixAdmin's UI show after at most this long). 0 disables.
	ListCountCache time.Duration `yaml:"list_count_cache"`

	// AdminCache is how long an active superadmin's row is reused for
	// authentication, so a steady client costs one query per request;
	// deactivating or demoting an admin takes effect within it. 0 reads it
	// every time.
	AdminCache time.Duration `yaml:"admin_cache"`

	// DomainDeleteCascade makes DELETE /Domains/{id} remove the domain's
	// mailboxes and aliases as PostfixAdmin does, instead of answering 409.
	DomainDeleteCascade bool `yaml:"domain_delete_cascade"`

	// Bootstrap is the first superadmin of a newly created SQLite database;
	// an empty password means: generate one and print it once.
	Bootstrap Bootstrap `yaml:"bootstrap"`

	Log Log `yaml:"log"`
}

// TLS makes the server speak HTTPS itself; the files are read again on
// SIGHUP and when they change (a renewed certificate needs no restart).
type TLS struct {
	CertFile string `yaml:"cert_file"` // PEM certificate chain
	KeyFile  string `yaml:"key_file"`  // PEM private key
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// Log is how the server logs: one line per request and per event.
type Log struct {
	Format string `yaml:"format"` // text (logfmt) or json
	Level  string `yaml:"level"`  // debug, info, warn or error
}

// SlogLevel is Level for log/slog.
func (l Log) SlogLevel() (slog.Level, error) {
	var v slog.Level
	err := v.UnmarshalText([]byte(l.Level))
	return v, err
}

type Database struct {
	Driver   string `yaml:"driver"` // sqlite, mysql or postgres
	DSN      string `yaml:"dsn"`    // a file path for sqlite
	TimeZone string `yaml:"time_zone"`
	Pool     Pool   `yaml:"pool"`
	// Timeout bounds each request's database work: a database that stops
	// answering yields 503 after it instead of a hung request. 0: none.
	Timeout time.Duration `yaml:"timeout"`
}

// Pool bounds the connections to the database (for SQLite: the readers;
// SQLite has one writer).
type Pool struct {
	MaxOpen int `yaml:"max_open"`
	// MaxIdle connections are kept between requests; equal to MaxOpen by
	// default, so a burst does not open (and close) connections.
	MaxIdle int `yaml:"max_idle"`
	// MaxLifetime and MaxIdleTime recycle connections before the server's
	// own timeouts cut them (MariaDB's wait_timeout is 8 h by default; proxies
	// and firewalls often drop idle connections after minutes).
	MaxLifetime time.Duration `yaml:"max_lifetime"`
	MaxIdleTime time.Duration `yaml:"max_idle_time"`
}

type JWT struct {
	// Secrets are the HS256 keys; tokens signed with any of them are accepted
	// (so a secret can be rotated), new tokens are signed with the first.
	Secrets     []string      `yaml:"secrets"`
	MaxLifetime time.Duration `yaml:"max_lifetime"`
	// Issuer and Audience, when set, are required as the tokens' iss and
	// aud claims (and written into tokens the token command mints).
	Issuer   string `yaml:"issuer"`
	Audience string `yaml:"audience"`
}

// Throttle slows credential guessing.
type Throttle struct {
	// AddressFailures failed logins per client address, and
	// UsernameFailures per username, are allowed per Window; beyond that
	// the client is answered 429 with Retry-After until the bucket refills.
	// 0 disables that limit. A username's limit does not apply to an
	// address that user logged in from within the last day.
	AddressFailures  int           `yaml:"address_failures"`
	UsernameFailures int           `yaml:"username_failures"`
	Window           time.Duration `yaml:"window"`
	// FailureDelay is the least time a failed password login takes, so its
	// timing tells nothing (it also slows guessing).
	FailureDelay time.Duration `yaml:"failure_delay"`
}

// PostfixAdmin mirrors the $CONF settings of config.inc.php that change what
// is written to the database. Keep them equal to PostfixAdmin's own.
type PostfixAdmin struct {
	Encrypt         string `yaml:"encrypt"`
	QuotaMultiplier int64  `yaml:"quota_multiplier"`
	DomainPath      bool   `yaml:"domain_path"`
	DomainInMailbox bool   `yaml:"domain_in_mailbox"`
	// Defaults for new domains: $CONF['aliases'], ['mailboxes'], ['maxquota'],
	// ['domain_quota_default'], ['transport_default'] and the default password expiry.
	DefaultAliasLimit   int64  `yaml:"aliases"`
	DefaultMailboxLimit int64  `yaml:"mailboxes"`
	DefaultMaxQuota     int64  `yaml:"maxquota"`
	DefaultDomainQuota  int64  `yaml:"domain_quota_default"`
	DefaultTransport    string `yaml:"transport_default"`
	DefaultPasswordExp  int64  `yaml:"password_expiry_default"`
	// DefaultAliases ($CONF['default_aliases']) are created with every new
	// domain: local part → target; a target without '@' gets "@<domain>".
	DefaultAliases map[string]string `yaml:"default_aliases"`
	VacationDomain string            `yaml:"vacation_domain"`
	// Quota ($CONF['quota']) and DomainQuota ($CONF['domain_quota']) enforce
	// mailbox quotas against the domain's maxquota and total quota.
	Quota       bool `yaml:"quota"`
	DomainQuota bool `yaml:"domain_quota"`
	// PasswordExpiration ($CONF['password_expiration']) takes a password's
	// lifetime from its domain's password_expiry.
	PasswordExpiration bool `yaml:"password_expiration"`
	// PasswordValidation ($CONF['password_validation']): rules every new password must match.
	PasswordValidation []pwhash.Rule `yaml:"password_validation"`
}

type Bootstrap struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Default returns the configuration used when nothing is configured: the
// embedded SQLite database and PostfixAdmin's release defaults.
func Default() Config {
	return Config{
		Listen:   "127.0.0.1:8080",
		BasePath: "/scim/v2",
		Database: Database{Driver: "sqlite", DSN: "postfixadmin-scim.db", TimeZone: "UTC",
			Pool: Pool{MaxOpen: 20, MaxIdle: 20, MaxLifetime: 30 * time.Minute, MaxIdleTime: 5 * time.Minute}, Timeout: 10 * time.Second},
		JWT:      JWT{MaxLifetime: 24 * time.Hour},
		Throttle: Throttle{AddressFailures: 10, UsernameFailures: 20, Window: time.Minute, FailureDelay: 300 * time.Millisecond},
		PostfixAdmin: PostfixAdmin{
			Encrypt: "php_crypt", QuotaMultiplier: 1024000, DomainPath: true,
			DefaultAliasLimit: 10, DefaultMailboxLimit: 10, DefaultMaxQuota: 10, DefaultDomainQuota: 2048,
			DefaultTransport: "virtual", DefaultPasswordExp: 365,
			VacationDomain: "autoreply.change-this-to-your.domain.tld",
			Quota:          true, DomainQuota: true, PasswordExpiration: true,
			PasswordValidation: pwhash.DefaultRules,
		},
		Bootstrap:      Bootstrap{Username: "admin@example.org"},
		Log:            Log{Format: "text", Level: "info"},
		ListCountCache: 5 * time.Second,
		AdminCache:     time.Second,
	}
}

// Load reads the YAML file at path (none if empty), then the environment.
func Load(path string, env func(string) (string, bool)) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // an empty file is fine
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for _, v := range envVars(&c) {
		s, ok := env(v.name)
		if !ok {
			continue
		}
		if err := v.set(s); err != nil {
			return c, fmt.Errorf("config: %s=%q: %w", v.name, s, err)
		}
	}
	c.BasePath = "/" + strings.Trim(c.BasePath, "/")
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	return c, c.validate()
}

type envVar struct {
	name string
	set  func(string) error
}

// envVars lists every environment variable and the field it overrides.
func envVars(c *Config) []envVar {
	str := func(p *string) func(string) error { return func(s string) error { *p = s; return nil } }
	num := func(p *int64) func(string) error {
		return func(s string) (err error) { *p, err = strconv.ParseInt(s, 10, 64); return }
	}
	integer := func(p *int) func(string) error {
		return func(s string) (err error) { *p, err = strconv.Atoi(s); return }
	}
	dur := func(p *time.Duration) func(string) error {
		return func(s string) (err error) { *p, err = time.ParseDuration(s); return }
	}
	flag := func(p *bool) func(string) error {
		return func(s string) (err error) { *p, err = strconv.ParseBool(s); return }
	}
	list := func(p *[]string) func(string) error {
		return func(s string) error { *p = splitList(s); return nil }
	}
	pa := &c.PostfixAdmin
	return []envVar{
		{"PFSCIM_LISTEN", str(&c.Listen)},
		{"PFSCIM_BASE_PATH", str(&c.BasePath)},
		{"PFSCIM_PUBLIC_URL", str(&c.PublicURL)},
		{"PFSCIM_TLS_CERT_FILE", str(&c.TLS.CertFile)},
		{"PFSCIM_TLS_KEY_FILE", str(&c.TLS.KeyFile)},
		{"PFSCIM_TRUSTED_PROXIES", list(&c.TrustedProxies)},
		{"PFSCIM_DB_DRIVER", str(&c.Database.Driver)},
		{"PFSCIM_DB_DSN", str(&c.Database.DSN)},
		{"PFSCIM_DB_TIME_ZONE", str(&c.Database.TimeZone)},
		{"PFSCIM_DB_POOL_MAX_OPEN", integer(&c.Database.Pool.MaxOpen)},
		{"PFSCIM_DB_POOL_MAX_IDLE", integer(&c.Database.Pool.MaxIdle)},
		{"PFSCIM_DB_POOL_MAX_LIFETIME", dur(&c.Database.Pool.MaxLifetime)},
		{"PFSCIM_DB_POOL_MAX_IDLE_TIME", dur(&c.Database.Pool.MaxIdleTime)},
		{"PFSCIM_DB_TIMEOUT", dur(&c.Database.Timeout)},
		{"PFSCIM_ADMIN_CACHE", dur(&c.AdminCache)},
		{"PFSCIM_JWT_SECRETS", list(&c.JWT.Secrets)},
		{"PFSCIM_JWT_MAX_LIFETIME", func(s string) (err error) { c.JWT.MaxLifetime, err = time.ParseDuration(s); return }},
		{"PFSCIM_JWT_ISSUER", str(&c.JWT.Issuer)},
		{"PFSCIM_JWT_AUDIENCE", str(&c.JWT.Audience)},
		{"PFSCIM_THROTTLE_ADDRESS_FAILURES", integer(&c.Throttle.AddressFailures)},
		{"PFSCIM_THROTTLE_USERNAME_FAILURES", integer(&c.Throttle.UsernameFailures)},
		{"PFSCIM_THROTTLE_WINDOW", dur(&c.Throttle.Window)},
		{"PFSCIM_THROTTLE_FAILURE_DELAY", dur(&c.Throttle.FailureDelay)},
		{"PFSCIM_ENCRYPT", str(&pa.Encrypt)},
		{"PFSCIM_QUOTA_MULTIPLIER", num(&pa.QuotaMultiplier)},
		{"PFSCIM_DOMAIN_PATH", flag(&pa.DomainPath)},
		{"PFSCIM_DOMAIN_IN_MAILBOX", flag(&pa.DomainInMailbox)},
		{"PFSCIM_QUOTA", flag(&pa.Quota)},
		{"PFSCIM_DOMAIN_QUOTA", flag(&pa.DomainQuota)},
		{"PFSCIM_PASSWORD_EXPIRATION", flag(&pa.PasswordExpiration)},
		{"PFSCIM_DOMAIN_DELETE_CASCADE", flag(&c.DomainDeleteCascade)},
		{"PFSCIM_LIST_COUNT_CACHE", func(s string) (err error) { c.ListCountCache, err = time.ParseDuration(s); return }},
		{"PFSCIM_BOOTSTRAP_USERNAME", str(&c.Bootstrap.Username)},
		{"PFSCIM_BOOTSTRAP_PASSWORD", str(&c.Bootstrap.Password)},
		{"PFSCIM_LOG_FORMAT", str(&c.Log.Format)},
		{"PFSCIM_LOG_LEVEL", str(&c.Log.Level)},
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Location is the database clock's time zone.
func (c Config) Location() (*time.Location, error) {
	return time.LoadLocation(c.Database.TimeZone)
}

// TrustedPrefixes parses TrustedProxies.
func (c Config) TrustedPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p)
	}
	return out, nil
}

func (c Config) validate() error {
	var errs []error
	if _, err := c.Location(); err != nil {
		errs = append(errs, fmt.Errorf("database.time_zone: %w", err))
	}
	if _, err := c.TrustedPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if c.PostfixAdmin.QuotaMultiplier <= 0 {
		errs = append(errs, errors.New("postfixadmin.quota_multiplier must be positive"))
	}
	if _, err := pwhash.NewPolicy(c.PostfixAdmin.PasswordValidation); err != nil {
		errs = append(errs, fmt.Errorf("postfixadmin.password_validation: %w", err))
	}
	if _, err := pwhash.Parse(c.PostfixAdmin.Encrypt); err != nil {
		errs = append(errs, fmt.Errorf("postfixadmin.encrypt: %w", err))
	}
	if c.ListCountCache < 0 {
		errs = append(errs, errors.New("list_count_cache must not be negative"))
	}
	if c.AdminCache < 0 || c.AdminCache > 2*time.Second {
		errs = append(errs, errors.New("admin_cache must be between 0 and 2s: it bounds how long a deactivated admin keeps access"))
	}
	if p := c.Database.Pool; p.MaxOpen < 1 || p.MaxIdle < 0 || p.MaxIdle > p.MaxOpen || p.MaxLifetime < 0 || p.MaxIdleTime < 0 {
		errs = append(errs, errors.New("database.pool: max_open ≥ 1, 0 ≤ max_idle ≤ max_open, lifetimes ≥ 0"))
	}
	if c.Database.Timeout < 0 {
		errs = append(errs, errors.New("database.timeout must not be negative"))
	}
	if t := c.Throttle; t.AddressFailures < 0 || t.UsernameFailures < 0 || t.FailureDelay < 0 || t.FailureDelay > 5*time.Second ||
		((t.AddressFailures > 0 || t.UsernameFailures > 0) && t.Window <= 0) {
		errs = append(errs, errors.New("throttle: failures must be ≥ 0 with a positive window, failure_delay between 0 and 5s"))
	}
	if c.JWT.MaxLifetime <= 0 {
		errs = append(errs, errors.New("jwt.max_lifetime must be positive"))
	}
	for _, s := range c.JWT.Secrets {
		if len(s) < 32 {
			errs = append(errs, errors.New("jwt.secrets: each secret needs at least 32 characters"))
			break
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs = append(errs, errors.New("public_url must be an absolute http(s) URL without query, e.g. https://scim.example.org/scim/v2"))
		}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("tls: set both cert_file and key_file"))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, errors.New("log.format must be text or json"))
	}
	if _, err := c.Log.SlogLevel(); err != nil {
		errs = append(errs, errors.New("log.level must be debug, info, warn or error"))
	}
	if !strings.HasPrefix(c.BasePath, "/") {
		errs = append(errs, errors.New("base_path must start with '/'"))
	}
	return errors.Join(errs...)
}

// Redacted is c without its secrets, for printing: JWT secrets, the
// bootstrap password and the password in the database DSN are replaced.
func (c Config) Redacted() Config {
	const hidden = "(hidden)"
	if n := len(c.JWT.Secrets); n > 0 {
		c.JWT.Secrets = []string{fmt.Sprintf("(%d hidden)", n)}
	}
	if c.Bootstrap.Password != "" {
		c.Bootstrap.Password = hidden
	}
	c.Database.DSN = redactDSN(c.Database.DSN)
	return c
}

var (
	// user:password@tcp(...) in go-sql-driver/mysql's DSN format (the
	// password may hold '@': the address part starts at the last "@tcp(").
	mysqlPassword = regexp.MustCompile(`^([^:/@]*):(.*)@((?:tcp|unix)?\()`)
	// password=... in PostgreSQL's key=value form.
	pgPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)
)

func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "hidden")
			return u.String()
		}
		return dsn
	}
	dsn = mysqlPassword.ReplaceAllString(dsn, "${1}:(hidden)@${3}")
	return pgPassword.ReplaceAllString(dsn, "${1}(hidden)")
}
