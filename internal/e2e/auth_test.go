package e2e_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Only active PostfixAdmin superadmins get in, by Basic or Bearer; everyone
// else gets 401 with a SCIM body and a WWW-Authenticate challenge.
func TestAuthentication(t *testing.T) {
	const adminCache = 300 * time.Millisecond
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true, func(c *config.Config) { c.AdminCache = adminCache })
		now := time.Now()
		exp := now.Add(30 * time.Minute).Unix()
		secret := []byte(jwtSecret)
		// MySQL's latin1_general_ci columns make PostfixAdmin's login case-insensitive there.
		upperCaseLogin := http.StatusUnauthorized
		if engine == sqlstore.MySQL {
			upperCaseLogin = http.StatusOK
		}
		tests := []struct {
			name   string
			opt    reqOpt
			status int
		}{
			{"no credentials", nil, http.StatusUnauthorized},
			{"superadmin bcrypt", basic(adminUser, adminPass), http.StatusOK},
			{"superadmin SHA512-CRYPT", basic("superadmin2@example.org", "Super-Admin-2"), http.StatusOK},
			{"username case", basic("ADMIN@example.org", adminPass), upperCaseLogin},
			{"wrong password", basic(adminUser, adminPass+"x"), http.StatusUnauthorized},
			{"empty password", basic(adminUser, ""), http.StatusUnauthorized},
			{"domain admin", basic("domainadmin@example.org", "Domain-Admin-1"), http.StatusUnauthorized},
			{"mailbox user", basic("alice@example.org", "Alice-Pass-1"), http.StatusUnauthorized},
			{"unknown user", basic("nobody@example.org", adminPass), http.StatusUnauthorized},
			{"malformed basic", header("Authorization", "Basic %%%"), http.StatusUnauthorized},
			{"other scheme", header("Authorization", "Digest abc"), http.StatusUnauthorized},
			{"bearer minted", bearer(mint(t, adminUser, 10*time.Minute)), http.StatusOK},
			{"bearer user claim", bearer(signed(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"user": adminUser, "exp": exp})), http.StatusOK},
			{"bearer domain admin", bearer(mint(t, "domainadmin@example.org", time.Minute)), http.StatusUnauthorized},
			{"bearer unknown user", bearer(mint(t, "nobody@example.org", time.Minute)), http.StatusUnauthorized},
			{"bearer no subject", bearer(signed(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"exp": exp})), http.StatusUnauthorized},
			{"bearer no exp", bearer(signed(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": adminUser})), http.StatusUnauthorized},
			{"bearer expired", bearer(signed(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": adminUser, "exp": now.Add(-time.Hour).Unix()})), http.StatusUnauthorized},
			{"bearer beyond max lifetime", bearer(signed(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": adminUser, "exp": now.Add(48 * time.Hour).Unix()})), http.StatusUnauthorized},
			{"bearer wrong secret", bearer(signed(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), jwt.MapClaims{"sub": adminUser, "exp": exp})), http.StatusUnauthorized},
			{"bearer HS512", bearer(signed(t, jwt.SigningMethodHS512, secret, jwt.MapClaims{"sub": adminUser, "exp": exp})), http.StatusUnauthorized},
			{"bearer alg none", bearer(signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": adminUser, "exp": exp})), http.StatusUnauthorized},
			{"bearer garbage", bearer("not.a.token"), http.StatusUnauthorized},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var opts []reqOpt
				if tt.opt != nil {
					opts = append(opts, tt.opt)
				}
				r := e.do(http.MethodGet, "/Domains", nil, opts...)
				expect(t, r, tt.status, "")
				if tt.status == http.StatusUnauthorized && len(r.header.Values("WWW-Authenticate")) == 0 {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}

		// The admin row is reused for at most admin_cache (≤ 2 s): a
		// deactivated or demoted admin is refused once it has passed.
		for _, change := range []struct{ name, set string }{
			{"deactivated", "active = " + boolLiteral(engine, false)},
			{"demoted to domain admin", "superadmin = " + boolLiteral(engine, false)},
		} {
			t.Run(change.name+" after minting", func(t *testing.T) {
				tok := mint(t, "superadmin2@example.org", 10*time.Minute)
				expect(t, e.do(http.MethodGet, "/Domains", nil, bearer(tok)), http.StatusOK, "")
				if _, err := e.db.Raw.Exec("UPDATE admin SET " + change.set + " WHERE username = 'superadmin2@example.org'"); err != nil {
					t.Fatal(err)
				}
				time.Sleep(adminCache + 50*time.Millisecond)
				expect(t, e.do(http.MethodGet, "/Domains", nil, bearer(tok)), http.StatusUnauthorized, "")
				expect(t, e.do(http.MethodGet, "/Domains", nil, basic("superadmin2@example.org", "Super-Admin-2")), http.StatusUnauthorized, "")
				if _, err := e.db.Raw.Exec("UPDATE admin SET active = " + boolLiteral(engine, true) + ", superadmin = " + boolLiteral(engine, true) + " WHERE username = 'superadmin2@example.org'"); err != nil {
					t.Fatal(err)
				}
				time.Sleep(adminCache + 50*time.Millisecond)
			})
		}
	})
}

// Every operation in the spec refuses anonymous requests, except those that
// declare security: [] (the operations endpoints), which answer them.
func TestEveryRouteRequiresAuthentication(t *testing.T) {
	e := start(t, sqlstore.SQLite, testdb.Master, true)
	spec, err := api.GetSwagger()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			p := pathParam.ReplaceAllString(path, "example.org")
			r := e.do(method, p, nil)
			public := op.Security != nil && len(*op.Security) == 0
			if public != (r.status != http.StatusUnauthorized) {
				t.Errorf("%s %s anonymously: %d (public: %v)", method, p, r.status, public)
			}
			if public && !strings.HasPrefix(path, "/healthz") && !strings.HasPrefix(path, "/readyz") && !strings.HasPrefix(path, "/metrics") && !strings.HasPrefix(path, "/openapi.") {
				t.Errorf("%s %s is public", method, path)
			}
		}
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// boolLiteral spells a boolean for raw SQL on engine.
func boolLiteral(engine sqlstore.Engine, b bool) string {
	switch {
	case engine == sqlstore.PostgreSQL && b:
		return "true"
	case engine == sqlstore.PostgreSQL:
		return "false"
	case b:
		return "1"
	}
	return "0"
}
