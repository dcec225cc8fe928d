package e2e_test

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

var sampleUsers = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"}

func ids(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, res := range r.json(t)["Resources"].([]any) {
		id := res.(map[string]any)["id"].(string)
		out = append(out, strings.TrimSuffix(id, "@example.org"))
	}
	return out
}

func sorted(s []string) []string { s = append([]string{}, s...); sort.Strings(s); return s }

// Filters over every filterable attribute and operator, on every engine.
func TestUserFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		// Give the sample some variety: an inactive mailbox, a second email, a phone, usage.
		for _, q := range []string{
			"UPDATE mailbox SET active = " + boolLiteral(engine, false) + " WHERE username = 'carol@example.org'",
			"UPDATE mailbox SET email_other = 'dave@home.example', phone = '+49 30 5550' WHERE username = 'dave@example.org'",
			"INSERT INTO quota2 (username, bytes, messages) VALUES ('erin@example.org', 4096, 2)",
		} {
			if _, err := e.db.Raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		ext := scim.ProvisioningSchema
		all := sampleUsers
		without := func(names ...string) []string {
			var out []string
			for _, u := range all {
				skip := false
				for _, n := range names {
					skip = skip || n == u
				}
				if !skip {
					out = append(out, u)
				}
			}
			return out
		}
		tests := []struct {
			filter string
			want   []string
		}{
			{`userName eq "alice@example.org"`, []string{"alice"}},
			{`userName eq "ALICE@Example.org"`, []string{"alice"}},
			{`UserName Eq "alice@example.org"`, []string{"alice"}},
			{`id eq "bob@example.org"`, []string{"bob"}},
			{`userName ne "alice@example.org"`, without("alice")},
			{`userName sw "ju"`, []string{"judy"}},
			{`userName ew "@example.org"`, all},
			{`userName co "ALL"`, []string{"mallory"}},
			{`userName co "%"`, nil},
			{`userName co "_"`, nil},
			{`userName gt "mallory@example.org"`, []string{"oscar"}},
			{`userName le "bob@example.org"`, []string{"alice", "bob"}},
			{`userName pr`, all},
			{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice@example.org"`, []string{"alice"}},
			{`displayName eq "alice example"`, []string{"alice"}},
			{`name.formatted co "MD5CRYPT"`, []string{"bob"}},
			{`active eq false`, []string{"carol"}},
			{`active eq true`, without("carol")},
			{`active ne true`, []string{"carol"}},
			{`emails.value eq "dave@home.example"`, []string{"dave"}},
			{`emails eq "alice@example.org"`, []string{"alice"}},
			{`emails[type eq "other"]`, []string{"dave"}},
			{`emails[type eq "work" and value sw "ALI"]`, []string{"alice"}},
			{`emails[primary eq false and value ew ".example"]`, []string{"dave"}},
			{`emails.type eq "other"`, []string{"dave"}},
			{`emails[type eq "work"].value eq "ALICE@example.org"`, []string{"alice"}}, // Entra ID's form
			{`phoneNumbers pr`, []string{"dave"}},
			{`phoneNumbers.value sw "+49"`, []string{"dave"}},
			{ext + `:sizeQuota gt 51200000`, []string{"bob"}},
			{ext + `:sizeQuota eq 61440000`, []string{"bob"}},
			{ext + `:sizeQuota lt 61440000`, without("bob")},
			{ext + `:usedQuota gt 0`, []string{"erin"}},
			{ext + `:usedQuota ge 4096`, []string{"erin"}},
			{ext + `:maildir eq "example.org/frank/"`, []string{"frank"}},
			{`urn:ietf:params:scim:schemas:extension:audriga:provisioning:2.0:User:sizeQuota gt 51200000`, []string{"bob"}},
			{`meta.created gt "2020-01-01T00:00:00Z"`, all},
			{`meta.created lt "2020-01-01T00:00:00+01:00"`, nil},
			{`meta.lastModified ge "2026-11-27T00:00:00Z" and meta.lastModified le "2026-11-28T00:00:00Z"`, all},
			{`not (userName eq "alice@example.org")`, without("alice")},
			{`userName eq "alice@example.org" or userName eq "bob@example.org"`, []string{"alice", "bob"}},
			{`(userName sw "a" or userName sw "c") and active eq true`, []string{"alice"}},
			{`userName sw "a" or userName sw "c" and active eq true`, []string{"alice"}},
			{`not (active eq true) or ` + ext + `:sizeQuota ge 61440000`, []string{"bob", "carol"}},
		}
		for _, tt := range tests {
			t.Run(tt.filter, func(t *testing.T) {
				r := e.do(http.MethodGet, "/Users?count=100&filter="+url.QueryEscape(tt.filter), nil, asAdmin())
				expect(t, r, http.StatusOK, "")
				got := ids(t, r)
				if strings.Join(sorted(got), ",") != strings.Join(sorted(tt.want), ",") {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				if n := r.json(t)["totalResults"]; n != float64(len(tt.want)) {
					t.Errorf("totalResults %v, want %d", n, len(tt.want))
				}
			})
		}
		for _, bad := range []string{`password eq "x"`, `userName eq`, `active eq "yes"`, ext + `:sizeQuota co "1"`,
			`nickName eq "x"`, `meta.created gt "yesterday"`, `emails[display eq "x"]`, `userName eq "a") or (1=1`} {
			t.Run("invalid "+bad, func(t *testing.T) {
				expect(t, e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(bad), nil, asAdmin()), http.StatusBadRequest, "invalidFilter")
			})
		}
	})
}

func TestDomainFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		tests := []struct {
			filter string
			want   string
		}{
			{`domainName eq "EXAMPLE.ORG"`, "example.org"},
			{`id eq "example.net"`, "example.net"},
			{`maxMailboxes gt 10`, "example.org"},
			{`maxQuota ge 100 and active eq true`, "example.org"},
			{`description co "ALIAS DOMAIN"`, "example.net"},
			{`backupMx eq false`, "example.net,example.org"},
			{`transport eq "virtual"`, "example.net,example.org"},
			{`passwordExpiry eq 0`, "example.net"},
			{`domainQuota eq 2048`, "example.org"},
			{`maxAliases lt 1`, "example.net"},
			{`domainName eq "ALL"`, ""},
			{`meta.created gt "2020-01-01T00:00:00Z"`, "example.net,example.org"},
			{`urn:ietf:params:scim:schemas:audriga:2.0:Domain:domainName sw "example.n"`, "example.net"},
		}
		for _, tt := range tests {
			t.Run(tt.filter, func(t *testing.T) {
				r := e.do(http.MethodGet, "/Domains?filter="+url.QueryEscape(tt.filter), nil, asAdmin())
				expect(t, r, http.StatusOK, "")
				var got []string
				for _, res := range r.json(t)["Resources"].([]any) {
					got = append(got, res.(map[string]any)["id"].(string))
				}
				if strings.Join(got, ",") != tt.want {
					t.Errorf("got %v, want %s", got, tt.want)
				}
			})
		}
		expect(t, e.do(http.MethodGet, "/Domains?filter="+url.QueryEscape(`usedQuota gt 1`), nil, asAdmin()), http.StatusBadRequest, "invalidFilter")
	})
}

func TestSortPagingAndProjection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		get := func(q string) response {
			r := e.do(http.MethodGet, "/Users?"+q, nil, asAdmin())
			expect(t, r, http.StatusOK, "")
			return r
		}
		if got := ids(t, get("sortBy=userName&sortOrder=descending&count=3")); strings.Join(got, ",") != "oscar,mallory,judy" {
			t.Errorf("descending: %v", got)
		}
		// Ties (all but bob have 50 MB) are broken by id, so pages never overlap.
		if got := ids(t, get("sortBy="+url.QueryEscape(scim.ProvisioningSchema+":sizeQuota")+"&sortOrder=descending&count=2")); strings.Join(got, ",") != "bob,oscar" {
			t.Errorf("by quota: %v", got)
		}
		var paged []string
		for start := 1; start <= 12; start += 5 {
			paged = append(paged, ids(t, get("sortBy=name.formatted&count=5&startIndex="+strconv.Itoa(start)))...)
		}
		if len(paged) != 12 || strings.Join(sorted(paged), ",") != strings.Join(sorted(sampleUsers), ",") {
			t.Errorf("pages by name: %v", paged)
		}
		r := get("filter=" + url.QueryEscape(`userName sw "a"`) + "&startIndex=1&count=0")
		if r.json(t)["totalResults"] != 1.0 || len(r.json(t)["Resources"].([]any)) != 0 {
			t.Errorf("count=0: %s", r.body)
		}
		expect(t, e.do(http.MethodGet, "/Users?sortBy=password", nil, asAdmin()), http.StatusBadRequest, "invalidValue")

		// attributes / excludedAttributes, on lists and single resources.
		one := func(r response) map[string]any { return r.json(t)["Resources"].([]any)[0].(map[string]any) }
		u := one(get("filter=" + url.QueryEscape(`userName eq "alice@example.org"`) + "&attributes=userName"))
		if keys(u) != "id,schemas,userName" {
			t.Errorf("attributes=userName: %v", u)
		}
		u = one(get("filter=" + url.QueryEscape(`userName eq "alice@example.org"`) + "&attributes=emails.value,name.formatted"))
		if keys(u) != "emails,id,name,schemas" || keys(u["emails"].([]any)[0].(map[string]any)) != "value" {
			t.Errorf("sub-attributes: %v", u)
		}
		r = e.do(http.MethodGet, "/Users/alice@example.org?attributes="+url.QueryEscape(scim.ProvisioningSchema+":sizeQuota"), nil, asAdmin())
		expect(t, r, http.StatusOK, "")
		if m := r.json(t); keys(m) != "id,schemas,"+scim.ProvisioningSchema || keys(m[scim.ProvisioningSchema].(map[string]any)) != "sizeQuota" {
			t.Errorf("extension attribute: %s", r.body)
		}
		r = e.do(http.MethodGet, "/Users/alice@example.org?excludedAttributes=emails,meta,id", nil, asAdmin())
		if m := r.json(t); m["emails"] != nil || m["meta"] != nil || m["id"] == nil || m["userName"] == nil {
			t.Errorf("excludedAttributes: %s", r.body)
		}
		r = e.do(http.MethodGet, "/Domains/example.org?attributes=maxQuota", nil, asAdmin())
		if keys(r.json(t)) != "id,maxQuota,schemas" {
			t.Errorf("domain projection: %s", r.body)
		}
		r = e.do(http.MethodPost, "/Users?attributes=userName", userBody("proj@example.org", nil), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if keys(r.json(t)) != "id,schemas,userName" {
			t.Errorf("POST projection: %s", r.body)
		}
		expect(t, e.do(http.MethodGet, "/Users?attributes=userName&excludedAttributes=emails", nil, asAdmin()), http.StatusBadRequest, "invalidValue")
	})
}

func TestSearchEndpoints(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		search := func(path string, body map[string]any) response {
			body["schemas"] = []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}
			r := e.do(http.MethodPost, path, body, asAdmin())
			return r
		}
		r := search("/Users/.search", map[string]any{"filter": `userName sw "a" or userName sw "b"`, "attributes": []string{"userName"}, "sortBy": "userName", "sortOrder": "descending", "count": 1, "startIndex": 1})
		expect(t, r, http.StatusOK, "")
		if got := ids(t, r); strings.Join(got, ",") != "bob" || r.json(t)["totalResults"] != 2.0 {
			t.Errorf("users search: %s", r.body)
		}
		r = search("/Domains/.search", map[string]any{"filter": `maxMailboxes gt 0`})
		expect(t, r, http.StatusOK, "")
		if r.json(t)["totalResults"] != 1.0 {
			t.Errorf("domains search: %s", r.body)
		}
		// The root search applies the filter to every type that has its attributes.
		r = search("/.search", map[string]any{"filter": `active eq true`, "count": 100})
		expect(t, r, http.StatusOK, "")
		if r.json(t)["totalResults"] != 14.0 {
			t.Errorf("root search across types: total %v", r.json(t)["totalResults"])
		}
		r = search("/.search", map[string]any{"filter": `domainName eq "example.org"`})
		if got := ids(t, r); strings.Join(got, ",") != "example.org" {
			t.Errorf("root search for a domain: %v", got)
		}
		// Paging across the types: the 12 users come first, then the 2 domains, then the 5 groups.
		r = search("/.search", map[string]any{"startIndex": 12, "count": 3})
		if got := ids(t, r); strings.Join(got, ",") != "oscar,example.net,example.org" || r.json(t)["totalResults"] != 19.0 {
			t.Errorf("root paging: %v", got)
		}
		r = search("/.search", map[string]any{"startIndex": 14, "count": 2})
		if got := ids(t, r); strings.Join(got, ",") != "example.org,abuse" {
			t.Errorf("root paging: %v", got)
		}
		expect(t, search("/.search", map[string]any{"filter": `nickName eq "x"`}), http.StatusBadRequest, "invalidFilter")
		expect(t, e.do(http.MethodPost, "/Users/.search", map[string]any{"schemas": []string{scim.UserSchema}}, asAdmin()), http.StatusBadRequest, "invalidValue")
		expect(t, search("/Users/.search", map[string]any{"bogus": 1}), http.StatusBadRequest, "invalidValue")
	})
}

func keys(m map[string]any) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Cached list totals never hide this server's own writes.
func TestTotalsFollowWrites(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		total := func() float64 {
			return e.do(http.MethodGet, "/Users?count=1", nil, asAdmin()).json(t)["totalResults"].(float64)
		}
		before := total()
		expect(t, e.do(http.MethodPost, "/Users", userBody("new1@example.org", nil), asAdmin()), http.StatusCreated, "")
		if got := total(); got != before+1 {
			t.Errorf("after create: %v, want %v", got, before+1)
		}
		expect(t, e.do(http.MethodDelete, "/Users/new1@example.org", nil, asAdmin()), http.StatusNoContent, "")
		if got := total(); got != before {
			t.Errorf("after delete: %v, want %v", got, before)
		}
	})
}
