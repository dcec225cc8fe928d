package e2e_test

import (
	"bufio"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// A hostile request: sent either through e.do (method, path, body, opts) or,
// when raw is set, verbatim over TCP (for what an HTTP client refuses to send).
type hostile struct {
	name   string
	method string
	path   string
	body   any
	opts   []reqOpt
	raw    string
}

// Issue 12: "A table of ≥ 200 hostile requests in the e2e suite on all three
// engines, each asserting a SCIM 4xx and an unchanged database (row checksums
// before/after)." RFC 7644 §3.12: errors are returned with a SCIM error body
// ("urn:ietf:params:scim:api:messages:2.0:Error", status as a string); a
// client's mistake is a 4xx, never a 5xx.
func TestHostileRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		table := hostileTable(engine)
		if len(table) < 200 {
			t.Fatalf("only %d hostile requests", len(table))
		}
		before := checksum(t, e.db.Raw)
		statuses := map[int]int{}
		for _, h := range table {
			var r response
			if h.raw != "" {
				r = e.sendRaw(t, h.raw)
			} else {
				r = e.do(h.method, h.path, h.body, append([]reqOpt{asAdmin()}, h.opts...)...)
			}
			statuses[r.status]++
			if r.status < 400 || r.status >= 500 {
				t.Errorf("%s: status %d, want a 4xx; body %.300s", h.name, r.status, r.body)
				continue
			}
			if ct := r.header.Get("Content-Type"); ct != "application/scim+json" {
				t.Errorf("%s: %d with Content-Type %q, want a SCIM error body: %.200s", h.name, r.status, ct, r.body)
				continue
			}
			if m := r.json(t); m["status"] != fmt.Sprint(r.status) || !slices.Contains(anyStrings(m["schemas"]), "urn:ietf:params:scim:api:messages:2.0:Error") {
				t.Errorf("%s: not a SCIM error body: %s", h.name, r.body)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: without the security headers: %v", h.name, r.header)
			}
			if after := checksum(t, e.db.Raw); after != before {
				t.Errorf("%s: the database changed (%d answered)", h.name, r.status)
				before = after
			}
		}
		t.Logf("%d hostile requests: statuses %v", len(table), statuses)

		// Valid filters with characters no address can hold (a lone surrogate
		// decodes to U+FFFD, RFC 8259 §8.2; emoji): they match nothing — on
		// MySQL, too, whose latin1 address columns refused the comparison (500).
		for _, f := range []string{`userName eq "\udcff"`, `userName eq "📧@example.org"`, `userName sw "邮件"`,
			`emails.value co "📧"`, `not (userName eq "📧")`} {
			r := e.do("GET", "/Users?filter="+url.QueryEscape(f), nil, asAdmin())
			want := 0.0
			if strings.HasPrefix(f, "not") {
				want = 12 // every sample mailbox
			}
			if r.status != http.StatusOK || r.json(t)["totalResults"] != want {
				t.Errorf("filter %s: %d %s, want 200 with %v results", f, r.status, r.body, want)
			}
		}
	})
}

func anyStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func hostileTable(engine sqlstore.Engine) []hostile {
	var t []hostile
	add := func(name, method, path string, body any, opts ...reqOpt) {
		t = append(t, hostile{name: name, method: method, path: path, body: body, opts: opts})
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	badStrings := map[string]any{
		"NUL": "a\x00b", "256 characters": long(256), "300 characters": long(300), "a number": 5, "a boolean": true,
		"a list": []any{"x"}, "an object": map[string]any{"x": 1},
	}
	badInts := map[string]any{
		"2^31": int64(1) << 31, "2^32": int64(1) << 32, "2^63-1": int64(9223372036854775807), "2^64": "18446744073709551616",
		"-2": -2, "1.5": 1.5, "a string": "10", "1e300": 1e300, "true": true,
	}
	patchOp := func(op, path string, value any) map[string]any {
		o := map[string]any{"op": op}
		if path != "" {
			o["path"] = path
		}
		if value != nil {
			o["value"] = value
		}
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{o}}
	}
	rawNumber := func(body map[string]any, key string, v any) any {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "1844") { // beyond int64: only raw JSON carries it
			b := marshal(body)
			return strings.Replace(b, `"`+key+`":"`+s+`"`, `"`+key+`":`+s, 1)
		}
		return body
	}

	// Users: POST and PUT with each attribute bad.
	userAttrs := map[string]func(v any) map[string]any{
		"userName":    func(v any) map[string]any { return userBody("", map[string]any{"userName": v}) },
		"displayName": func(v any) map[string]any { return userBody("h1@example.org", map[string]any{"displayName": v}) },
		"name.formatted": func(v any) map[string]any {
			return userBody("h1@example.org", map[string]any{"name": map[string]any{"formatted": v}})
		},
		"password":   func(v any) map[string]any { return userBody("h1@example.org", map[string]any{"password": v}) },
		"externalId": func(v any) map[string]any { return userBody("h1@example.org", map[string]any{"externalId": v}) },
		"phoneNumbers.value": func(v any) map[string]any {
			return userBody("h1@example.org", map[string]any{"phoneNumbers": []any{map[string]any{"value": v}}})
		},
	}
	for attr, body := range userAttrs {
		for what, v := range badStrings {
			if attr == "password" && what == "256 characters" {
				v = long(100) + "1" // beyond bcrypt's 72 bytes
			}
			if (attr == "externalId" || attr == "displayName" || attr == "name.formatted") && (what == "256 characters") {
				continue // 256 characters may fit a column; 300 is the over-long case
			}
			add("POST /Users "+attr+" "+what, "POST", "/Users", body(v))
			b := body(v)
			if attr != "userName" {
				b["userName"] = "alice@example.org"
			}
			add("PUT /Users "+attr+" "+what, "PUT", "/Users/alice@example.org", b)
		}
	}
	for what, v := range badInts {
		b := userBody("h2@example.org", map[string]any{scim.ProvisioningSchema: map[string]any{"sizeQuota": v}})
		add("POST /Users sizeQuota "+what, "POST", "/Users", rawNumber(b, "sizeQuota", v))
	}
	for what, v := range map[string]any{"a string": "yes", "a number": 1, "a list": []any{true}} {
		add("POST /Users active "+what, "POST", "/Users", userBody("h3@example.org", map[string]any{"active": v}))
	}
	for name, b := range map[string]any{
		"userName without @":      userBody("nobody", nil),
		"userName of no domain":   userBody("x@unknown.example", nil),
		"userName two @":          userBody("a@b@example.org", nil),
		"userName with space":     userBody("a b@example.org", nil),
		"userName taken":          userBody("alice@example.org", nil),
		"userName taken, case":    userBody("ALICE@example.org", nil),
		"weak password":           userBody("h4@example.org", map[string]any{"password": "abc"}),
		"no schemas":              map[string]any{"userName": "h4@example.org"},
		"Group schema":            map[string]any{"schemas": []string{scim.GroupSchema}, "userName": "h4@example.org"},
		"quota above maxquota":    userBody("h4@example.org", map[string]any{scim.ProvisioningSchema: quota(200 * 1024000)}),
		"unlimited quota refused": userBody("h4@example.org", map[string]any{scim.ProvisioningSchema: quota(0)}),
		"unknown extension key":   userBody("h4@example.org", map[string]any{scim.ProvisioningSchema: map[string]any{"colour": "red"}}),
		"forwards not addresses":  userBody("h4@example.org", map[string]any{scim.ProvisioningSchema: map[string]any{"forwards": []string{"not an address"}}}),
		"emails not a list":       userBody("h4@example.org", map[string]any{"emails": "x@example.org"}),
		"id in body differs":      userBody("h4@example.org", map[string]any{"schemas": []any{7}}),
	} {
		add("POST /Users "+name, "POST", "/Users", b)
	}

	// Users: PATCH.
	for name, b := range map[string]any{
		"unknown op":               patchOp("explode", "displayName", "x"),
		"unknown path":             patchOp("replace", "colour", "red"),
		"malformed path":           patchOp("replace", `emails[type eq "work"`, "x"),
		"remove userName":          patchOp("remove", "userName", nil),
		"userName to taken":        patchOp("replace", "userName", "bob@example.org"),
		"userName to other domain": patchOp("replace", "userName", "alice@example.net"),
		"active maybe":             patchOp("replace", "active", "maybe"),
		"displayName NUL":          patchOp("replace", "displayName", "a\x00b"),
		"displayName 300":          patchOp("replace", "displayName", long(300)),
		"displayName number":       patchOp("replace", "displayName", 12),
		"password weak":            patchOp("replace", "password", "a"),
		"password NUL":             patchOp("replace", "password", "Str0ng-\x00-Pass"),
		"sizeQuota 2^63-1":         patchOp("replace", scim.ProvisioningSchema+":sizeQuota", int64(9223372036854775807)),
		"sizeQuota string":         patchOp("replace", scim.ProvisioningSchema+":sizeQuota", "big"),
		"no value":                 patchOp("replace", "displayName", nil),
		"no-path value not object": patchOp("replace", "", "x"),
		"no Operations":            map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
		"empty Operations":         map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{}},
		"Operations not a list":    map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": "x"},
		"no PatchOp schema":        map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "x"}}},
		"second op bad":            map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "Changed"}, map[string]any{"op": "replace", "path": "active", "value": "x"}}},
		"filter no match remove":   patchOp("remove", `emails[value eq "nobody@example.org"]`, nil),
		"id immutable":             patchOp("replace", "id", "other@example.org"),
		"meta readOnly":            patchOp("replace", "meta.created", "2020-01-01T00:00:00Z"),
	} {
		add("PATCH /Users "+name, "PATCH", "/Users/alice@example.org", b)
	}

	// Domains: POST, PUT, PATCH.
	for _, attr := range []string{"description", "transport"} {
		for what, v := range badStrings {
			if what == "256 characters" {
				continue
			}
			add("POST /Domains "+attr+" "+what, "POST", "/Domains", domainBody("hostile.example", map[string]any{attr: v}))
			add("PATCH /Domains "+attr+" "+what, "PATCH", "/Domains/example.org", patchOp("replace", attr, v))
		}
	}
	if engine == sqlstore.MySQL { // domain.transport is a latin1 column there
		for what, v := range map[string]string{"emoji": "smtp:[📧.example]", "CJK": "smtp:邮件.example"} {
			add("POST /Domains transport "+what, "POST", "/Domains", domainBody("hostile.example", map[string]any{"transport": v}))
			add("PATCH /Domains transport "+what, "PATCH", "/Domains/example.org", patchOp("replace", "transport", v))
		}
	}
	for _, attr := range []string{"maxAliases", "maxMailboxes", "maxQuota", "domainQuota", "passwordExpiry"} {
		for what, v := range badInts {
			if attr == "passwordExpiry" && what == "-2" {
				v = -1 // passwordExpiry's minimum is 0
			}
			add("POST /Domains "+attr+" "+what, "POST", "/Domains", rawNumber(domainBody("hostile.example", map[string]any{attr: v}), attr, v))
			if s, ok := v.(string); !ok || !strings.HasPrefix(s, "1844") {
				add("PATCH /Domains "+attr+" "+what, "PATCH", "/Domains/example.org", patchOp("replace", attr, v))
			}
		}
	}
	for name, b := range map[string]any{
		"no domainName":         map[string]any{"schemas": []string{scim.DomainSchema}},
		"domainName invalid":    domainBody("not a domain", nil),
		"domainName 300":        domainBody(long(296)+".org", nil),
		"domainName NUL":        domainBody("a\x00b.example", nil),
		"domainName ALL":        domainBody("ALL", nil),
		"domainName taken":      domainBody("example.org", nil),
		"domainName taken case": domainBody("EXAMPLE.ORG", nil),
		"active string":         domainBody("hostile.example", map[string]any{"active": "yes"}),
		"backupMx number":       domainBody("hostile.example", map[string]any{"backupMx": 1}),
		"aliasFor unknown":      domainBody("hostile.example", map[string]any{"aliasFor": "unknown.example"}),
		"User schema":           map[string]any{"schemas": []string{scim.UserSchema}, "domainName": "hostile.example"},
	} {
		add("POST /Domains "+name, "POST", "/Domains", b)
	}
	add("PUT /Domains rename", "PUT", "/Domains/example.org", domainBody("other.example", nil))
	add("PATCH /Domains domainName", "PATCH", "/Domains/example.org", patchOp("replace", "domainName", "other.example"))
	add("DELETE /Domains with mailboxes", "DELETE", "/Domains/example.org", nil)

	// Groups.
	for name, b := range map[string]any{
		"no address":             groupBody(map[string]any{"displayName": "x"}),
		"address invalid":        groupBody(map[string]any{"displayName": "x", scim.AliasGroupSchema: map[string]any{"address": "not an address"}}),
		"address unknown domain": groupBody(map[string]any{"displayName": "x", scim.AliasGroupSchema: map[string]any{"address": "x@unknown.example"}}),
		"address is a mailbox":   groupBody(map[string]any{"displayName": "x", scim.AliasGroupSchema: map[string]any{"address": "alice@example.org"}}),
		"address taken":          groupBody(map[string]any{"displayName": "x", scim.AliasGroupSchema: map[string]any{"address": "info@example.org"}}),
		"address NUL":            groupBody(map[string]any{"displayName": "x", scim.AliasGroupSchema: map[string]any{"address": "a\x00@example.org"}}),
		"member unknown":         groupBody(map[string]any{"displayName": "x", "members": members("ghost@example.org"), scim.AliasGroupSchema: map[string]any{"address": "h@example.org"}}),
		"member not a string":    groupBody(map[string]any{"displayName": "x", "members": []any{map[string]any{"value": 5}}, scim.AliasGroupSchema: map[string]any{"address": "h@example.org"}}),
		"members not a list":     groupBody(map[string]any{"displayName": "x", "members": "alice@example.org", scim.AliasGroupSchema: map[string]any{"address": "h@example.org"}}),
		"external not address":   groupBody(map[string]any{"displayName": "x", scim.AliasGroupSchema: map[string]any{"address": "h@example.org", "externalMembers": []string{"no way"}}}),
		"displayName 300":        groupBody(map[string]any{"displayName": long(300), scim.AliasGroupSchema: map[string]any{"address": "h@example.org"}}),
		"displayName NUL":        groupBody(map[string]any{"displayName": "a\x00b", scim.AliasGroupSchema: map[string]any{"address": "h@example.org"}}),
		"displayName number":     groupBody(map[string]any{"displayName": 1, scim.AliasGroupSchema: map[string]any{"address": "h@example.org"}}),
		"unknown extension key":  groupBody(map[string]any{"displayName": "x", scim.AliasGroupSchema: map[string]any{"address": "h@example.org", "colour": 1}}),
	} {
		add("POST /Groups "+name, "POST", "/Groups", b)
	}
	for name, b := range map[string]any{
		"add unknown member":      patchOp("add", "members", members("ghost@example.org")),
		"add member NUL":          patchOp("add", "members", members("a\x00@example.org")),
		"add member not address":  patchOp("add", "members", members("nobody")),
		"members value number":    patchOp("add", "members", []any{map[string]any{"value": 3}}),
		"remove filter bad":       patchOp("remove", `members[value eq`, nil),
		"replace displayName 300": patchOp("replace", "displayName", long(300)),
		"unknown op":              patchOp("merge", "members", members("alice@example.org")),
		"unknown path":            patchOp("replace", "colour", "red"),
		"address immutable":       patchOp("replace", scim.AliasGroupSchema+":address", "other@example.org"),
	} {
		add("PATCH /Groups "+name, "PATCH", "/Groups/info@example.org", b)
	}

	// Query parameters on every list, and /.search bodies.
	badFilters := []string{
		`userName eq`, "userName eq \"\xff\"", `(((`, `userName zz "a"`, `colour eq "a"`,
		`userName eq "a" and`, `emails[type eq "work"`, strings.Repeat("(", 5000) + `userName eq "a"` + strings.Repeat(")", 5000),
		`userName eq 1e999`, `meta.created gt "not a date"`, `userName pr pr`, `not(`, `userName eq "` + long(20000) + `"`,
		"userName eq \"a\x00\"", `userName co ""x`, `active eq "maybe"`, `userName sw`, `and or`, `userName eq 'a'`,
	}
	for i, f := range badFilters {
		for _, res := range []string{"/Users", "/Domains", "/Groups"} {
			add(fmt.Sprintf("GET %s bad filter %d", res, i), "GET", res+"?filter="+url.QueryEscape(f), nil)
		}
		if utf8.ValidString(f) { // JSON would carry invalid UTF-8 as U+FFFD: a valid filter
			add(fmt.Sprintf("POST /.search bad filter %d", i), "POST", "/.search", map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": f})
		}
	}
	for _, q := range []string{"startIndex=99999999999999999999", "startIndex=abc", "startIndex=1e3",
		"count=abc", "count=99999999999999999999", "count=1.5", "sortOrder=sideways", "filter=%FF", "filter=%", "sortBy=%00", "attributes=%FF"} {
		add("GET /Users?"+q, "GET", "/Users?"+q, nil)
	}
	for name, b := range map[string]any{
		"startIndex string":  map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "startIndex": "1"},
		"count negative big": map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "count": 1e30},
		"filter number":      map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": 5},
		"no schemas":         map[string]any{"filter": `userName eq "a"`},
		"sortOrder bad":      map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "sortOrder": "up"},
		"attributes string":  map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "attributes": "userName"},
	} {
		add("POST /Users/.search "+name, "POST", "/Users/.search", b)
	}

	// Bodies that are not SCIM resources.
	for name, b := range map[string]string{
		"truncated": `{"userName":`, "array": `[]`, "null": `null`, "string": `"x"`, "number": `5`, "two objects": `{}{}`,
		"trailing garbage": `{"schemas":["` + scim.UserSchema + `"],"userName":"h5@example.org"} x`,
		"invalid UTF-8":    "{\"schemas\":[\"" + scim.UserSchema + "\"],\"userName\":\"h\xff@example.org\"}",
		"deep nesting":     strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"empty":            ``, "BOM": "\ufeff{}", "comment": `{/* */}`,
		"lone surrogate": `{"schemas":["` + scim.UserSchema + `"],"userName":"h\udcff@example.org","password":"Str0ng-Pass-12"}`,
	} {
		add("POST /Users body "+name, "POST", "/Users", b)
		add("PATCH /Users body "+name, "PATCH", "/Users/alice@example.org", b)
	}
	add("POST /Users body 2 MB", "POST", "/Users", `{"displayName":"`+long(2<<20)+`"}`)

	// Headers.
	for name, ct := range map[string]string{"text/plain": "text/plain", "latin1 charset": "application/scim+json; charset=latin1",
		"xml": "application/xml", "form": "application/x-www-form-urlencoded"} {
		add("POST /Users Content-Type "+name, "POST", "/Users", userBody("h6@example.org", nil), header("Content-Type", ct))
	}
	for name, im := range map[string]string{"other version": `W/"nope"`, "garbage": `garbage`, "empty quotes": `""`} {
		add("PUT /Users If-Match "+name, "PUT", "/Users/alice@example.org", userBody("alice@example.org", map[string]any{"displayName": "Changed"}), header("If-Match", im))
		add("PATCH /Users If-Match "+name, "PATCH", "/Users/alice@example.org", patchOp("replace", "displayName", "Changed"), header("If-Match", im))
		add("DELETE /Users If-Match "+name, "DELETE", "/Users/alice@example.org", nil, header("If-Match", im))
	}
	for name, auth := range map[string]string{
		"Basic NUL":           "Basic " + base64.StdEncoding.EncodeToString([]byte("admin\x00@example.org:"+adminPass)),
		"Basic invalid UTF-8": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin\xff@example.org:"+adminPass)),
		"Basic password NUL":  "Basic " + base64.StdEncoding.EncodeToString([]byte(adminUser+":"+adminPass+"\x00")),
		"Basic no colon":      "Basic " + base64.StdEncoding.EncodeToString([]byte(adminUser)),
		"Basic bad base64":    "Basic %%%",
		"Bearer garbage":      "Bearer a.b.c",
		"Bearer none alg":     "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbkBleGFtcGxlLm9yZyJ9.",
		"Digest":              "Digest username=admin",
		"empty Basic":         "Basic ",
		"domain admin":        "Basic " + base64.StdEncoding.EncodeToString([]byte("domainadmin@example.org:Domain-Admin-1")),
	} {
		add("DELETE /Users auth "+name, "DELETE", "/Users/bob@example.org", nil, header("Authorization", auth))
		add("POST /Domains auth "+name, "POST", "/Domains", domainBody("hostile.example", nil), header("Authorization", auth))
	}

	// Identifiers.
	for name, id := range map[string]string{"unknown": "ghost@example.org", "300 characters": long(300) + "@example.org",
		"NUL": "a%00b@example.org", "bad UTF-8": "%FF@example.org", "no domain": "nobody", "unknown domain": "a@unknown.example"} {
		add("GET /Users/"+name, "GET", "/Users/"+id, nil)
		add("DELETE /Users/"+name, "DELETE", "/Users/"+id, nil)
		add("PATCH /Users/"+name, "PATCH", "/Users/"+id, patchOp("replace", "displayName", "x"))
		add("DELETE /Groups/"+name, "DELETE", "/Groups/"+id, nil)
	}
	for name, id := range map[string]string{"unknown": "unknown.example", "NUL": "a%00.example", "bad UTF-8": "%FF.example", "ALL": "ALL"} {
		add("GET /Domains/"+name, "GET", "/Domains/"+id, nil)
		add("DELETE /Domains/"+name, "DELETE", "/Domains/"+id, nil)
	}
	add("DELETE /Users collection", "DELETE", "/Users", nil)
	add("PUT /Users collection", "PUT", "/Users", userBody("h7@example.org", nil))

	// What a client library refuses to send, verbatim. Some of it Go's HTTP
	// server refuses itself, before any handler (a bad % escape in the path,
	// a header line without a colon, no Host, headers over 1 MB): those
	// answers are rewritten into SCIM errors too (internal/app/conn.go).
	for name, target := range map[string]string{"bad % escape in id": "/Users/%ZZ", "bad % escape in query": "/Users?filter=%ZZ",
		"truncated % escape": "/Users/abc%E", "bad % escape in domain id": "/Domains/%G1"} {
		t = append(t, hostile{name: "raw " + name, raw: "GET " + "{base}" + target + " HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"})
	}
	for name, raw := range map[string]string{
		"header without a colon": "GET {base}/Users HTTP/1.1\r\nHost: x\r\n{auth}Not a header\r\n\r\n",
		"no Host":                "GET {base}/Users HTTP/1.1\r\n{auth}Connection: close\r\n\r\n",
		"two Hosts":              "GET {base}/Users HTTP/1.1\r\nHost: x\r\nHost: y\r\n{auth}\r\n",
		"headers over 1 MB":      "GET {base}/Users HTTP/1.1\r\nHost: x\r\n{auth}X-Big: " + strings.Repeat("b", 1<<20+4096) + "\r\n\r\n",
		"space in the target":    "GET {base}/Users/a b HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
		"bad Content-Length":     "POST {base}/Users HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 1x\r\n\r\n",
	} {
		t = append(t, hostile{name: "raw " + name, raw: raw})
	}
	t = append(t, hostile{name: "raw chunked garbage", raw: "POST {base}/Users HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n"})
	t = append(t, hostile{name: "raw short body", raw: "POST {base}/Users HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/scim+json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{}"})
	return t
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sendRaw writes a request verbatim ({base} is the base path, {auth} the
// admin's Authorization header line) and reads the answer.
func (e *env) sendRaw(t *testing.T, raw string) response {
	t.Helper()
	u, _ := url.Parse(e.base)
	raw = strings.ReplaceAll(raw, "{base}", u.Path)
	raw = strings.ReplaceAll(raw, "{auth}", "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(adminUser+":"+adminPass))+"\r\n")
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw, "Content-Length: 10") {
		c.(*net.TCPConn).CloseWrite() // the body ends early
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// checksum digests every row of PostfixAdmin's tables (and ours), so a test
// can tell that a request changed nothing.
func checksum(t *testing.T, db *sql.DB) string {
	t.Helper()
	h := sha256.New()
	for _, table := range []string{"admin", "alias", "alias_domain", "domain", "domain_admins", "log", "mailbox", "quota2",
		"vacation", "vacation_notification", "scim_external_id", "scim_user_spelling"} {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			fmt.Fprintf(h, "%s: absent\n", table)
			continue
		}
		var lines []string
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, v := range vals {
				b.WriteString(hex.EncodeToString(v))
				b.WriteByte('|')
			}
			lines = append(lines, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(lines)
		fmt.Fprintf(h, "%s: %s\n", table, strings.Join(lines, "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// PostfixAdmin 3.3's MySQL schema has utf8mb3 description columns (they stay
// so when PostfixAdmin upgrades the database: shared/postfixadmin-schema's
// README): a 4-byte character there is the client's 400 naming the
// attribute and the column's character set, with nothing written.
func TestFourByteCharacterInUTF8MB3Column(t *testing.T) {
	e := start(t, sqlstore.MySQL, testdb.Release3316, true)
	before := checksum(t, e.db.Raw)
	patch := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "description", "value": "Mail 📧"}}}
	r := e.do("PATCH", "/Domains/example.org", patch, asAdmin())
	expect(t, r, http.StatusBadRequest, "invalidValue")
	if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, "description") || !strings.Contains(d, "utf8mb3") {
		t.Errorf("detail %q names neither the attribute nor the column's character set", d)
	}
	if checksum(t, e.db.Raw) != before {
		t.Error("the database changed")
	}
}
