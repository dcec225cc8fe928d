package e2e_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// Statements per request in the steady state (the admin row cached): one
// for a resource, and a number for a list or a write that does not grow
// with the page or the resource — no N+1 anywhere.
func TestQueriesPerRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := startWith(t, engine, testdb.Master, true, migrated(t), func(c *config.Config) { c.AdminCache = 2 * time.Second })
		testdb.SeedMailboxes(t, e.db, "example.net", 150)
		tok := bearer(mintTB(t, adminUser))
		e.do(http.MethodGet, "/ServiceProviderConfig", nil, tok) // the admin row, now cached
		e.do(http.MethodGet, "/Users?count=1", nil, tok)         // the unfiltered totals, now cached
		e.do(http.MethodGet, "/Domains?count=1", nil, tok)
		statements := func(method, path string, body any) int64 {
			t.Helper()
			before := e.queries.Load()
			r := e.do(method, path, body, tok)
			if r.status >= 300 {
				t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
			}
			return e.queries.Load() - before
		}
		search := func(count int) map[string]any {
			return map[string]any{"schemas": []string{scim.SearchRequestSchema}, "filter": `userName sw "user"`, "count": count}
		}
		for _, tt := range []struct {
			name       string
			run        func() int64
			want       int64
			sameAsPage func() int64 // the same request with a larger page or resource
		}{
			{"GET /Users/{id}", func() int64 { return statements("GET", "/Users/alice@example.org", nil) }, 1, nil},
			{"GET /Domains/{id}", func() int64 { return statements("GET", "/Domains/example.org", nil) }, 1, nil},
			{"GET /Users, count cached", func() int64 { return statements("GET", "/Users?count=1", nil) }, 1,
				func() int64 { return statements("GET", "/Users?count=150", nil) }},
			{"GET /Users?filter, first page counts", func() int64 {
				return statements("GET", "/Users?count=1&filter="+url.QueryEscape(`userName sw "user00"`), nil)
			}, 2, func() int64 {
				return statements("GET", "/Users?count=100&filter="+url.QueryEscape(`userName sw "user01"`), nil)
			}},
			{"POST /Users/.search", func() int64 { return statements("POST", "/Users/.search", search(1)) }, 2,
				func() int64 {
					e.do(http.MethodPatch, "/Users/bob@example.org", patchBody(op("replace", "displayName", "B")), tok)
					return statements("POST", "/Users/.search", search(150))
				}},
			{"GET /Domains, count cached", func() int64 {
				e.do(http.MethodGet, "/Domains?count=1", nil, tok) // writes above dropped the cached totals
				return statements("GET", "/Domains?count=1", nil)
			}, 1, func() int64 { return statements("GET", "/Domains?count=10", nil) }},
		} {
			got := tt.run()
			if got != tt.want {
				t.Errorf("%s: %d statements, want %d", tt.name, got, tt.want)
			}
			if tt.sameAsPage != nil {
				if more := tt.sameAsPage(); more != got {
					t.Errorf("%s: %d statements for a larger page, %d for a small one", tt.name, more, got)
				}
			}
		}
		// A PATCH costs a fixed number of statements (lock, read, write, self-alias,
		// two log rows, read back), whatever the mailbox and however many operations.
		one := statements("PATCH", "/Users/alice@example.org", patchBody(op("replace", "displayName", "A1")))
		many := statements("PATCH", "/Users/carol@example.org", patchBody(op("replace", "displayName", "C1"), op("replace", "active", false), op("add", "phoneNumbers", []any{map[string]any{"value": "+1 555 0199"}})))
		if one > 10 || many != one {
			t.Errorf("PATCH: %d statements for one operation, %d for three", one, many)
		}
	})
}
