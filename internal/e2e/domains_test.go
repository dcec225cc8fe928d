package e2e_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func domainBody(name string, attrs map[string]any) map[string]any {
	b := map[string]any{"schemas": []string{scim.DomainSchema}, "domainName": name}
	for k, v := range attrs {
		b[k] = v
	}
	return b
}

func TestDomainLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)

		r := e.do(http.MethodPost, "/Domains", domainBody("Example.COM", map[string]any{"description": "Test domain"}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		d := r.json(t)
		loc := e.base + "/Domains/example.com"
		if r.header.Get("Location") != loc || d["meta"].(map[string]any)["location"] != loc {
			t.Errorf("Location %q, meta.location %v, want %q", r.header.Get("Location"), d["meta"], loc)
		}
		// Attributes not given take PostfixAdmin's defaults for a new domain.
		want := map[string]any{"id": "example.com", "domainName": "example.com", "description": "Test domain",
			"maxAliases": 10.0, "maxMailboxes": 10.0, "maxQuota": 10.0, "domainQuota": 2048.0, "usedQuota": 0.0,
			"transport": "virtual", "backupMx": false, "passwordExpiry": 365.0, "active": true,
			"mailboxCount": 0.0, "aliasCount": 0.0}
		assertAttrs(t, d, want)

		expect(t, e.do(http.MethodPost, "/Domains", domainBody("example.com", nil), asAdmin()), http.StatusConflict, "uniqueness")

		r = e.do(http.MethodGet, "/Domains/EXAMPLE.com", nil, asAdmin())
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), want)
		version := r.json(t)["meta"].(map[string]any)["version"]

		// PUT replaces: given values are set, omitted limits return to the defaults.
		r = e.do(http.MethodPut, "/Domains/example.com", domainBody("example.com", map[string]any{
			"maxAliases": 99, "maxQuota": -1, "active": false, "backupMx": true, "transport": "relay:[mx.example.com]"}), asAdmin())
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"maxAliases": 99.0, "maxQuota": -1.0, "active": false, "backupMx": true,
			"transport": "relay:[mx.example.com]", "description": nil}) // cleared, so omitted (RFC 7643 §2.5)
		if r.json(t)["meta"].(map[string]any)["version"] == version {
			t.Error("meta.version did not change with the resource")
		}
		// Omitted active keeps its value; omitted limits are reset, never set to 0.
		r = e.do(http.MethodPut, "/Domains/example.com", domainBody("example.com", map[string]any{"description": "again"}), asAdmin())
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"active": false, "maxAliases": 10.0, "maxQuota": 10.0, "backupMx": false,
			"transport": "virtual", "description": "again"})

		expect(t, e.do(http.MethodPut, "/Domains/example.com", domainBody("other.com", nil), asAdmin()), http.StatusBadRequest, "mutability")
		expect(t, e.do(http.MethodPut, "/Domains/missing.com", domainBody("missing.com", nil), asAdmin()), http.StatusNotFound, "")

		// Paging: the sample has example.net and example.org.
		list := func(query string) map[string]any {
			r := e.do(http.MethodGet, "/Domains"+query, nil, asAdmin())
			expect(t, r, http.StatusOK, "")
			return r.json(t)
		}
		all := list("")
		if all["totalResults"] != 3.0 || len(all["Resources"].([]any)) != 3 {
			t.Fatalf("list = %v", all)
		}
		var names []string
		for _, res := range all["Resources"].([]any) {
			names = append(names, res.(map[string]any)["id"].(string))
		}
		if strings.Join(names, ",") != "example.com,example.net,example.org" {
			t.Errorf("list order %v", names)
		}
		page := list("?startIndex=2&count=1")
		if page["totalResults"] != 3.0 || page["startIndex"] != 2.0 || page["itemsPerPage"] != 1.0 ||
			page["Resources"].([]any)[0].(map[string]any)["id"] != "example.net" {
			t.Errorf("page = %v", page)
		}
		if none := list("?count=0"); none["totalResults"] != 3.0 || len(none["Resources"].([]any)) != 0 {
			t.Errorf("count=0 = %v", none)
		}
		if first := list("?startIndex=0&count=1"); first["startIndex"] != 1.0 || first["Resources"].([]any)[0].(map[string]any)["id"] != "example.com" {
			t.Errorf("startIndex=0 = %v", first)
		}

		expect(t, e.do(http.MethodDelete, "/Domains/Example.com", nil, asAdmin()), http.StatusNoContent, "")
		expect(t, e.do(http.MethodGet, "/Domains/example.com", nil, asAdmin()), http.StatusNotFound, "")
		expect(t, e.do(http.MethodDelete, "/Domains/example.com", nil, asAdmin()), http.StatusNotFound, "")
	})
}

func assertAttrs(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if _, ok := got["password"]; ok {
		t.Error("a password was returned")
	}
}

// Bad requests are SCIM 4xx errors, never 500.
func TestDomainRejectsBadInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		tests := []struct {
			name     string
			method   string
			path     string
			body     any
			opts     []reqOpt
			status   int
			scimType string
		}{
			{"malformed JSON", "POST", "/Domains", `{"schemas":[`, nil, 400, "invalidSyntax"},
			{"no body", "POST", "/Domains", nil, []reqOpt{header("Content-Type", "application/scim+json")}, 400, "invalidSyntax"},
			{"array body", "POST", "/Domains", `[]`, nil, 400, "invalidValue"},
			{"missing domainName", "POST", "/Domains", map[string]any{"schemas": []string{scim.DomainSchema}}, nil, 400, "invalidValue"},
			{"missing schemas", "POST", "/Domains", map[string]any{"domainName": "a.com"}, nil, 400, "invalidValue"},
			{"foreign schema", "POST", "/Domains", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "domainName": "a.com"}, nil, 400, "invalidValue"},
			{"unknown attribute", "POST", "/Domains", domainBody("a.com", map[string]any{"colour": "red"}), nil, 400, "invalidValue"},
			{"string limit", "POST", "/Domains", domainBody("a.com", map[string]any{"maxQuota": "lots"}), nil, 400, "invalidValue"},
			{"limit below -1", "POST", "/Domains", domainBody("a.com", map[string]any{"maxMailboxes": -2}), nil, 400, "invalidValue"},
			{"fractional limit", "POST", "/Domains", domainBody("a.com", map[string]any{"maxAliases": 1.5}), nil, 400, "invalidValue"},
			{"boolean as number", "POST", "/Domains", domainBody("a.com", map[string]any{"active": 1}), nil, 400, "invalidValue"},
			{"invalid name", "POST", "/Domains", domainBody("not a domain", nil), nil, 400, "invalidValue"},
			{"pseudo domain ALL", "POST", "/Domains", domainBody("ALL", nil), nil, 400, "invalidValue"},
			{"vacation domain", "POST", "/Domains", domainBody("autoreply.change-this-to-your.domain.tld", nil), nil, 400, "invalidValue"},
			{"text/plain", "POST", "/Domains", "domainName=a.com", []reqOpt{header("Content-Type", "text/plain")}, 415, ""},
			{"negative count", "GET", "/Domains?count=-1", nil, nil, 400, "invalidValue"},
			{"non-numeric startIndex", "GET", "/Domains?startIndex=abc", nil, nil, 400, "invalidValue"},
			{"method not offered", "POST", "/Domains/example.org", `{}`, nil, 405, ""},
			{"unknown endpoint", "GET", "/Nothing", nil, nil, 404, ""},
			{"body over 1 MB", "POST", "/Domains", `{"schemas":["` + strings.Repeat("x", 1<<20) + `"]}`, nil, 413, ""},
			{"unknown domain", "GET", "/Domains/nope.example", nil, nil, 404, ""},
			{"invalid id", "GET", "/Domains/%20bad%20", nil, nil, 404, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tt.method, tt.path, tt.body, append([]reqOpt{asAdmin()}, tt.opts...)...)
				expect(t, r, tt.status, tt.scimType)
				if tt.status == 405 && r.header.Get("Allow") == "" {
					t.Error("405 without Allow")
				}
			})
		}
		t.Run("original URN and application/json accepted", func(t *testing.T) {
			body := `{"schemas":["urn:ietf:params:scim:schema:audriga:core:2.0:Domain"],"domainName":"legacy.example"}`
			r := e.do(http.MethodPost, "/Domains", body, asAdmin(), header("Content-Type", "application/json"))
			expect(t, r, http.StatusCreated, "")
		})
	})
}

// PostfixAdmin's ALL pseudo-domain is invisible.
func TestPseudoDomainAllIsHidden(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		for _, id := range []string{"ALL", "all"} {
			expect(t, e.do(http.MethodGet, "/Domains/"+id, nil, asAdmin()), http.StatusNotFound, "")
			expect(t, e.do(http.MethodPut, "/Domains/"+id, domainBody(id, nil), asAdmin()), http.StatusNotFound, "")
			expect(t, e.do(http.MethodDelete, "/Domains/"+id, nil, asAdmin()), http.StatusNotFound, "")
		}
		r := e.do(http.MethodGet, "/Domains", nil, asAdmin())
		if strings.Contains(string(r.body), `"ALL"`) {
			t.Errorf("ALL listed: %s", r.body)
		}
		if n := count(t, e, "SELECT COUNT(*) FROM domain WHERE domain = 'ALL'"); n != 1 {
			t.Errorf("ALL row count %d", n)
		}
	})
}

// DELETE keeps data safe by default and cascades like PostfixAdmin when configured.
func TestDomainDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		r := e.do(http.MethodDelete, "/Domains/example.org", nil, asAdmin())
		expect(t, r, http.StatusConflict, "")
		if !strings.Contains(string(r.body), "alias domain") {
			t.Errorf("detail does not name the alias domain: %s", r.body)
		}
		// example.net is only an alias domain (of example.org): it goes, with its alias_domain row.
		expect(t, e.do(http.MethodDelete, "/Domains/example.net", nil, asAdmin()), http.StatusNoContent, "")
		if n := count(t, e, "SELECT COUNT(*) FROM alias_domain"); n != 0 {
			t.Errorf("alias_domain rows left: %d", n)
		}
		r = e.do(http.MethodDelete, "/Domains/example.org", nil, asAdmin())
		expect(t, r, http.StatusConflict, "")
		if !strings.Contains(string(r.body), "mailbox") {
			t.Errorf("detail does not name the mailboxes: %s", r.body)
		}
		if n := count(t, e, "SELECT COUNT(*) FROM mailbox WHERE domain = 'example.org'"); n == 0 {
			t.Fatal("a refused delete removed mailboxes")
		}
	})
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true, func(c *config.Config) { c.DomainDeleteCascade = true })
		expect(t, e.do(http.MethodDelete, "/Domains/example.net", nil, asAdmin()), http.StatusNoContent, "")
		expect(t, e.do(http.MethodDelete, "/Domains/example.org", nil, asAdmin()), http.StatusNoContent, "")
		for _, q := range []string{
			"SELECT COUNT(*) FROM mailbox WHERE domain = 'example.org'",
			"SELECT COUNT(*) FROM alias WHERE domain = 'example.org'",
			"SELECT COUNT(*) FROM domain_admins WHERE domain = 'example.org'",
			"SELECT COUNT(*) FROM vacation WHERE domain = 'example.org'",
			"SELECT COUNT(*) FROM domain WHERE domain = 'example.org'",
		} {
			if n := count(t, e, q); n != 0 {
				t.Errorf("%s = %d after cascade", q, n)
			}
		}
		// PostfixAdmin erases the domain's history and logs the deletion itself.
		rows := query(t, e, "SELECT username, action, data FROM log WHERE domain = 'example.org'")
		if len(rows) != 1 || rows[0][0] != "admin@example.org (127.0.0.1)" || rows[0][1] != "delete_domain" || rows[0][2] != "example.org" {
			t.Errorf("log rows of example.org after delete: %v", rows)
		}
		if n := count(t, e, "SELECT COUNT(*) FROM domain WHERE domain = 'ALL'"); n != 1 {
			t.Error("the ALL row was touched")
		}
	})
}

// A domain created with default_aliases can be deleted without cascade: the
// default aliases that still hold exactly what default_aliases wrote came with
// the domain and go with it, as DomainHandler::delete() removes every alias
// of the domain. A default alias that was changed, or any other alias, keeps
// the refusal (it is data someone made).
func TestDomainDeleteTakesUnchangedDefaultAliases(t *testing.T) {
	defaults := map[string]string{"abuse": "abuse@change-this-to-your.domain.tld", "postmaster": "admin"}
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, false, func(c *config.Config) { c.PostfixAdmin.DefaultAliases = defaults })
		for _, d := range []string{"one.example", "two.example"} {
			expect(t, e.do(http.MethodPost, "/Domains", domainBody(d, nil), asAdmin()), http.StatusCreated, "")
		}
		if got := query(t, e, "SELECT address, goto FROM alias WHERE domain = 'one.example' ORDER BY address"); fmt.Sprint(got) != "[[abuse@one.example abuse@change-this-to-your.domain.tld] [postmaster@one.example admin@one.example]]" {
			t.Fatalf("default aliases %v", got)
		}
		expect(t, e.do(http.MethodDelete, "/Domains/one.example", nil, asAdmin()), http.StatusNoContent, "")
		if n := count(t, e, "SELECT COUNT(*) FROM alias WHERE domain = 'one.example'"); n != 0 {
			t.Errorf("%d aliases left", n)
		}
		// Changed through SCIM, postmaster@ is the administrator's now.
		r := e.do(http.MethodPatch, "/Groups/postmaster@two.example", patchBody(op("replace", scim.AliasGroupSchema+":externalMembers", []any{"ops@elsewhere.example"})), asAdmin())
		expect(t, r, http.StatusOK, "")
		r = e.do(http.MethodDelete, "/Domains/two.example", nil, asAdmin())
		expect(t, r, http.StatusConflict, "")
		if !strings.Contains(string(r.body), "1 alias(es)") {
			t.Errorf("detail %s", r.body)
		}
		expect(t, e.do(http.MethodDelete, "/Groups/postmaster@two.example", nil, asAdmin()), http.StatusNoContent, "")
		expect(t, e.do(http.MethodDelete, "/Domains/two.example", nil, asAdmin()), http.StatusNoContent, "")
	})
}

var sqliteTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)

// Creating a domain through the API writes the same rows PostfixAdmin's own
// UI wrote for example.org in the sample (same input, default aliases on).
func TestDomainWritesMatchPostfixAdmin(t *testing.T) {
	stockAliases := map[string]string{
		"abuse": "abuse@change-this-to-your.domain.tld", "hostmaster": "hostmaster@change-this-to-your.domain.tld",
		"postmaster": "postmaster@change-this-to-your.domain.tld", "webmaster": "webmaster@change-this-to-your.domain.tld",
	}
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true, func(c *config.Config) { c.PostfixAdmin.DefaultAliases = stockAliases })
		r := e.do(http.MethodPost, "/Domains", domainBody("example.com", map[string]any{
			"description": "Example Org", "maxAliases": 50, "maxMailboxes": 25, "maxQuota": 100, "domainQuota": 2048,
			"passwordExpiry": 365, "active": true}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if got := r.json(t)["aliasCount"]; got != 4.0 {
			t.Errorf("aliasCount = %v, want the 4 default aliases", got)
		}

		cols := "description, aliases, mailboxes, maxquota, quota, transport, backupmx, active, password_expiry"
		theirs := query(t, e, "SELECT "+cols+" FROM domain WHERE domain = 'example.org'")
		ours := query(t, e, "SELECT "+cols+" FROM domain WHERE domain = 'example.com'")
		if fmt.Sprint(ours) != fmt.Sprint(theirs) {
			t.Errorf("domain row\n ours   %v\n theirs %v", ours, theirs)
		}
		aliasCols := "replace(address, 'example.com', 'example.org'), goto, active"
		theirs = query(t, e, "SELECT replace(address, 'example.com', 'example.org'), goto, active FROM alias WHERE domain = 'example.org' AND address IN ('abuse@example.org','hostmaster@example.org','postmaster@example.org','webmaster@example.org') ORDER BY address")
		ours = query(t, e, "SELECT "+aliasCols+" FROM alias WHERE domain = 'example.com' ORDER BY address")
		if fmt.Sprint(ours) != fmt.Sprint(theirs) || len(ours) != 4 {
			t.Errorf("default aliases\n ours   %v\n theirs %v", ours, theirs)
		}
		theirs = query(t, e, "SELECT username, action, data FROM log WHERE domain = 'example.org' AND action = 'create_domain'")
		ours = query(t, e, "SELECT username, action, replace(data, 'example.com', 'example.org') FROM log WHERE domain = 'example.com'")
		if fmt.Sprint(ours) != fmt.Sprint(theirs) || len(ours) != 1 {
			t.Errorf("log rows (default aliases are not logged)\n ours   %v\n theirs %v", ours, theirs)
		}
		// Timestamps come from the database clock, created = modified, in the engine's native format.
		ts := query(t, e, "SELECT created, modified FROM domain WHERE domain = 'example.com'")
		if ts[0][0] != ts[0][1] {
			t.Errorf("created %v != modified %v", ts[0][0], ts[0][1])
		}
		if engine == sqlstore.SQLite {
			for _, d := range []string{"example.com", "example.org"} {
				raw := query(t, e, "SELECT created || '' FROM domain WHERE domain = '"+d+"'")
				if !sqliteTime.MatchString(raw[0][0]) {
					t.Errorf("%s.created stored as %q, not PostfixAdmin's YYYY-MM-DD HH:MM:SS", d, raw[0][0])
				}
			}
			raw := query(t, e, "SELECT created || '' FROM alias WHERE domain = 'example.com'")
			if !sqliteTime.MatchString(raw[0][0]) {
				t.Errorf("alias.created stored as %q", raw[0][0])
			}
		}
	})
}

// The Domain resource works on the older layouts PostfixAdmin installs still run.
func TestDomainsOnOlderLayouts(t *testing.T) {
	for _, layout := range []testdb.Layout{testdb.Release405, testdb.Release3316} {
		t.Run(layout.String(), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
				e := start(t, engine, layout, layout == testdb.Release3316)
				expect(t, e.do(http.MethodPost, "/Domains", domainBody("new.example", map[string]any{"maxQuota": 50}), asAdmin()), http.StatusCreated, "")
				r := e.do(http.MethodPut, "/Domains/new.example", domainBody("new.example", map[string]any{"description": "x", "active": false}), asAdmin())
				expect(t, r, http.StatusOK, "")
				assertAttrs(t, r.json(t), map[string]any{"description": "x", "active": false, "maxQuota": 10.0})
				expect(t, e.do(http.MethodGet, "/Domains", nil, asAdmin()), http.StatusOK, "")
				expect(t, e.do(http.MethodDelete, "/Domains/new.example", nil, asAdmin()), http.StatusNoContent, "")
			})
		})
	}
}

// query runs a raw SQL query with no parameters and returns the rows as strings.
func query(t *testing.T, e *env, q string) [][]string {
	t.Helper()
	_, rows := testdb.Rows(t, e.db.Raw, q)
	return rows
}

func count(t *testing.T, e *env, q string) int {
	t.Helper()
	var n int
	if err := e.db.Raw.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// meta.location and Location are absolute; X-Forwarded-* count only from a
// configured trusted proxy.
func TestLocationBehindProxies(t *testing.T) {
	forwarded := []reqOpt{header("X-Forwarded-Proto", "https"), header("X-Forwarded-Host", "scim.example.net"), header("X-Forwarded-For", "203.0.113.7")}
	e := start(t, sqlstore.SQLite, testdb.Master, true)
	r := e.do(http.MethodGet, "/Domains/example.org", nil, append(forwarded, asAdmin())...)
	if loc := r.json(t)["meta"].(map[string]any)["location"]; loc != e.base+"/Domains/example.org" {
		t.Errorf("untrusted X-Forwarded-* used: %v", loc)
	}
	e = start(t, sqlstore.SQLite, testdb.Master, true, func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	r = e.do(http.MethodPost, "/Domains", domainBody("proxied.example", nil), append(forwarded, asAdmin())...)
	expect(t, r, http.StatusCreated, "")
	want := "https://scim.example.net/scim/v2/Domains/proxied.example"
	if r.header.Get("Location") != want || r.json(t)["meta"].(map[string]any)["location"] != want {
		t.Errorf("Location %q, meta %v, want %s", r.header.Get("Location"), r.json(t)["meta"], want)
	}
	// The log row names the client the trusted proxy reports.
	if got := query(t, e, "SELECT username FROM log WHERE action = 'create_domain' AND domain = 'proxied.example'"); fmt.Sprint(got) != "[[admin@example.org (203.0.113.7)]]" {
		t.Errorf("log username %v", got)
	}
}
