package e2e_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func groupBody(attrs map[string]any) map[string]any {
	b := map[string]any{"schemas": []string{scim.GroupSchema}}
	for k, v := range attrs {
		b[k] = v
	}
	return b
}

func members(ids ...string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}

// memberIDs lists a Group's members' values.
func memberIDs(g map[string]any) []string {
	var out []string
	ms, _ := g["members"].([]any)
	for _, m := range ms {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	return out
}

func aliasRow(t *testing.T, e *env, address string) string {
	t.Helper()
	return fmt.Sprint(query(t, e, "SELECT goto, domain, active FROM alias WHERE address = '"+address+"'"))
}

// The aliases PostfixAdmin's UI wrote are Groups: info@ (two mailboxes and an
// outside address), the default aliases (outside targets only); mailboxes'
// own aliases are not Groups, and the catch-all is reached by id only.
func TestGroupsReadPostfixAdminSamples(t *testing.T) {
	for _, layout := range []testdb.Layout{testdb.Master, testdb.Release3316} {
		t.Run(layout.String(), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
				e := start(t, engine, layout, true)
				r := e.do(http.MethodGet, "/Groups", nil, asAdmin())
				expect(t, r, http.StatusOK, "")
				var ids []string
				for _, g := range r.json(t)["Resources"].([]any) {
					ids = append(ids, g.(map[string]any)["id"].(string))
				}
				want := "[abuse@example.org hostmaster@example.org info@example.org postmaster@example.org webmaster@example.org]"
				if fmt.Sprint(ids) != want {
					t.Fatalf("groups %v, want %s", ids, want)
				}
				r = e.do(http.MethodGet, "/Groups/INFO@example.org", nil, asAdmin())
				expect(t, r, http.StatusOK, "")
				g := r.json(t)
				display := "Info alias" // alias.description, master only
				if layout != testdb.Master {
					display = "info@example.org"
				}
				ext := g[scim.AliasGroupSchema].(map[string]any)
				if g["displayName"] != display || fmt.Sprint(memberIDs(g)) != "[alice@example.org bob@example.org]" ||
					fmt.Sprint(ext["externalMembers"]) != "[someone@external.example]" || ext["active"] != true {
					t.Errorf("info@ = %v", g)
				}
				m := g["members"].([]any)[1].(map[string]any)
				if m["display"] != "Bob md5crypt (edited)" || m["type"] != "User" || m["$ref"] != e.base+"/Users/bob@example.org" {
					t.Errorf("member %v", m)
				}
				// The catch-all PostfixAdmin stores as @example.org; *@ is how its form writes it.
				for _, id := range []string{"@example.org", url.PathEscape("*@example.org")} {
					r = e.do(http.MethodGet, "/Groups/"+id, nil, asAdmin())
					expect(t, r, http.StatusOK, "")
					if g := r.json(t); fmt.Sprint(memberIDs(g)) != "[alice@example.org]" || g[scim.AliasGroupSchema].(map[string]any)["active"] != false {
						t.Errorf("catch-all = %v", g)
					}
				}
				expect(t, e.do(http.MethodGet, "/Groups/alice@example.org", nil, asAdmin()), http.StatusNotFound, "")
				// A User's groups (RFC 7643 §4.1.2), returned on request only (see /Schemas).
				if u := e.do(http.MethodGet, "/Users/bob@example.org", nil, asAdmin()).json(t); u["groups"] != nil {
					t.Errorf("groups returned unasked: %v", u["groups"])
				}
				for _, path := range []string{"/Users/bob@example.org?attributes=groups", "/Users?filter=userName%20eq%20%22bob@example.org%22&attributes=userName,groups.value"} {
					r = e.do(http.MethodGet, path, nil, asAdmin())
					expect(t, r, http.StatusOK, "")
					u := r.json(t)
					if res, ok := u["Resources"].([]any); ok {
						u = res[0].(map[string]any)
					}
					if got := fmt.Sprint(u["groups"]); !strings.Contains(got, "value:info@example.org") || strings.Count(got, "value:") != 1 {
						t.Errorf("%s: groups %v", path, got)
					}
				}
			})
		})
	}
}

// Created through SCIM, info@ and the catch-all are the rows PostfixAdmin's
// AliasHandler wrote for them (address, goto in the given order, domain,
// active, description) with the same log row (create_alias, domain, address).
func TestGroupCreateWritesWhatPostfixAdminWrites(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		cols := "address, goto, domain, active, description"
		want := query(t, e, "SELECT "+cols+" FROM alias WHERE address IN ('info@example.org', '@example.org') ORDER BY address")
		if _, err := e.db.Raw.Exec("DELETE FROM alias WHERE address IN ('info@example.org', '@example.org')"); err != nil {
			t.Fatal(err)
		}
		r := e.do(http.MethodPost, "/Groups", groupBody(map[string]any{
			"displayName": "Info alias", "members": members("alice@example.org", "bob@example.org"),
			scim.AliasGroupSchema: map[string]any{"address": "info@example.org", "externalMembers": []string{"someone@external.example"}},
		}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if r.header.Get("Location") != e.base+"/Groups/info@example.org" || r.header.Get("ETag") == "" {
			t.Errorf("Location %q ETag %q", r.header.Get("Location"), r.header.Get("ETag"))
		}
		r = e.do(http.MethodPost, "/Groups", groupBody(map[string]any{
			"displayName": "catch-all", "members": members("alice@example.org"),
			scim.AliasGroupSchema: map[string]any{"address": "*@example.org"},
		}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		// PostfixAdmin's catch-all is inactive; ours is created active, as its form's default.
		if _, err := e.db.Raw.Exec("UPDATE alias SET active = " + map[sqlstore.Engine]string{sqlstore.PostgreSQL: "false"}[engine] + map[bool]string{true: "0"}[engine != sqlstore.PostgreSQL] + " WHERE address = '@example.org'"); err != nil {
			t.Fatal(err)
		}
		if got := query(t, e, "SELECT "+cols+" FROM alias WHERE address IN ('info@example.org', '@example.org') ORDER BY address"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("rows\n%v\nwant (PostfixAdmin's)\n%v", got, want)
		}
		if got := query(t, e, "SELECT domain, data FROM log WHERE action = 'create_alias' AND username LIKE 'admin@example.org (%' AND data IN ('info@example.org', '@example.org') ORDER BY id"); fmt.Sprint(got) != "[[example.org info@example.org] [example.org @example.org] [example.org info@example.org] [example.org @example.org]]" {
			t.Errorf("log rows %v (PostfixAdmin's, then ours)", got)
		}
	})
}

// Entra ID's group provisioning (scim-landscape.md: POST /Groups with its
// extra schema and only displayName, then GET with excludedAttributes=members,
// filter displayName eq, PATCH Add/Remove members with value arrays, answered
// 204 only when asked), and Okta's Push Groups (rename replace without path
// sent with every membership update, remove by members[value eq], add, full
// replace, DELETE).
func TestGroupProvisioningReplays(t *testing.T) {
	for _, layout := range []testdb.Layout{testdb.Master, testdb.Release405, testdb.Release3316} {
		t.Run(layout.String(), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
				e := start(t, engine, layout, false)
				expect(t, e.do(http.MethodPost, "/Domains", domainBody("example.org", nil), asAdmin()), http.StatusCreated, "")
				for _, u := range []string{"alice", "bob", "carol"} {
					expect(t, e.do(http.MethodPost, "/Users", userBody(u+"@example.org", nil), asAdmin()), http.StatusCreated, "")
				}
				entra := map[string]any{"schemas": []string{scim.GroupSchema, scim.EntraGroupSchema}, "externalId": "8e1c", "displayName": "sales@example.org", "members": []any{}}
				r := e.do(http.MethodPost, "/Groups", entra, asAdmin())
				expect(t, r, http.StatusCreated, "")
				g := r.json(t)
				if g["id"] != "sales@example.org" || g["members"] != nil {
					t.Fatalf("created %v", g)
				}
				// Without targets: goto is the address itself, inactive (see the README).
				if got := aliasRow(t, e, "sales@example.org"); got != "[[sales@example.org example.org "+boolText(engine, false)+"]]" {
					t.Errorf("empty group row %s", got)
				}
				r = e.do(http.MethodGet, "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "SALES@example.org"`), nil, asAdmin())
				expect(t, r, http.StatusOK, "")
				if l := r.json(t); l["totalResults"] != 1.0 {
					t.Fatalf("displayName filter %v", l)
				}
				add := patchBody(map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"$ref": nil, "value": "alice@example.org"}, map[string]any{"value": "bob@example.org"}}})
				r = e.do(http.MethodPatch, "/Groups/sales@example.org", add, asAdmin(), header("Prefer", "return=minimal"))
				expect(t, r, http.StatusNoContent, "")
				if got := aliasRow(t, e, "sales@example.org"); got != "[[alice@example.org,bob@example.org example.org "+boolText(engine, true)+"]]" {
					t.Errorf("after add %s", got)
				}
				remove := patchBody(map[string]any{"op": "Remove", "path": "members", "value": []any{map[string]any{"value": "alice@example.org"}}})
				r = e.do(http.MethodPatch, "/Groups/sales@example.org", remove, asAdmin())
				expect(t, r, http.StatusOK, "")
				if got := memberIDs(r.json(t)); fmt.Sprint(got) != "[bob@example.org]" {
					t.Errorf("after remove %v", got)
				}
				// Okta: rename (no-op here) + remove by filter + add, in one request.
				okta := patchBody(
					map[string]any{"op": "replace", "value": map[string]any{"id": "sales@example.org", "displayName": "Sales"}},
					map[string]any{"op": "remove", "path": `members[value eq "bob@example.org"]`},
					map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": "carol@example.org", "display": "carol"}}},
				)
				r = e.do(http.MethodPatch, "/Groups/sales@example.org", okta, asAdmin())
				if layout != testdb.Master {
					// No alias.description before PostfixAdmin master: a name other than the address cannot be kept.
					expect(t, r, http.StatusBadRequest, "invalidValue")
					okta["Operations"] = okta["Operations"].([]map[string]any)[1:]
					r = e.do(http.MethodPatch, "/Groups/sales@example.org", okta, asAdmin())
				}
				expect(t, r, http.StatusOK, "")
				g = r.json(t)
				if fmt.Sprint(memberIDs(g)) != "[carol@example.org]" || (layout == testdb.Master && g["displayName"] != "Sales") {
					t.Errorf("after Okta's patch %v", g)
				}
				// A member that is not a User here is refused, and nothing changes.
				before := aliasRow(t, e, "sales@example.org")
				bad := patchBody(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": "someone@external.example"}}})
				expect(t, e.do(http.MethodPatch, "/Groups/sales@example.org", bad, asAdmin()), http.StatusBadRequest, "invalidValue")
				if aliasRow(t, e, "sales@example.org") != before {
					t.Errorf("a refused patch changed the row")
				}
				// externalMembers are kept by members operations, and a full replace.
				ext := patchBody(map[string]any{"op": "add", "path": scim.AliasGroupSchema + ":externalMembers", "value": []any{"list@elsewhere.example"}})
				expect(t, e.do(http.MethodPatch, "/Groups/sales@example.org", ext, asAdmin()), http.StatusOK, "")
				all := patchBody(map[string]any{"op": "replace", "path": "members", "value": members("alice@example.org", "carol@example.org")})
				r = e.do(http.MethodPatch, "/Groups/sales@example.org", all, asAdmin())
				expect(t, r, http.StatusOK, "")
				if got := aliasRow(t, e, "sales@example.org"); got != "[[carol@example.org,list@elsewhere.example,alice@example.org example.org "+boolText(engine, true)+"]]" {
					t.Errorf("after replace %s", got)
				}
				// members[value eq] filters what Entra ID and Okta look groups up by.
				r = e.do(http.MethodGet, "/Groups?filter="+url.QueryEscape(`members[value eq "alice@example.org"]`), nil, asAdmin())
				if l := r.json(t); l["totalResults"] != 1.0 {
					t.Errorf("members filter %v", l)
				}
				// ETags: a stale If-Match is refused.
				etag := e.do(http.MethodGet, "/Groups/sales@example.org", nil, asAdmin()).header.Get("ETag")
				expect(t, e.do(http.MethodPatch, "/Groups/sales@example.org", remove, asAdmin(), header("If-Match", `W/"stale"`)), http.StatusPreconditionFailed, "")
				expect(t, e.do(http.MethodGet, "/Groups/sales@example.org", nil, asAdmin(), header("If-None-Match", etag)), http.StatusNotModified, "")
				// Deleting a User takes it out of every Group (PostfixAdmin would leave it dangling).
				expect(t, e.do(http.MethodDelete, "/Users/alice@example.org", nil, asAdmin()), http.StatusNoContent, "")
				if got := aliasRow(t, e, "sales@example.org"); got != "[[carol@example.org,list@elsewhere.example example.org "+boolText(engine, true)+"]]" {
					t.Errorf("after deleting alice %s", got)
				}
				if n := count(t, e, "SELECT COUNT(*) FROM log WHERE action = 'edit_alias' AND data = 'sales@example.org'"); n < 5 {
					t.Errorf("%d edit_alias log rows", n)
				}
				expect(t, e.do(http.MethodDelete, "/Groups/sales@example.org", nil, asAdmin()), http.StatusNoContent, "")
				expect(t, e.do(http.MethodDelete, "/Groups/sales@example.org", nil, asAdmin()), http.StatusNotFound, "")
				if n := count(t, e, "SELECT COUNT(*) FROM alias WHERE address = 'sales@example.org'"); n != 0 {
					t.Errorf("alias row left")
				}
				if n := count(t, e, "SELECT COUNT(*) FROM log WHERE action = 'delete_alias' AND data = 'sales@example.org' AND domain = 'example.org'"); n != 1 {
					t.Errorf("%d delete_alias log rows", n)
				}
			})
		})
	}
}

// boolText is a boolean column as query returns it.
func boolText(_ sqlstore.Engine, b bool) string { return map[bool]string{true: "1", false: "0"}[b] }

// Refusals, each a SCIM 4xx that writes nothing.
func TestGroupRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		aliases := count(t, e, "SELECT COUNT(*) FROM alias")
		for _, tt := range []struct {
			name     string
			body     map[string]any
			status   int
			scimType string
		}{
			// "The service provider SHALL ... return an error (HTTP status code 400) ... if a required attribute is missing" — here the address.
			{"no address", groupBody(map[string]any{"displayName": "Sales"}), 400, "invalidValue"},
			{"unknown domain", groupBody(map[string]any{"displayName": "x@nowhere.example"}), 400, "invalidValue"},
			{"exists as mailbox", groupBody(map[string]any{"displayName": "alice@example.org"}), 409, "uniqueness"},
			{"exists as alias", groupBody(map[string]any{"displayName": "info@example.org"}), 409, "uniqueness"},
			{"member not a User", groupBody(map[string]any{"displayName": "a@example.org", "members": members("nobody@example.org")}), 400, "invalidValue"},
			{"member is the alias", groupBody(map[string]any{"displayName": "a@example.org", "members": members("a@example.org")}), 400, "invalidValue"},
			{"external is a User", groupBody(map[string]any{"displayName": "a@example.org", scim.AliasGroupSchema: map[string]any{"externalMembers": []string{"bob@example.org"}}}), 400, "invalidValue"},
			{"external not an address", groupBody(map[string]any{"displayName": "a@example.org", scim.AliasGroupSchema: map[string]any{"externalMembers": []string{"a,b@x.example"}}}), 400, "invalidValue"},
			{"no Group schema", map[string]any{"schemas": []string{scim.UserSchema}, "displayName": "a@example.org"}, 400, "invalidValue"},
			{"unknown attribute", groupBody(map[string]any{"displayName": "a@example.org", "owner": "x"}), 400, "invalidValue"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, e.do(http.MethodPost, "/Groups", tt.body, asAdmin()), tt.status, tt.scimType)
			})
		}
		if n := count(t, e, "SELECT COUNT(*) FROM alias"); n != aliases {
			t.Fatalf("refused requests wrote aliases: %d → %d", aliases, n)
		}
		// AliasHandler's limit: (alias rows − mailboxes) must stay below domain.aliases:
		// 18 rows − 12 mailboxes = 6 of 6.
		if _, err := e.db.Raw.Exec("UPDATE domain SET aliases = 6 WHERE domain = 'example.org'"); err != nil {
			t.Fatal(err)
		}
		expect(t, e.do(http.MethodPost, "/Groups", groupBody(map[string]any{"displayName": "a@example.org"}), asAdmin()), http.StatusConflict, "")
		if _, err := e.db.Raw.Exec("UPDATE domain SET aliases = 7 WHERE domain = 'example.org'"); err != nil {
			t.Fatal(err)
		}
		expect(t, e.do(http.MethodPost, "/Groups", groupBody(map[string]any{"displayName": "a@example.org"}), asAdmin()), http.StatusCreated, "")
		// A mailbox's own alias is no Group: it cannot be patched or deleted as one.
		expect(t, e.do(http.MethodDelete, "/Groups/alice@example.org", nil, asAdmin()), http.StatusNotFound, "")
		expect(t, e.do(http.MethodPatch, "/Groups/info@example.org", patchBody(op("replace", "id", "x@example.org")), asAdmin()), http.StatusBadRequest, "mutability")
		expect(t, e.do(http.MethodPatch, "/Groups/info@example.org", patchBody(op("replace", scim.AliasGroupSchema+":address", "x@example.org")), asAdmin()), http.StatusBadRequest, "mutability")
		expect(t, e.do(http.MethodGet, "/Groups?filter="+url.QueryEscape(`members co "x"`), nil, asAdmin()), http.StatusBadRequest, "invalidFilter")
	})
}

// RFC 7644 §3.6: "the service provider MUST return a 404 (Not Found) error" for
// a resource already deleted — of parallel DELETEs, one is 204.
func TestGroupDeleteIsExactlyOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Go(func() { statuses[i] = e.do(http.MethodDelete, "/Groups/info@example.org", nil, asAdmin()).status })
		}
		wg.Wait()
		if got := strings.Count(fmt.Sprint(statuses), "204"); got != 1 {
			t.Errorf("statuses %v: want one 204", statuses)
		}
		if n := count(t, e, "SELECT COUNT(*) FROM log WHERE action = 'delete_alias' AND data = 'info@example.org'"); n != 1 {
			t.Errorf("%d delete_alias log rows", n)
		}
	})
}

// bigGroup makes big@example.net, an alias delivering to n seeded mailboxes
// (user000000@example.net, ...), as PostfixAdmin would hold it.
func bigGroup(t testing.TB, e *env, n int) {
	t.Helper()
	testdb.SeedMailboxes(t, e.db, "example.net", n+1)
	targets := make([]string, n)
	for i := range targets {
		targets[i] = fmt.Sprintf("user%06d@example.net", i)
	}
	if _, err := e.db.Raw.Exec("INSERT INTO alias (address, goto, domain, created, modified) VALUES ('big@example.net', '" +
		strings.Join(targets, ",") + "', 'example.net', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
}

// bigGroupSize is the largest group the benchmark and the test use on an
// engine: MySQL's alias.goto is a TEXT column (65 535 bytes), which holds
// about 2 800 of these addresses; the others hold any number.
func bigGroupSize(engine sqlstore.Engine) int {
	if engine == sqlstore.MySQL {
		return 2500
	}
	return 5000
}

// Adding one member to a large alias reads the alias once and writes it
// once: the same statements as for a small one (no query per member).
func TestGroupMemberAddDoesNotGrowWithTheGroup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		statements := func(n int) int64 {
			e := start(t, engine, testdb.Master, true)
			bigGroup(t, e, n)
			add := patchBody(op("add", "members", members(fmt.Sprintf("user%06d@example.net", n))))
			before := e.queries.Load()
			r := e.do(http.MethodPatch, "/Groups/big@example.net", add, asAdmin(), header("Prefer", "return=minimal"))
			expect(t, r, http.StatusNoContent, "")
			used := e.queries.Load() - before
			if got := count(t, e, "SELECT COUNT(*) FROM alias WHERE address = 'big@example.net' AND goto LIKE '%,user"+fmt.Sprintf("%06d", n)+"@example.net'"); got != 1 {
				t.Fatalf("member not appended")
			}
			return used
		}
		small, large := statements(3), statements(bigGroupSize(engine))
		if small != large || large > 12 {
			t.Errorf("add one member: %d statements to a 3-member group, %d to a %d-member one", small, large, bigGroupSize(engine))
		}
	})
}

// externalId on Groups, as Entra ID and Okta match groups by it (RFC 7643
// §3.1: "externalId ... issued by the provisioning client"), stored in the
// companion table like the Users'.
func TestGroupExternalID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := startWith(t, engine, testdb.Master, true, migrated(t))
		r := e.do(http.MethodPost, "/Groups", groupBody(map[string]any{"displayName": "sales@example.org", "externalId": "8e1c-A"}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if r.json(t)["externalId"] != "8e1c-A" {
			t.Fatalf("created %s", r.body)
		}
		r = e.do(http.MethodGet, "/Groups?filter="+url.QueryEscape(`externalId eq "8e1c-A"`), nil, asAdmin())
		if l := r.json(t); l["totalResults"] != 1.0 {
			t.Errorf("externalId filter %v", l)
		}
		// caseExact: another case is another id.
		r = e.do(http.MethodGet, "/Groups?filter="+url.QueryEscape(`externalId eq "8E1C-a"`), nil, asAdmin())
		if l := r.json(t); l["totalResults"] != 0.0 {
			t.Errorf("externalId matched in another case: %v", l)
		}
		expect(t, e.do(http.MethodPatch, "/Groups/sales@example.org", patchBody(op("remove", "externalId", nil)), asAdmin()), http.StatusOK, "")
		if n := count(t, e, "SELECT COUNT(*) FROM scim_external_id WHERE resource_type = 'Group'"); n != 0 {
			t.Errorf("%d externalId rows after remove", n)
		}
		expect(t, e.do(http.MethodPut, "/Groups/sales@example.org", groupBody(map[string]any{"displayName": "Sales", "externalId": "x"}), asAdmin()), http.StatusOK, "")
		expect(t, e.do(http.MethodDelete, "/Groups/sales@example.org", nil, asAdmin()), http.StatusNoContent, "")
		if n := count(t, e, "SELECT COUNT(*) FROM scim_external_id WHERE resource_type = 'Group'"); n != 0 {
			t.Errorf("%d externalId rows after delete", n)
		}
	})
}
