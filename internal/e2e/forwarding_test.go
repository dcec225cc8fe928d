package e2e_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func selfGoto(t *testing.T, e *env, user string) string {
	t.Helper()
	return fmt.Sprint(query(t, e, "SELECT goto FROM alias WHERE address = '"+user+"'"))
}

// Forwarding is the mailbox's own alias, as PostfixAdmin's "edit forward"
// screen writes it (postfixadmin-semantics.md §5.6: "Order after PostfixAdmin
// edits: <forwards…>,<vacation target>,<own address>"; the vacation target is
// kept, and the own address is there when "deliver to mailbox" is on).
func TestForwarding(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const alice = "alice@example.org"
		ext := func(u map[string]any) map[string]any { return u[scim.ProvisioningSchema].(map[string]any) }
		u := e.do(http.MethodGet, "/Users/"+alice, nil, asAdmin()).json(t)
		if ext(u)["deliverToMailbox"] != true || ext(u)["forwards"] != nil {
			t.Fatalf("alice (vacation on, no forwards) = %v", ext(u))
		}
		path := scim.ProvisioningSchema + ":"
		r := e.patchUser(alice, op("add", path+"forwards", []any{"Boss@Elsewhere.example"}))
		expect(t, r, http.StatusOK, "")
		if got := selfGoto(t, e, alice); got != "[[boss@elsewhere.example,alice#example.org@autoreply.example.org,alice@example.org]]" {
			t.Errorf("goto after adding a forward: %s", got)
		}
		r = e.patchUser(alice, op("replace", path+"deliverToMailbox", false))
		expect(t, r, http.StatusOK, "")
		if got := selfGoto(t, e, alice); got != "[[boss@elsewhere.example,alice#example.org@autoreply.example.org]]" {
			t.Errorf("goto without the mailbox: %s", got)
		}
		if f := ext(r.json(t)); fmt.Sprint(f["forwards"]) != "[boss@elsewhere.example]" || f["deliverToMailbox"] != false {
			t.Errorf("response %v", f)
		}
		for filter, want := range map[string]float64{
			path + `forwards eq "BOSS@elsewhere.example"`: 1,
			path + `deliverToMailbox eq false`:            1,
			path + `deliverToMailbox eq true`:             11,
		} {
			r := e.do(http.MethodGet, "/Users?count=0&filter="+url.QueryEscape(filter), nil, asAdmin())
			expect(t, r, http.StatusOK, "")
			if got := r.json(t)["totalResults"]; got != want {
				t.Errorf("%s: %v, want %v", filter, got, want)
			}
		}
		// Mail must go somewhere: PostfixAdmin's form refuses an empty goto.
		before := selfGoto(t, e, alice)
		expect(t, e.patchUser(alice, op("remove", path+"forwards", nil)), http.StatusBadRequest, "invalidValue")
		expect(t, e.patchUser(alice, op("add", path+"forwards", []any{alice})), http.StatusBadRequest, "invalidValue")
		expect(t, e.patchUser(alice, op("remove", path+"deliverToMailbox", nil)), http.StatusBadRequest, "mutability")
		if selfGoto(t, e, alice) != before {
			t.Errorf("refused patches changed goto")
		}
		// PUT without forwards keeps them; with them, replaces.
		put := userBody(alice, map[string]any{"password": nil, "name": map[string]any{"formatted": "Alice Example"}})
		expect(t, e.do(http.MethodPut, "/Users/"+alice, put, asAdmin()), http.StatusOK, "")
		if selfGoto(t, e, alice) != before {
			t.Errorf("PUT without forwards changed goto: %s", selfGoto(t, e, alice))
		}
		// Created with forwards: the self-alias carries them from the start.
		body := userBody("zed@example.org", map[string]any{scim.ProvisioningSchema: map[string]any{"forwards": []string{"bob@example.org"}, "deliverToMailbox": false}})
		expect(t, e.do(http.MethodPost, "/Users", body, asAdmin()), http.StatusCreated, "")
		if got := selfGoto(t, e, "zed@example.org"); got != "[[bob@example.org]]" {
			t.Errorf("created self-alias %s", got)
		}
		// Deleting bob takes him out of zed's forwards; with nothing left zed's
		// alias delivers to zed's mailbox again, not nowhere.
		expect(t, e.do(http.MethodDelete, "/Users/bob@example.org", nil, asAdmin()), http.StatusNoContent, "")
		if got := selfGoto(t, e, "zed@example.org"); got != "[[zed@example.org]]" {
			t.Errorf("after deleting the only forward target: %s", got)
		}
		if got := selfGoto(t, e, "info@example.org"); got != "[[alice@example.org,someone@external.example]]" {
			t.Errorf("info@ after deleting bob: %s", got)
		}
	})
}
