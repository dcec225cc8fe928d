package e2e_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// Issue 12: "a test runs the e2e suite's traffic with known passwords and
// tokens and scans every log line and every response (bodies, headers,
// meta.location) for the passwords, their hashes, the tokens and the
// Authorization header". RFC 7643 §7: password is "returned: never".
// Security headers and the absence of cookies and CORS are checked on every
// answer of the same traffic.
func TestSecretsNeverLeave(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		token := mintTB(t, adminUser)
		const (
			wrongPass = "Wr0ng-Guess-Secret"
			pass1     = "Us3r-Secret-Pass-1"
			pass2     = "Us3r-Secret-Pass-2"
			pass3     = "Us3r-Secret-Pass-3"
		)
		origin := header("Origin", "https://evil.example")
		user := "secret.keeper@example.org"

		r := e.do("POST", "/Users", userBody(user, map[string]any{"password": pass1}), bearer(token), origin)
		expect(t, r, http.StatusCreated, "")
		id := r.json(t)["id"].(string)
		hashes := []string{mailboxHash(t, e, user)}
		expect(t, e.do("PUT", "/Users/"+id, userBody(user, map[string]any{"password": pass2}), asAdmin()), http.StatusOK, "")
		hashes = append(hashes, mailboxHash(t, e, user))
		patch := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "password", "value": pass3}}}
		expect(t, e.do("PATCH", "/Users/"+id, patch, asAdmin()), http.StatusOK, "")
		hashes = append(hashes, mailboxHash(t, e, user))
		// Requests that fail while carrying passwords: the error must not echo them.
		expect(t, e.do("POST", "/Users", userBody("bad name@example.org", map[string]any{"password": pass1}), asAdmin()), http.StatusBadRequest, "invalidValue")
		expect(t, e.do("POST", "/Users", userBody(user, map[string]any{"password": pass1}), asAdmin()), http.StatusConflict, "uniqueness")
		e.do("POST", "/Users", userBody("other@example.org", map[string]any{"password": pass1, "active": "yes"}), asAdmin())
		e.do("PATCH", "/Users/"+id, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "password", "value": []string{pass1}}}}, asAdmin())
		expect(t, e.do("GET", "/Users?filter="+url.QueryEscape(`password eq "`+pass3+`"`), nil, asAdmin()), http.StatusBadRequest, "invalidFilter")
		// Reads, including asking for the password explicitly.
		for _, path := range []string{"/Users/" + id, "/Users/" + id + "?attributes=password", "/Users?filter=" + url.QueryEscape(`userName eq "`+user+`"`), "/Me"} {
			e.do("GET", path, nil, asAdmin(), origin)
		}
		expect(t, e.do("GET", "/Users/"+id, nil, basic(adminUser, wrongPass)), http.StatusUnauthorized, "")
		expect(t, e.do("GET", "/Users/"+id, nil, bearer(token+"x")), http.StatusUnauthorized, "")
		e.do("GET", "/healthz", nil)
		e.do("GET", "/nowhere", nil, asAdmin())
		e.do("DELETE", "/Users", nil, asAdmin())
		expect(t, e.do("DELETE", "/Users/"+id, nil, asAdmin()), http.StatusNoContent, "")

		var adminHash string
		if err := e.db.Raw.QueryRow("SELECT password FROM admin WHERE username = '" + adminUser + "'").Scan(&adminHash); err != nil {
			t.Fatal(err)
		}
		secrets := map[string]string{
			"admin password": adminPass, "wrong password": wrongPass, "user password 1": pass1, "user password 2": pass2,
			"user password 3": pass3, "token": token, "admin hash": adminHash,
			"Basic credentials": base64.StdEncoding.EncodeToString([]byte(adminUser + ":" + adminPass)),
		}
		for i, h := range hashes {
			secrets["mailbox hash "+string(rune('1'+i))] = h
		}
		logs := e.logs.String()
		if !strings.Contains(logs, `"msg":"request"`) {
			t.Fatal("no request log captured: the scan would prove nothing")
		}
		if strings.Contains(strings.ToLower(logs), "authorization") {
			t.Error("the logs mention the Authorization header")
		}
		e.mu.Lock()
		seen := e.seen
		e.mu.Unlock()
		if len(seen) < 15 {
			t.Fatalf("only %d responses recorded", len(seen))
		}
		for name, secret := range secrets {
			if secret == "" {
				t.Fatalf("%s is empty", name)
			}
			if strings.Contains(logs, secret) {
				t.Errorf("the %s is in the logs", name)
			}
			for _, r := range seen {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("the %s is in a %d body: %s", name, r.status, r.body)
				}
				for k, vs := range r.header {
					for _, v := range vs {
						if strings.Contains(v, secret) {
							t.Errorf("the %s is in header %s of a %d", name, k, r.status)
						}
					}
				}
			}
		}
		for _, r := range seen {
			for k, want := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
				if got := r.header.Get(k); got != want {
					t.Errorf("a %d answer has %s %q, want %q", r.status, k, got, want)
				}
			}
			for _, k := range []string{"Set-Cookie", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"} {
				if v := r.header.Get(k); v != "" {
					t.Errorf("a %d answer sets %s: %q", r.status, k, v)
				}
			}
		}
	})
}

func mailboxHash(t *testing.T, e *env, user string) string {
	t.Helper()
	var h string
	if err := e.db.Raw.QueryRow("SELECT password FROM mailbox WHERE username = '" + user + "'").Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}
