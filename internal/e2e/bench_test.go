package e2e_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/testdb"
)

// Benchmarks of the Users hot paths through the real HTTP server (Basic auth
// with a bcrypt admin hash included, as a client pays it), per engine.
// make bench runs them; a later issue sets target figures.

func BenchmarkGetUser(b *testing.B) {
	for _, engine := range testdb.Engines {
		b.Run(string(engine), func(b *testing.B) {
			e := start(b, engine, testdb.Master, true)
			e.skipValidation = true
			tok := bearer(mintTB(b, adminUser))
			b.ResetTimer()
			for b.Loop() {
				if r := e.do(http.MethodGet, "/Users/alice@example.org", nil, tok); r.status != http.StatusOK {
					b.Fatal(r.status)
				}
			}
		})
	}
}

func BenchmarkCreateUser(b *testing.B) {
	for _, engine := range testdb.Engines {
		b.Run(string(engine), func(b *testing.B) {
			e := start(b, engine, testdb.Master, true)
			tok := bearer(mintTB(b, adminUser))
			if r := e.do(http.MethodPost, "/Domains", domainBody("bench.example", map[string]any{"maxMailboxes": 0, "maxQuota": 0, "domainQuota": 0}), tok); r.status != http.StatusCreated {
				b.Fatal(r.status)
			}
			i := 0
			b.ResetTimer()
			for b.Loop() {
				i++
				if r := e.do(http.MethodPost, "/Users", userBody(fmt.Sprintf("u%d@bench.example", i), nil), tok); r.status != http.StatusCreated {
					b.Fatalf("%d %s", r.status, r.body)
				}
			}
		})
	}
}

// The list benchmarks compare 1,000 with 100,000 mailboxes: a filtered lookup
// and a page of 100 should cost about the same at both sizes, and memory
// should follow the page size, not the table size.

var benchSizes = []int{1000, 100000}

func benchList(b *testing.B, query string, configure ...func(*config.Config)) {
	for _, engine := range testdb.Engines {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", engine, n), func(b *testing.B) {
				e := start(b, engine, testdb.Master, true, configure...)
				e.skipValidation = true
				testdb.SeedMailboxes(b, e.db, "example.org", n)
				tok := bearer(mintTB(b, adminUser))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if r := e.do(http.MethodGet, query, nil, tok); r.status != http.StatusOK {
						b.Fatal(r.status, string(r.body))
					}
				}
			})
		}
	}
}

func BenchmarkFilterUserNameEq(b *testing.B) {
	benchList(b, "/Users?filter="+url.QueryEscape(`userName eq "user000500@example.org"`))
}

// BenchmarkListPage100 is a client paging through a list (the total is
// reused for the same filter, see list_count_cache); the Uncached variant
// counts the whole table on every request.
func BenchmarkListPage100(b *testing.B) {
	benchList(b, "/Users?startIndex=501&count=100")
}

func BenchmarkListPage100Uncached(b *testing.B) {
	benchList(b, "/Users?startIndex=501&count=100", func(c *config.Config) { c.ListCountCache = 0 })
}

// BenchmarkListPageDeep is the page a client paging through 100 000 users
// reaches half way: OFFSET reads the index up to it.
func BenchmarkListPageDeep(b *testing.B) {
	benchList(b, "/Users?startIndex=50001&count=100&sortBy=userName")
}

// Adding a member to (and removing it from) a large alias, as Entra ID's and
// Okta's membership PATCHes do: 5 000 members (2 500 on MySQL, whose goto
// column holds no more), answered 204 as Entra ID asks.
func BenchmarkGroupMemberPatch(b *testing.B) {
	for _, engine := range testdb.Engines {
		b.Run(string(engine), func(b *testing.B) {
			e := start(b, engine, testdb.Master, true)
			e.skipValidation = true
			n := bigGroupSize(engine)
			bigGroup(b, e, n)
			tok := bearer(mintTB(b, adminUser))
			extra := fmt.Sprintf("user%06d@example.net", n)
			add := patchBody(op("add", "members", members(extra)))
			remove := patchBody(op("remove", `members[value eq "`+extra+`"]`, nil))
			i := 0
			b.ResetTimer()
			for b.Loop() {
				body := add
				if i++; i%2 == 0 {
					body = remove
				}
				if r := e.do(http.MethodPatch, "/Groups/big@example.net", body, tok, header("Prefer", "return=minimal")); r.status != http.StatusNoContent {
					b.Fatalf("%d %s", r.status, r.body)
				}
			}
		})
	}
}
