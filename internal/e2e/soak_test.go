package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// soakFor is the soak test's length per engine: short in CI, longer with
// PFSCIM_SOAK=60s.
func soakFor(t *testing.T) time.Duration {
	if v := os.Getenv("PFSCIM_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	return 6 * time.Second
}

// Issue 12: "A bounded soak test in CI: 50 parallel clients, mixed
// create/read/PATCH/PUT/DELETE …, then the database equals exactly what the
// successful responses imply (no lost or duplicated write, log rows and
// alias rows consistent, domain limits held)." Each client works on
// mailboxes of its own, so what it was told determines their final state;
// all of them share one domain, its mailbox limit and its log.
func TestSoak(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const clients, limit = 50, 100
		expect(t, e.do("POST", "/Domains", domainBody("soak.example", map[string]any{"maxMailboxes": limit, "maxQuota": 0, "domainQuota": 0}), asAdmin()), http.StatusCreated, "")
		type mailbox struct{ name string }
		var (
			mu       sync.Mutex
			live     = map[string]mailbox{} // what the answers say exists, and its displayName
			creates  int
			deletes  int
			statuses = map[int]int{}
		)
		deadline := time.Now().Add(soakFor(t))
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				rnd := rand.New(rand.NewPCG(uint64(c), 7))
				mine := map[string]string{} // user → displayName
				next := 0
				record := func(status int) {
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}
				for time.Now().Before(deadline) {
					users := make([]string, 0, len(mine))
					for u := range mine {
						users = append(users, u)
					}
					if len(users) < 3 && rnd.IntN(2) == 0 || len(users) == 0 {
						u := fmt.Sprintf("soak-%02d-%03d@soak.example", c, next)
						next++
						name := "created " + u
						r := e.do("POST", "/Users", userBody(u, map[string]any{"displayName": name}), asAdmin())
						record(r.status)
						switch r.status {
						case http.StatusCreated:
							mine[u] = name
							mu.Lock()
							creates++
							mu.Unlock()
						case http.StatusConflict: // the domain's mailbox limit
						default:
							t.Errorf("POST %s: %d %s", u, r.status, r.body)
						}
						continue
					}
					u := users[rnd.IntN(len(users))]
					switch rnd.IntN(4) {
					case 0:
						r := e.do("GET", "/Users/"+u, nil, asAdmin())
						record(r.status)
						if r.status != http.StatusOK || r.json(t)["displayName"] != mine[u] {
							t.Errorf("GET %s: %d %s, want displayName %q", u, r.status, r.body, mine[u])
						}
					case 1:
						name := fmt.Sprintf("patched %d", rnd.IntN(1e6))
						r := e.do("PATCH", "/Users/"+u, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
							"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": name}}}, asAdmin())
						record(r.status)
						if r.status != http.StatusOK {
							t.Errorf("PATCH %s: %d %s", u, r.status, r.body)
							continue
						}
						mine[u] = name
					case 2:
						name := fmt.Sprintf("put %d", rnd.IntN(1e6))
						r := e.do("PUT", "/Users/"+u, userBody(u, map[string]any{"displayName": name, "password": nil}), asAdmin())
						record(r.status)
						if r.status != http.StatusOK {
							t.Errorf("PUT %s: %d %s", u, r.status, r.body)
							continue
						}
						mine[u] = name
					case 3:
						r := e.do("DELETE", "/Users/"+u, nil, asAdmin())
						record(r.status)
						if r.status != http.StatusNoContent {
							t.Errorf("DELETE %s: %d %s", u, r.status, r.body)
							continue
						}
						delete(mine, u)
						mu.Lock()
						deletes++
						mu.Unlock()
					}
				}
				mu.Lock()
				for u, n := range mine {
					live[u] = mailbox{name: n}
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		t.Logf("%d clients for %v: %d creates, %d deletes, statuses %v", clients, soakFor(t), creates, deletes, statuses)
		if creates < clients {
			t.Fatalf("only %d creates: the soak did not run", creates)
		}

		rows := query(t, e, "SELECT username, name FROM mailbox WHERE domain = 'soak.example'")
		if len(rows) != len(live) {
			t.Errorf("%d mailboxes in the database, the answers imply %d", len(rows), len(live))
		}
		if len(rows) > limit {
			t.Errorf("%d mailboxes beyond the domain's limit of %d", len(rows), limit)
		}
		for _, r := range rows {
			if m, ok := live[r[0]]; !ok || m.name != r[1] {
				t.Errorf("mailbox %s named %q; the answers imply %+v (exists %v)", r[0], r[1], m, ok)
			}
		}
		if n := count(t, e, "SELECT COUNT(*) FROM alias WHERE domain = 'soak.example'"); n != len(live) {
			t.Errorf("%d alias rows for %d mailboxes (each has exactly its own)", n, len(live))
		}
		if n := count(t, e, "SELECT COUNT(*) FROM alias a WHERE domain = 'soak.example' AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = a.address)"); n != 0 {
			t.Errorf("%d alias rows of deleted mailboxes", n)
		}
		for action, want := range map[string]int{"create_mailbox": creates, "delete_mailbox": deletes} {
			if n := count(t, e, "SELECT COUNT(*) FROM log WHERE domain = 'soak.example' AND action = '"+action+"'"); n != want {
				t.Errorf("%d %s log rows for %d successful answers", n, action, want)
			}
		}
		for s := range statuses {
			if s >= 500 {
				t.Errorf("%d × %d", statuses[s], s)
			}
		}
	})
}
