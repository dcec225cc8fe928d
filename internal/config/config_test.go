package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreTheEmbeddedSQLiteAndPostfixAdminsReleaseSettings(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Driver != "sqlite" || c.Database.DSN == "" || c.BasePath != "/scim/v2" ||
		c.PostfixAdmin.Encrypt != "php_crypt" || c.PostfixAdmin.QuotaMultiplier != 1024000 ||
		!c.PostfixAdmin.DomainPath || c.PostfixAdmin.DomainInMailbox || c.DomainDeleteCascade {
		t.Errorf("defaults = %+v", c)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := `listen: 0.0.0.0:9000
base_path: /scim/v2/
database: {driver: postgres, dsn: "postgres://x@db/pfa", time_zone: Europe/Berlin}
jwt: {secrets: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa], max_lifetime: 1h}
postfixadmin: {encrypt: SHA512-CRYPT, quota_multiplier: 1048576, default_aliases: {abuse: abuse@example.net}}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, env(map[string]string{
		"PFSCIM_LISTEN": "127.0.0.1:9001", "PFSCIM_DB_DRIVER": "mysql", "PFSCIM_JWT_MAX_LIFETIME": "30m",
		"PFSCIM_DOMAIN_DELETE_CASCADE": "true", "PFSCIM_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9001" || c.Database.Driver != "mysql" || c.Database.DSN != "postgres://x@db/pfa" ||
		c.JWT.MaxLifetime != 30*time.Minute || !c.DomainDeleteCascade || c.BasePath != "/scim/v2" ||
		c.PostfixAdmin.Encrypt != "SHA512-CRYPT" || c.PostfixAdmin.QuotaMultiplier != 1048576 ||
		c.PostfixAdmin.DefaultAliases["abuse"] != "abuse@example.net" || len(c.TrustedProxies) != 2 {
		t.Errorf("config = %+v", c)
	}
	if p, err := c.TrustedPrefixes(); err != nil || p[1].String() != "192.0.2.1/32" {
		t.Errorf("prefixes %v, %v", p, err)
	}
}

func TestRejectsBadConfiguration(t *testing.T) {
	tests := map[string]struct {
		env  map[string]string
		file string
		want string
	}{
		"unknown key":           {file: "lisen: x\n", want: "lisen"},
		"bad number":            {env: map[string]string{"PFSCIM_QUOTA_MULTIPLIER": "ten"}, want: "PFSCIM_QUOTA_MULTIPLIER"},
		"zero multiplier":       {env: map[string]string{"PFSCIM_QUOTA_MULTIPLIER": "0"}, want: "quota_multiplier"},
		"short secret":          {env: map[string]string{"PFSCIM_JWT_SECRETS": "short"}, want: "32 characters"},
		"time zone":             {env: map[string]string{"PFSCIM_DB_TIME_ZONE": "Mars/Olympus"}, want: "time_zone"},
		"trusted proxy":         {env: map[string]string{"PFSCIM_TRUSTED_PROXIES": "not-an-ip"}, want: "trusted proxy"},
		"missing file":          {file: "-", want: "no such file"},
		"bad bool":              {env: map[string]string{"PFSCIM_DOMAIN_PATH": "maybe"}, want: "PFSCIM_DOMAIN_PATH"},
		"negative max lifetime": {env: map[string]string{"PFSCIM_JWT_MAX_LIFETIME": "-1h"}, want: "max_lifetime"},
		// PostfixAdmin's hashing library throws on these (not in Crypt::SUPPORTED):
		// hashes written under them could never log in to PostfixAdmin.
		"encrypt SSHA256":      {env: map[string]string{"PFSCIM_ENCRYPT": "SSHA256"}, want: "postfixadmin.encrypt"},
		"encrypt courier:SHA1": {env: map[string]string{"PFSCIM_ENCRYPT": "courier:SHA1"}, want: "postfixadmin.encrypt"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := ""
			if tt.file == "-" {
				path = filepath.Join(t.TempDir(), "absent.yaml")
			} else if tt.file != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				os.WriteFile(path, []byte(tt.file), 0o600)
			}
			_, err := Load(path, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// check-config prints the configuration: no secret may be in it.
func TestRedacted(t *testing.T) {
	for dsn, want := range map[string]string{
		"root:s3cr@t@tcp(127.0.0.1:3306)/postfix?parseTime=true": "root:(hidden)@tcp(127.0.0.1:3306)/postfix?parseTime=true",
		"postfix@unix(/run/mysqld/mysqld.sock)/postfix":          "postfix@unix(/run/mysqld/mysqld.sock)/postfix",
		"postgres://pfa:pw%40x@db.example:5432/postfix":          "postgres://pfa:hidden@db.example:5432/postfix",
		"host=db user=pfa password='a b' dbname=postfix":         "host=db user=pfa password=(hidden) dbname=postfix",
		"host=db user=pfa password=x dbname=postfix":             "host=db user=pfa password=(hidden) dbname=postfix",
		"/var/lib/postfixadmin/postfixadmin.db":                  "/var/lib/postfixadmin/postfixadmin.db",
	} {
		c := Default()
		c.Database.DSN = dsn
		c.JWT.Secrets = []string{"0123456789abcdef0123456789abcdef"}
		c.Bootstrap.Password = "boot"
		r := c.Redacted()
		if r.Database.DSN != want || fmt.Sprint(r.JWT.Secrets) != "[(1 hidden)]" || r.Bootstrap.Password != "(hidden)" {
			t.Errorf("%s → %s (secrets %v, bootstrap %q); want %s", dsn, r.Database.DSN, r.JWT.Secrets, r.Bootstrap.Password, want)
		}
	}
}

func TestPublicURLAndTLSValidation(t *testing.T) {
	for _, tt := range []struct {
		env map[string]string
		ok  bool
	}{
		{map[string]string{"PFSCIM_PUBLIC_URL": "https://scim.example.org/scim/v2/"}, true},
		{map[string]string{"PFSCIM_PUBLIC_URL": "scim.example.org"}, false},
		{map[string]string{"PFSCIM_PUBLIC_URL": "ftp://x/"}, false},
		{map[string]string{"PFSCIM_PUBLIC_URL": "https://u:p@x/"}, false},
		{map[string]string{"PFSCIM_TLS_CERT_FILE": "/c.pem"}, false},
		{map[string]string{"PFSCIM_TLS_CERT_FILE": "/c.pem", "PFSCIM_TLS_KEY_FILE": "/k.pem"}, true},
		{map[string]string{"PFSCIM_LOG_FORMAT": "xml"}, false},
		{map[string]string{"PFSCIM_LOG_LEVEL": "loud"}, false},
	} {
		c, err := Load("", func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
		if (err == nil) != tt.ok {
			t.Errorf("%v: %v", tt.env, err)
		}
		if err == nil && c.PublicURL != "" && strings.HasSuffix(c.PublicURL, "/") {
			t.Errorf("public_url keeps its trailing slash: %q", c.PublicURL)
		}
	}
}

// scripts/deploy/config.example.yaml loads as it is, names every key the
// configuration has, and gives each its default.
func TestExampleConfigIsCompleteAndDefault(t *testing.T) {
	const path = "../../scripts/deploy/config.example.yaml"
	c, err := Load(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	// Printed, so that an empty list in the file equals an unset one.
	if fmt.Sprintf("%+v", c) != fmt.Sprintf("%+v", Default()) {
		t.Errorf("the example's values differ from the defaults:\n%+v\n%+v", c, Default())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, typ reflect.Type, node map[string]any)
	walk = func(prefix string, typ reflect.Type, node map[string]any) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			key := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if key == "" || key == "-" {
				continue
			}
			v, ok := node[key]
			if !ok {
				t.Errorf("config.example.yaml lacks %s%s", prefix, key)
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
				sub, _ := v.(map[string]any)
				walk(prefix+key+".", f.Type, sub)
			}
		}
	}
	walk("", reflect.TypeOf(Config{}), doc)
}
