package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// RFC 7644 §3.6: after a DELETE "the service provider MUST return a 404 (Not
// Found) error" for the resource — of ten parallel DELETEs one is 204, one
// delete_mailbox log row is written.
func TestUserDeleteIsExactlyOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		var wg sync.WaitGroup
		statuses := make([]int, 10)
		for i := range statuses {
			wg.Go(func() { statuses[i] = e.do(http.MethodDelete, "/Users/bob@example.org", nil, asAdmin()).status })
		}
		wg.Wait()
		if strings.Count(fmt.Sprint(statuses), "204") != 1 || strings.Count(fmt.Sprint(statuses), "404") != 9 {
			t.Errorf("statuses %v: want one 204 and nine 404", statuses)
		}
		if n := count(t, e, "SELECT COUNT(*) FROM log WHERE action = 'delete_mailbox' AND data = 'bob@example.org'"); n != 1 {
			t.Errorf("%d delete_mailbox log rows", n)
		}
	})
}

// A PUT racing a DELETE either happens before it (200) or finds the mailbox
// gone (404): never a 200 for a mailbox already deleted, never an edit logged
// after its delete_mailbox.
func TestUpdateRacingDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		for round := range 5 {
			user := fmt.Sprintf("race%d@example.org", round)
			expect(t, e.do(http.MethodPost, "/Users", userBody(user, nil), asAdmin()), http.StatusCreated, "")
			var wg sync.WaitGroup
			var put, del int
			wg.Go(func() {
				put = e.do(http.MethodPut, "/Users/"+user, userBody(user, map[string]any{"displayName": "Raced", "password": nil}), asAdmin()).status
			})
			wg.Go(func() { del = e.do(http.MethodDelete, "/Users/"+user, nil, asAdmin()).status })
			wg.Wait()
			if del != http.StatusNoContent || (put != http.StatusOK && put != http.StatusNotFound) {
				t.Fatalf("round %d: PUT %d, DELETE %d", round, put, del)
			}
			rows := query(t, e, "SELECT action FROM log WHERE data = '"+user+"' ORDER BY id")
			if last := rows[len(rows)-1][0]; last != "delete_mailbox" {
				t.Errorf("round %d: log %v ends with %s", round, rows, last)
			}
			if n := count(t, e, "SELECT COUNT(*) FROM mailbox WHERE username = '"+user+"'"); n != 0 {
				t.Errorf("round %d: mailbox left", round)
			}
		}
	})
}
