package e2e_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// PostfixAdmin's alias domains as the Domain attribute aliasFor
// (postfixadmin-semantics.md §5.7: "Alias domain create: row (alias_domain,
// target_domain, description, active, created, modified); log
// create_alias_domain (domain=data=alias_domain). Delete: row only; log
// delete_alias_domain with domain=alias_domain, data=target_domain"; "Both
// columns must be existing domains; no chains ..., not to itself").
func TestAliasDomains(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		r := e.do(http.MethodGet, "/Domains/example.net", nil, asAdmin())
		expect(t, r, http.StatusOK, "")
		if got := r.json(t)["aliasFor"]; got != "example.org" {
			t.Fatalf("example.net aliasFor %v (PostfixAdmin's sample alias domain)", got)
		}
		if got := e.do(http.MethodGet, "/Domains/example.org", nil, asAdmin()).json(t)["aliasFor"]; got != nil {
			t.Errorf("example.org aliasFor %v", got)
		}
		r = e.do(http.MethodGet, "/Domains?filter="+url.QueryEscape(`aliasFor eq "EXAMPLE.org"`), nil, asAdmin())
		if l := r.json(t); l["totalResults"] != 1.0 {
			t.Errorf("aliasFor filter: %v", l)
		}
		theirs := query(t, e, "SELECT alias_domain, target_domain, active FROM alias_domain")
		// Ended, then made again through SCIM: the same row (its free-text description,
		// master only, is not a SCIM attribute and starts empty), PostfixAdmin's log rows.
		expect(t, e.do(http.MethodPatch, "/Domains/example.net", patchBody(op("remove", "aliasFor", nil)), asAdmin()), http.StatusOK, "")
		if n := count(t, e, "SELECT COUNT(*) FROM alias_domain"); n != 0 {
			t.Fatalf("%d alias_domain rows after remove", n)
		}
		expect(t, e.do(http.MethodPatch, "/Domains/example.net", patchBody(op("replace", "aliasFor", "example.org")), asAdmin()), http.StatusOK, "")
		if got := query(t, e, "SELECT alias_domain, target_domain, active FROM alias_domain"); fmt.Sprint(got) != fmt.Sprint(theirs) {
			t.Errorf("alias_domain rows %v, want (PostfixAdmin's) %v", got, theirs)
		}
		if got := query(t, e, "SELECT domain, action, data FROM log WHERE action LIKE '%alias_domain' AND username LIKE 'admin@example.org (127.0.0.1)' ORDER BY id"); fmt.Sprint(got) != "[[example.net create_alias_domain example.net] [example.net delete_alias_domain example.org] [example.net create_alias_domain example.net]]" {
			t.Errorf("log rows %v", got)
		}
		// The domain row itself was not edited.
		if n := count(t, e, "SELECT COUNT(*) FROM log WHERE action = 'edit_domain'"); n != 0 {
			t.Errorf("%d edit_domain rows for an alias domain change", n)
		}
		// Refusals: unknown target, itself, chains (both ways); nothing written.
		expect(t, e.do(http.MethodPost, "/Domains", domainBody("other.example", nil), asAdmin()), http.StatusCreated, "")
		for _, tt := range []struct{ domain, target string }{
			{"other.example", "nowhere.example"}, {"other.example", "other.example"},
			{"other.example", "example.net"}, // example.net is an alias domain
			{"example.org", "other.example"}, // example.org is a target
		} {
			expect(t, e.do(http.MethodPatch, "/Domains/"+tt.domain, patchBody(op("replace", "aliasFor", tt.target)), asAdmin()), http.StatusBadRequest, "invalidValue")
		}
		if got := query(t, e, "SELECT alias_domain, target_domain FROM alias_domain"); fmt.Sprint(got) != "[[example.net example.org]]" {
			t.Errorf("refusals changed alias_domain: %v", got)
		}
		// A PUT without aliasFor keeps it; creating with it makes the row.
		expect(t, e.do(http.MethodPut, "/Domains/example.net", domainBody("example.net", nil), asAdmin()), http.StatusOK, "")
		if n := count(t, e, "SELECT COUNT(*) FROM alias_domain WHERE alias_domain = 'example.net'"); n != 1 {
			t.Errorf("PUT without aliasFor removed the alias domain")
		}
		r = e.do(http.MethodPost, "/Domains", domainBody("mirror.example", map[string]any{"aliasFor": "other.example"}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if r.json(t)["aliasFor"] != "other.example" {
			t.Errorf("created %s", r.body)
		}
		// PostfixAdmin's rule: an alias target domain cannot be deleted.
		expect(t, e.do(http.MethodDelete, "/Domains/other.example", nil, asAdmin()), http.StatusConflict, "")
	})
}
