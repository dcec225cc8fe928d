package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// A database that is down, cut or silent makes requests 503 with Retry-After
// and a SCIM body — never a 500, never a hang — and the server recovers by
// itself when it is back, starting included. The database is reached
// through a proxy the test cuts (loopback only; the database runs on).
func TestDatabaseFaults(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		if engine == sqlstore.SQLite {
			t.Skip("a SQLite file has no connection to lose")
		}
		var proxy *testdb.Proxy
		e := start(t, engine, testdb.Master, true, func(c *config.Config) {
			proxy = testdb.NewProxy(t, testdb.Address(engine, c.Database.DSN))
			proxy.Cut() // down before the server starts
			c.Database.DSN = testdb.Reroute(engine, c.Database.DSN, proxy.Addr())
			c.Database.Timeout = time.Second
		})
		tok := bearer(mintTB(t, adminUser))
		unavailable := func(what string) {
			t.Helper()
			begin := time.Now()
			r := e.do(http.MethodGet, "/Users/alice@example.org", nil, tok)
			expect(t, r, http.StatusServiceUnavailable, "")
			if r.header.Get("Retry-After") == "" {
				t.Errorf("%s: 503 without Retry-After", what)
			}
			if d := time.Since(begin); d > 3*time.Second {
				t.Errorf("%s: 503 after %s", what, d)
			}
		}
		recovered := func(what string) time.Duration {
			t.Helper()
			begin := time.Now()
			for time.Since(begin) < 15*time.Second {
				if e.do(http.MethodGet, "/Users/alice@example.org", nil, tok).status == http.StatusOK {
					return time.Since(begin)
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Fatalf("%s: not recovered after 15 s", what)
			return 0
		}

		expect(t, e.do(http.MethodGet, "/healthz", nil), http.StatusOK, "")
		if r := e.do(http.MethodGet, "/readyz", nil); r.status != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database down: %d", r.status)
		}
		unavailable("down at start")
		proxy.Restore()
		t.Logf("recovered from a start without database in %s", recovered("start"))
		expect(t, e.do(http.MethodGet, "/readyz", nil), http.StatusOK, "")

		proxy.Cut()
		unavailable("cut")
		r := e.do(http.MethodPost, "/Users", userBody("fault@example.org", nil), tok)
		expect(t, r, http.StatusServiceUnavailable, "")
		proxy.Restore()
		t.Logf("recovered from a cut in %s", recovered("cut"))
		if n := count(t, e, "SELECT COUNT(*) FROM mailbox WHERE username = 'fault@example.org'"); n != 0 {
			t.Error("a create refused with 503 wrote its mailbox")
		}

		proxy.BlackHole()
		unavailable("black-holed")
		proxy.Restore()
		t.Logf("recovered from a black hole in %s", recovered("black hole"))
		expect(t, e.do(http.MethodPost, "/Users", userBody("fault@example.org", nil), tok), http.StatusCreated, "")
	})
}
