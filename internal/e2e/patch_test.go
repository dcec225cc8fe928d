package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func patchBody(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": ops}
}

func op(kind, path string, value any) map[string]any {
	o := map[string]any{"op": kind}
	if path != "" {
		o["path"] = path
	}
	if value != nil {
		o["value"] = value
	}
	return o
}

// The RFC 7644 §3.5.2 operations, and what Entra ID really sends, applied to
// PostfixAdmin mailboxes on every engine.
func TestPatchUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		patch := func(body any, opts ...reqOpt) response {
			return e.do(http.MethodPatch, "/Users/bob@example.org", body, append([]reqOpt{asAdmin()}, opts...)...)
		}
		row := func(cols string) string {
			return fmt.Sprint(query(t, e, "SELECT "+cols+" FROM mailbox WHERE username = 'bob@example.org'")[0])
		}
		ext := scim.ProvisioningSchema
		steps := []struct {
			name string
			body any
			cols string
			want string
		}{
			{"add a multi-valued value (RFC 3.5.2.1)", patchBody(op("add", "emails", []any{map[string]any{"value": "babs@jensen.org", "type": "home"}})), "email_other", "[babs@jensen.org]"},
			{"replace through a value filter (RFC 3.5.2.3)", patchBody(op("replace", `emails[type eq "other"].value`, "bjensen@home.example")), "email_other", "[bjensen@home.example]"},
			{"remove through a value filter (RFC 3.5.2.2)", patchBody(op("remove", `emails[type eq "other"]`, nil)), "email_other", "[]"},
			{"path-less add of several attributes", patchBody(op("add", "", map[string]any{"displayName": "Babs Jensen", "phoneNumbers": []any{map[string]any{"value": "+1 555 0100", "type": "work"}}})), "name, phone", "[Babs Jensen +1 555 0100]"},
			{"replace a sub-attribute", patchBody(op("replace", "name.formatted", "Barbara Jensen")), "name", "[Barbara Jensen]"},
			{"Entra: name part replaced alone", patchBody(op("Replace", "name.familyName", "Smith")), "name", "[Barbara Smith]"},
			{"remove a multi-valued attribute", patchBody(op("remove", "phoneNumbers", nil)), "phone", "[]"},
			{"extension attribute by URN path", patchBody(op("replace", ext+":sizeQuota", 20480000)), "quota", "[20480000]"},
			{"original extension spelling", patchBody(op("replace", "urn:ietf:params:scim:schemas:extension:audriga:provisioning:2.0:User:sizeQuota", 10240000)), "quota", "[10240000]"},
			{"Entra: path-less replace with dotted and URN keys", patchBody(op("Replace", "", map[string]any{"name.formatted": "B J", ext + ":sizeQuota": 30720000})), "name, quota", "[B J 30720000]"},
			{"Entra: add on a missing valuePath element creates it", patchBody(op("Add", `emails[type eq "home"].value`, "bj@home.example")), "email_other", "[bj@home.example]"},
			{"Entra: remove with a value array", patchBody(op("Remove", "emails", []any{map[string]any{"value": "bj@home.example"}})), "email_other", "[]"},
			{"Entra: soft delete with a string boolean", patchBody(op("Replace", "active", "False")), "active", "[0]"},
			{"Okta: path-less replace echoing id", patchBody(op("replace", "", map[string]any{"id": "bob@example.org", "active": true})), "active", "[1]"},
			{"add on a single-valued attribute replaces it", patchBody(op("add", "displayName", "Bobby")), "name", "[Bobby]"},
			{"several operations at once", patchBody(op("replace", "active", false), op("replace", "displayName", "Bob")), "name, active", "[Bob 0]"},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				r := patch(st.body)
				expect(t, r, http.StatusOK, "")
				if got := row(st.cols); got != st.want {
					t.Errorf("%s = %s, want %s; response %s", st.cols, got, st.want, r.body)
				}
				if r.header.Get("ETag") == "" || r.header.Get("ETag") != r.json(t)["meta"].(map[string]any)["version"] {
					t.Errorf("ETag %q does not match meta.version", r.header.Get("ETag"))
				}
			})
		}
		// Soft delete keeps the user readable, with mailbox and self-alias disabled.
		expect(t, e.do(http.MethodGet, "/Users/bob@example.org", nil, asAdmin()), http.StatusOK, "")
		if got := fmt.Sprint(query(t, e, "SELECT active FROM alias WHERE address = 'bob@example.org'")); got != "[[0]]" {
			t.Errorf("self-alias active %s", got)
		}
		// A password change through PATCH.
		expect(t, patch(patchBody(op("replace", "password", "N3w-Passw0rd-99"))), http.StatusOK, "")
		if h := query(t, e, "SELECT password FROM mailbox WHERE username = 'bob@example.org'")[0][0]; !strings.HasPrefix(h, "$2y$10$") {
			t.Errorf("password %q", h)
		}

		// Errors, each leaving the mailbox as it was: the operations are atomic.
		before := row("name, quota, active, phone, email_other, password")
		for _, bad := range []struct {
			name     string
			body     any
			status   int
			scimType string
		}{
			{"read-only extension attribute", patchBody(op("replace", ext+":usedQuota", 1)), 400, "mutability"},
			{"id", patchBody(op("replace", "id", "x@example.org")), 400, "mutability"},
			{"meta", patchBody(op("replace", "meta.created", "2020-01-01T00:00:00Z")), 400, "mutability"},
			{"rename", patchBody(op("replace", "userName", "robert@example.org")), 400, "mutability"},
			{"remove a required attribute", patchBody(op("remove", "userName", nil)), 400, "mutability"},
			{"no target", patchBody(op("remove", `emails[type eq "fax"]`, nil)), 400, "noTarget"},
			{"malformed path", patchBody(op("replace", `emails[type eq`, "x")), 400, "invalidPath"},
			{"unknown sub-attribute", patchBody(op("replace", "name.nickname", "x")), 400, "invalidPath"},
			{"unknown extension attribute", patchBody(op("replace", ext+":colour", "x")), 400, "invalidPath"},
			{"bad boolean", patchBody(op("replace", "active", "maybe")), 400, "invalidValue"},
			{"bad quota", patchBody(op("replace", ext+":sizeQuota", "lots")), 400, "invalidValue"},
			{"quota above the domain's maximum", patchBody(op("replace", ext+":sizeQuota", 200*1024000)), 400, "invalidValue"},
			{"unknown op", patchBody(op("merge", "displayName", "x")), 400, "invalidSyntax"},
			{"replace without value", patchBody(op("replace", "displayName", nil)), 400, "invalidSyntax"},
			{"path-less value not an object", patchBody(op("replace", "", "x")), 400, "invalidValue"},
			{"valid then invalid", patchBody(op("replace", "displayName", "Changed"), op("replace", "active", "maybe")), 400, "invalidValue"},
			{"no operations", patchBody(), 400, "invalidValue"},
			{"wrong schema", map[string]any{"schemas": []string{scim.UserSchema}, "Operations": []any{op("replace", "active", true)}}, 400, "invalidValue"},
			{"operations not a list", map[string]any{"schemas": []string{scim.PatchOpSchema}, "Operations": "x"}, 400, "invalidValue"},
			{"malformed JSON", `{"schemas":[`, 400, "invalidSyntax"},
			{"emails value not an object", patchBody(op("add", "emails", []any{"x"})), 400, "invalidValue"},
			{"complex value not an object", patchBody(op("replace", "name", "x")), 400, "invalidValue"},
		} {
			t.Run("rejects "+bad.name, func(t *testing.T) {
				expect(t, patch(bad.body), bad.status, bad.scimType)
				if got := row("name, quota, active, phone, email_other, password"); got != before {
					t.Errorf("a failed PATCH changed the mailbox: %s -> %s", before, got)
				}
			})
		}
		// Attributes PostfixAdmin cannot store are accepted and ignored.
		expect(t, patch(patchBody(op("add", "nickName", "Babs"), op("replace", "title", "Boss"))), http.StatusOK, "")
		expect(t, e.do(http.MethodPatch, "/Users/nobody@example.org", patchBody(op("replace", "active", false)), asAdmin()), http.StatusNotFound, "")
		expect(t, e.do(http.MethodPatch, "/Users/info@example.org", patchBody(op("replace", "active", false)), asAdmin()), http.StatusNotFound, "")

		// Prefer: return=minimal gives 204 with the new ETag.
		r := patch(patchBody(op("replace", "displayName", "Minimal")), header("Prefer", "return=minimal"))
		expect(t, r, http.StatusNoContent, "")
		if r.header.Get("ETag") == "" || len(r.body) != 0 {
			t.Errorf("204: ETag %q body %q", r.header.Get("ETag"), r.body)
		}
	})
}

func TestPatchDomain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		r := e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("Replace", "maxMailboxes", 30), op("remove", "description", nil), op("replace", "active", "False")), asAdmin())
		expect(t, r, http.StatusOK, "")
		if got := fmt.Sprint(query(t, e, "SELECT mailboxes, description, active, maxquota FROM domain WHERE domain = 'example.org'")); got != "[[30  0 100]]" {
			t.Errorf("domain row %s", got)
		}
		expect(t, e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("replace", "colour", "red")), asAdmin()), http.StatusBadRequest, "invalidPath")
		expect(t, e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("replace", "mailboxCount", 1)), asAdmin()), http.StatusBadRequest, "mutability")
		expect(t, e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("replace", "domainName", "other.org")), asAdmin()), http.StatusBadRequest, "mutability")
		expect(t, e.do(http.MethodPatch, "/Domains/ALL", patchBody(op("replace", "active", true)), asAdmin()), http.StatusNotFound, "")
	})
}

// ETags: GET answers 304 to its own version; writes with a stale If-Match
// answer 412 and change nothing.
func TestETags(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		for _, path := range []string{"/Users/alice@example.org", "/Domains/example.org"} {
			r := e.do(http.MethodGet, path, nil, asAdmin())
			etag := r.header.Get("ETag")
			if !strings.HasPrefix(etag, `W/"`) || etag != r.json(t)["meta"].(map[string]any)["version"] {
				t.Fatalf("%s: ETag %q", path, etag)
			}
			expect(t, e.do(http.MethodGet, path, nil, asAdmin(), header("If-None-Match", etag)), http.StatusNotModified, "")
			expect(t, e.do(http.MethodGet, path, nil, asAdmin(), header("If-None-Match", `W/"other"`)), http.StatusOK, "")
			stale := `W/"0123456789abcdef01234567"`
			body := patchBody(op("replace", "active", true))
			expect(t, e.do(http.MethodPatch, path, body, asAdmin(), header("If-Match", stale)), http.StatusPreconditionFailed, "")
			expect(t, e.do(http.MethodDelete, path, nil, asAdmin(), header("If-Match", stale)), http.StatusPreconditionFailed, "")
			r = e.do(http.MethodPatch, path, patchBody(op("replace", "active", false)), asAdmin(), header("If-Match", etag))
			expect(t, r, http.StatusOK, "")
			if r.header.Get("ETag") == etag {
				t.Errorf("%s: ETag unchanged after a change", path)
			}
			expect(t, e.do(http.MethodPatch, path, body, asAdmin(), header("If-Match", etag)), http.StatusPreconditionFailed, "")
			expect(t, e.do(http.MethodPatch, path, body, asAdmin(), header("If-Match", "*")), http.StatusOK, "")
		}
		// PUT honours If-Match as well.
		r := e.do(http.MethodGet, "/Users/carol@example.org", nil, asAdmin())
		put := userBody("carol@example.org", map[string]any{"password": nil, "displayName": "Carol"})
		expect(t, e.do(http.MethodPut, "/Users/carol@example.org", put, asAdmin(), header("If-Match", `W/"nope"`)), http.StatusPreconditionFailed, "")
		expect(t, e.do(http.MethodPut, "/Users/carol@example.org", put, asAdmin(), header("If-Match", r.header.Get("ETag"))), http.StatusOK, "")
	})
}

// Concurrent PATCHes with the same If-Match never lose an update: exactly one
// wins, the others get 412.
func TestConcurrentPatchesWithIfMatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		etag := e.do(http.MethodGet, "/Users/dave@example.org", nil, asAdmin()).header.Get("ETag")
		var wg sync.WaitGroup
		statuses := make([]int, 10)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.do(http.MethodPatch, "/Users/dave@example.org", patchBody(op("replace", "displayName", fmt.Sprintf("Dave %d", i))), asAdmin(), header("If-Match", etag))
				statuses[i] = r.status
			}()
		}
		wg.Wait()
		won := 0
		for i, s := range statuses {
			switch s {
			case http.StatusOK:
				won++
				if got := query(t, e, "SELECT name FROM mailbox WHERE username = 'dave@example.org'")[0][0]; got != fmt.Sprintf("Dave %d", i) {
					t.Errorf("winner %d, stored %q", i, got)
				}
			case http.StatusPreconditionFailed:
			default:
				t.Errorf("status %d", s)
			}
		}
		if won != 1 {
			t.Errorf("%d PATCHes won (%v), want exactly 1", won, statuses)
		}
	})
}
