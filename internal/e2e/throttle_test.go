package e2e_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// Issue 12: "failed authentication throttled per client address and per
// username (429 with Retry-After, configurable), without locking the real
// admin out from another address". Client addresses come from
// X-Forwarded-For, the test's loopback being a trusted proxy.
func TestBruteForceIsThrottled(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true, func(c *config.Config) {
			c.TrustedProxies = []string{"127.0.0.1/32", "::1/128"}
			c.Throttle = config.Throttle{AddressFailures: 10, UsernameFailures: 20, Window: time.Minute, FailureDelay: 20 * time.Millisecond}
		})
		from := func(addr string) reqOpt { return header("X-Forwarded-For", addr) }
		expect(t, e.do("GET", "/Users?count=1", nil, asAdmin(), from("192.0.2.10")), http.StatusOK, "")

		// One address guessing: its 10 failures are answered 401, then 429
		// with Retry-After — even for the right password, which is not checked.
		counts := map[int]int{}
		for range 200 {
			r := e.do("GET", "/Users?count=1", nil, basic(adminUser, "guess"), from("198.51.100.1"))
			counts[r.status]++
			if r.status == http.StatusTooManyRequests {
				if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
					t.Fatalf("429 with Retry-After %q", r.header.Get("Retry-After"))
				}
			}
		}
		t.Logf("200 wrong passwords from one address: %v", counts)
		if counts[http.StatusUnauthorized] != 10 || counts[http.StatusTooManyRequests] != 190 {
			t.Errorf("statuses %v, want 10 × 401 then 190 × 429", counts)
		}
		expect(t, e.do("GET", "/Users?count=1", nil, asAdmin(), from("198.51.100.1")), http.StatusTooManyRequests, "")

		// Guessing the same username from ever new addresses: 10 more 401s
		// spend the username's 20, then it is 429 from any new address.
		counts = map[int]int{}
		for i := range 40 {
			counts[e.do("GET", "/Users?count=1", nil, basic(adminUser, "guess"), from(fmt.Sprintf("203.0.113.%d", i+1))).status]++
		}
		t.Logf("40 wrong passwords from 40 addresses: %v", counts)
		if counts[http.StatusUnauthorized] != 10 || counts[http.StatusTooManyRequests] != 30 {
			t.Errorf("statuses %v, want 10 × 401 then 30 × 429", counts)
		}
		// The admin's own address, where they logged in before, still works;
		// so does another admin, and a valid token from elsewhere.
		expect(t, e.do("GET", "/Users?count=1", nil, asAdmin(), from("192.0.2.10")), http.StatusOK, "")
		expect(t, e.do("GET", "/Users?count=1", nil, bearer(mintTB(t, adminUser)), from("192.0.2.99")), http.StatusOK, "")
	})
}
