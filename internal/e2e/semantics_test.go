package e2e_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// SCIM semantics as compliance suites exercise them (issue #8): each test
// quotes the rule it enforces and runs on every engine.

// mailboxRow is the columns a User maps to, and the state a no-op must keep.
func mailboxRow(t *testing.T, e *env, user string) string {
	t.Helper()
	return fmt.Sprint(query(t, e, "SELECT name, phone, email_other, quota, active, modified FROM mailbox WHERE username = '"+user+"'"))
}

func logRows(t *testing.T, e *env) int { return count(t, e, "SELECT COUNT(*) FROM log") }

// setColumns changes a mailbox behind the server's back, as PostfixAdmin's UI would.
func setColumns(t *testing.T, e *env, user, set string) {
	t.Helper()
	if _, err := e.db.Raw.Exec("UPDATE mailbox SET " + set + " WHERE username = '" + user + "'"); err != nil {
		t.Fatal(err)
	}
}

func (e *env) patchUser(user string, ops ...map[string]any) response {
	e.t.Helper()
	return e.do(http.MethodPatch, "/Users/"+user, patchBody(ops...), asAdmin())
}

// RFC 7644 §3.5.2.3: "If the target location is a multi-valued attribute and a
// value selection ("valuePath") filter is specified that matches one or more
// values of the multi-valued attribute, then all matching record values SHALL
// be replaced." The work email is the mailbox address: §3.5.2 table 9
// "mutability: The attempted modification is not compatible with the target
// attribute's mutability or current state". Entra ID sends this path.
func TestPatchWorkEmailIsTheAddress(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const bob = "bob@example.org"
		setColumns(t, e, bob, "email_other = 'alt@x.example'")
		before, logs := mailboxRow(t, e, bob), logRows(t, e)
		expect(t, e.patchUser(bob, op("replace", `emails[type eq "work"].value`, "new@x.example")), http.StatusBadRequest, "mutability")
		if got := mailboxRow(t, e, bob); got != before {
			t.Errorf("a refused PATCH changed the row: %s -> %s", before, got)
		}
		r := e.patchUser(bob, op("Replace", `emails[type eq "work"].value`, "BOB@example.org"))
		expect(t, r, http.StatusOK, "")
		if got := mailboxRow(t, e, bob); got != before || logRows(t, e) != logs {
			t.Errorf("the same address is no change, yet %s -> %s, %d log rows added", before, got, logRows(t, e)-logs)
		}
		expect(t, e.patchUser(bob, op("replace", `emails[type eq "other"].value`, "alt2@x.example")), http.StatusOK, "")
		if got := query(t, e, "SELECT email_other FROM mailbox WHERE username = '"+bob+"'")[0][0]; got != "alt2@x.example" {
			t.Errorf("email_other %q", got)
		}
	})
}

// RFC 7644 §3.5.1: "HTTP PUT is used to replace a resource's attributes."
// mailbox.name is both name.formatted and displayName: a change to either
// takes effect; two different new values cannot both be kept.
func TestNameIsOneValue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const carol = "carol@example.org"
		name := func() string { return query(t, e, "SELECT name FROM mailbox WHERE username = '"+carol+"'")[0][0] }
		got := e.do(http.MethodGet, "/Users/"+carol, nil, asAdmin()).json(t)
		got["displayName"] = "Carol Display"
		expect(t, e.do(http.MethodPut, "/Users/"+carol, got, asAdmin()), http.StatusOK, "")
		if name() != "Carol Display" {
			t.Errorf("PUT changing displayName only: name %q", name())
		}
		got = e.do(http.MethodGet, "/Users/"+carol, nil, asAdmin()).json(t)
		got["name"].(map[string]any)["formatted"] = "Carol Formatted"
		expect(t, e.do(http.MethodPut, "/Users/"+carol, got, asAdmin()), http.StatusOK, "")
		if name() != "Carol Formatted" {
			t.Errorf("PUT changing name.formatted only: name %q", name())
		}
		got["displayName"], got["name"].(map[string]any)["formatted"] = "One", "Two"
		expect(t, e.do(http.MethodPut, "/Users/"+carol, got, asAdmin()), http.StatusBadRequest, "invalidValue")
		expect(t, e.patchUser(carol, op("replace", "displayName", "One"), op("replace", "name.formatted", "Two")), http.StatusBadRequest, "invalidValue")
		expect(t, e.patchUser(carol, op("replace", "displayName", "Patched")), http.StatusOK, "")
		if name() != "Patched" {
			t.Errorf("PATCH displayName: name %q", name())
		}
	})
}

// RFC 7644 §3.5.2.2: "If the target location is a single-value attribute, the
// attribute and its associated value is removed, and the attribute SHALL be
// considered unassigned." What PostfixAdmin cannot hold unassigned is refused.
func TestRemoveUnassigns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const dave = "dave@example.org"
		col := func(c string) string {
			return query(t, e, "SELECT "+c+" FROM mailbox WHERE username = '"+dave+"'")[0][0]
		}
		reset := func() {
			setColumns(t, e, dave, "name = 'Dave Smith', phone = '+1 555 0100', email_other = 'dave@home.example'")
		}
		for _, tt := range []struct{ path, column string }{
			{"displayName", "name"}, {"name", "name"}, {"name.formatted", "name"},
			{"phoneNumbers", "phone"}, {`phoneNumbers[type eq "work"]`, "phone"},
			{`emails[type eq "other"]`, "email_other"}, {`emails[value eq "dave@home.example"]`, "email_other"},
		} {
			reset()
			r := e.patchUser(dave, op("remove", tt.path, nil))
			expect(t, r, http.StatusOK, "")
			if got := col(tt.column); got != "" {
				t.Errorf("remove %s: %s = %q, want unassigned", tt.path, tt.column, got)
			}
		}
		reset()
		expect(t, e.patchUser(dave, op("remove", "name.familyName", nil)), http.StatusOK, "")
		if got := col("name"); got != "Dave" {
			t.Errorf("remove name.familyName: name %q, want Dave", got)
		}
		reset()
		before := mailboxRow(t, e, dave)
		for _, path := range []string{"active", "password", "userName", scim.ProvisioningSchema + ":sizeQuota", scim.ProvisioningSchema, "emails", `emails[type eq "work"]`} {
			expect(t, e.patchUser(dave, op("remove", path, nil)), http.StatusBadRequest, "mutability")
			if mailboxRow(t, e, dave) != before {
				t.Errorf("remove %s changed the row", path)
			}
		}
		// Domains: the description can be empty; limits cannot be unassigned.
		r := e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("remove", "description", nil)), asAdmin())
		expect(t, r, http.StatusOK, "")
		if _, ok := r.json(t)["description"]; ok || query(t, e, "SELECT description FROM domain WHERE domain = 'example.org'")[0][0] != "" {
			t.Errorf("description not unassigned: %s", r.body)
		}
		for _, path := range []string{"maxMailboxes", "maxAliases", "maxQuota", "domainQuota", "active", "transport"} {
			expect(t, e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("remove", path, nil)), asAdmin()), http.StatusBadRequest, "mutability")
		}
	})
}

// RFC 7644 §3.5.2.3: "If the target location is a multi-valued attribute for
// which a value selection filter ("valuePath") has been supplied and no
// record match was made, the service provider SHALL indicate failure by
// returning HTTP status code 400 and a "scimType" error code of "noTarget"."
// A value is created (Entra ID's expectation) only where PostfixAdmin has room.
func TestValuePathWithoutMatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const bob = "bob@example.org"
		setColumns(t, e, bob, "phone = '', email_other = ''")
		col := func(c string) string {
			return query(t, e, "SELECT "+c+" FROM mailbox WHERE username = '"+bob+"'")[0][0]
		}
		expect(t, e.patchUser(bob, op("Add", `emails[type eq "home"].value`, "home@x.example")), http.StatusOK, "")
		if col("email_other") != "home@x.example" {
			t.Errorf("email_other %q", col("email_other"))
		}
		before := mailboxRow(t, e, bob)
		expect(t, e.patchUser(bob, op("add", `emails[type eq "fax"].value`, "fax@x.example")), http.StatusBadRequest, "noTarget")
		expect(t, e.patchUser(bob, op("replace", `phoneNumbers[type eq "mobile"].value`, "+1 555 0101")), http.StatusOK, "")
		if col("phone") != "+1 555 0101" {
			t.Errorf("phone %q", col("phone"))
		}
		before = mailboxRow(t, e, bob)
		expect(t, e.patchUser(bob, op("replace", `phoneNumbers[type eq "fax"].value`, "+1 555 0102")), http.StatusBadRequest, "noTarget")
		expect(t, e.patchUser(bob, op("add", "emails", []any{map[string]any{"value": "third@x.example", "type": "home"}})), http.StatusBadRequest, "invalidValue")
		if got := mailboxRow(t, e, bob); got != before {
			t.Errorf("refused PATCHes changed the row: %s -> %s", before, got)
		}
	})
}

// RFC 7644 §3.5.2.1: "If the target location already contains the value
// specified, no changes SHOULD be made to the resource ... this operation
// SHALL NOT change the modify timestamp of the resource." The same holds
// for a PUT of what GET returned: no write, no log rows, the same version.
func TestUnchangedWritesWriteNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const alice = "alice@example.org"
		domainRow := func() string {
			return fmt.Sprint(query(t, e, "SELECT description, mailboxes, maxquota, active, modified FROM domain WHERE domain = 'example.org'"))
		}
		row, dom, logs := mailboxRow(t, e, alice), domainRow(), logRows(t, e)
		got := e.do(http.MethodGet, "/Users/"+alice, nil, asAdmin())
		etag := got.header.Get("ETag")
		for _, r := range []response{
			e.do(http.MethodPut, "/Users/"+alice, got.json(t), asAdmin()),
			e.patchUser(alice, op("replace", "displayName", got.json(t)["displayName"])),
			e.patchUser(alice, op("replace", "active", true), op("add", "nickName", "Al")),
			e.patchUser(alice, op("replace", "", map[string]any{"name": map[string]any{"formatted": got.json(t)["displayName"]}})),
		} {
			expect(t, r, http.StatusOK, "")
			if r.header.Get("ETag") != etag {
				t.Errorf("ETag %s -> %s without a change", etag, r.header.Get("ETag"))
			}
		}
		d := e.do(http.MethodGet, "/Domains/example.org", nil, asAdmin())
		for _, r := range []response{
			e.do(http.MethodPut, "/Domains/example.org", d.json(t), asAdmin()),
			e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("replace", "maxMailboxes", d.json(t)["maxMailboxes"])), asAdmin()),
		} {
			expect(t, r, http.StatusOK, "")
			if r.header.Get("ETag") != d.header.Get("ETag") {
				t.Errorf("domain ETag changed without a change")
			}
		}
		if mailboxRow(t, e, alice) != row || domainRow() != dom || logRows(t, e) != logs {
			t.Errorf("no-op writes wrote: %s -> %s, %s -> %s, %d log rows", row, mailboxRow(t, e, alice), dom, domainRow(), logRows(t, e)-logs)
		}
	})
}

// RFC 7643 §2.5: "Unassigned attributes, the null value, or empty array (in
// the case of a multi-valued attribute) SHALL be considered to be equivalent
// in "state"." Microsoft's reference collections send nulls.
func TestNullIsUnassigned(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		body := `{"schemas":["` + scim.UserSchema + `"],"userName":"nully@example.org","password":"Str0ng-Pass-12","displayName":null,"nickName":null,` +
			`"name":{"givenName":"Nul","familyName":"Ly","honorificPrefix":null,"formatted":null},"phoneNumbers":[null],"emails":null,"externalId":null,` +
			`"urn:audriga:params:scim:schemas:extension:provisioning:2.0:User":{"sizeQuota":null}}`
		r := e.do(http.MethodPost, "/Users", body, asAdmin())
		expect(t, r, http.StatusCreated, "")
		if got := query(t, e, "SELECT name FROM mailbox WHERE username = 'nully@example.org'")[0][0]; got != "Nul Ly" {
			t.Errorf("name %q", got)
		}
		put := `{"schemas":["` + scim.UserSchema + `"],"userName":"nully@example.org","displayName":null,"name":null,"active":null}`
		expect(t, e.do(http.MethodPut, "/Users/nully@example.org", put, asAdmin()), http.StatusOK, "")
		if got := fmt.Sprint(query(t, e, "SELECT name, active FROM mailbox WHERE username = 'nully@example.org'")); got != "[[ 1]]" && got != "[[ true]]" {
			t.Errorf("PUT with nulls: name, active = %s; want unassigned name, active kept", got)
		}
		expect(t, e.patchUser("nully@example.org", op("replace", "displayName", "Back")), http.StatusOK, "")
		r = e.do(http.MethodPatch, "/Users/nully@example.org", `{"schemas":["`+scim.PatchOpSchema+`"],"Operations":[{"op":"replace","path":"displayName","value":null}]}`, asAdmin())
		expect(t, r, http.StatusOK, "")
		if got := query(t, e, "SELECT name FROM mailbox WHERE username = 'nully@example.org'")[0][0]; got != "" {
			t.Errorf("PATCH value null: name %q", got)
		}
		r = e.do(http.MethodPatch, "/Users/nully@example.org", `{"schemas":["`+scim.PatchOpSchema+`"],"Operations":[{"op":"replace","path":"active","value":null}]}`, asAdmin())
		expect(t, r, http.StatusBadRequest, "mutability")
		r = e.do(http.MethodPost, "/Domains", `{"schemas":["`+scim.DomainSchema+`"],"domainName":"null.example","description":null,"maxQuota":null}`, asAdmin())
		expect(t, r, http.StatusCreated, "")
		if _, ok := r.json(t)["description"]; ok || r.json(t)["maxQuota"] != 10.0 {
			t.Errorf("domain with nulls: %s", r.body)
		}
	})
}

// RFC 7643 §2.1: "Attribute names are case insensitive", and so are the
// members of the protocol's messages.
func TestAttributeNamesAnyCase(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		body := `{"Schemas":["` + scim.UserSchema + `"],"UserName":"Cased@example.org","DISPLAYNAME":"Cased User","PassWord":"Str0ng-Pass-12",` +
			`"Emails":[{"Value":"cased@home.example","TYPE":"home"}],"URN:AUDRIGA:params:scim:schemas:extension:provisioning:2.0:User":{"SizeQuota":10240000}}`
		r := e.do(http.MethodPost, "/Users", body, asAdmin())
		expect(t, r, http.StatusCreated, "")
		if got := fmt.Sprint(query(t, e, "SELECT name, email_other, quota FROM mailbox WHERE username = 'cased@example.org'")); got != "[[Cased User cased@home.example 10240000]]" {
			t.Errorf("row %s", got)
		}
		expect(t, e.do(http.MethodPost, "/Users", strings.Replace(body, `"UserName":"Cased`, `"userName":"x","USERNAME":"Cased`, 1), asAdmin()), http.StatusBadRequest, "invalidValue")
		r = e.do(http.MethodPatch, "/Users/cased@example.org", `{"SCHEMAS":["`+scim.PatchOpSchema+`"],"operations":[{"OP":"replace","Path":"displayname","Value":"Renamed"}]}`, asAdmin())
		expect(t, r, http.StatusOK, "")
		if r.json(t)["displayName"] != "Renamed" {
			t.Errorf("PATCH with lower-case members: %s", r.body)
		}
		r = e.do(http.MethodPost, "/Users/.search", `{"Schemas":["`+scim.SearchRequestSchema+`"],"Filter":"userName eq \"cased@example.org\"","Count":1,"Attributes":["displayName"]}`, asAdmin())
		expect(t, r, http.StatusOK, "")
		if m := r.json(t); m["totalResults"] != 1.0 || len(m["Resources"].([]any)) != 1 {
			t.Errorf("search with capitalised members: %s", r.body)
		}
		r = e.do(http.MethodPost, "/Domains", `{"schemas":["`+scim.DomainSchema+`"],"DomainName":"cased.example","Description":"D","MAXQUOTA":5}`, asAdmin())
		expect(t, r, http.StatusCreated, "")
		if m := r.json(t); m["description"] != "D" || m["maxQuota"] != 5.0 {
			t.Errorf("domain: %s", r.body)
		}
	})
}

// The enterprise extension (RFC 7643 §4.3), which Entra ID maps, is accepted
// and ignored by PATCH as by POST and PUT: PostfixAdmin cannot store it.
func TestEnterpriseExtensionIgnored(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		const bob = "bob@example.org"
		before, logs := mailboxRow(t, e, bob), logRows(t, e)
		ent := scim.EnterpriseUserSchema
		r := e.patchUser(bob,
			op("Add", ent+":manager", "271"),
			op("replace", ent+":department", "IT"),
			op("replace", ent+".employeeNumber", "42"),
			op("remove", ent+":costCenter", nil),
			op("replace", "", map[string]any{ent: map[string]any{"division": "East"}, ent + ":organization": "Org"}))
		expect(t, r, http.StatusOK, "")
		if mailboxRow(t, e, bob) != before || logRows(t, e) != logs {
			t.Error("ignored attributes wrote")
		}
		body := userBody("ent@example.org", map[string]any{"schemas": []string{scim.UserSchema, ent}, ent: map[string]any{"department": "IT", "manager": map[string]any{"value": "271"}}})
		expect(t, e.do(http.MethodPost, "/Users", body, asAdmin()), http.StatusCreated, "")
	})
}

// RFC 7644 §3.8: "SCIM requests and responses are in JSON format and SHALL be
// encoded using UTF-8"; RFC 8259 §2: a JSON text is one value. Nothing is
// stored altered: a body that is not exactly that is refused.
func TestStrictBodies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		users := count(t, e, "SELECT COUNT(*) FROM mailbox")
		user := func(displayName string) string {
			return `{"schemas":["` + scim.UserSchema + `"],"userName":"strict@example.org","password":"Str0ng-Pass-12","displayName":"` + displayName + `"}`
		}
		for _, tt := range []struct {
			name, body, contentType string
			status                  int
			scimType                string
		}{
			{"data after the object", user("A") + " x", "", 400, "invalidSyntax"},
			{"two objects", user("A") + user("B"), "", 400, "invalidSyntax"},
			{"a byte that is not UTF-8", user("Caf\xe9"), "", 400, "invalidSyntax"},
			{"an overlong encoding", user("\xc0\xaf"), "", 400, "invalidSyntax"},
			{"CESU-8 surrogates", user("\xed\xa0\xbd\xed\xb8\x80"), "", 400, "invalidSyntax"},
			{"a lone high surrogate escape", user(`\ud800`), "", 400, "invalidSyntax"},
			{"a lone low surrogate escape", user(`x\udc00y`), "", 400, "invalidSyntax"},
			{"a NUL character", user(`A\u0000B`), "", 400, "invalidValue"},
			{"declared ISO-8859-1", user("A"), "application/scim+json; charset=iso-8859-1", 415, ""},
			{"declared UTF-16", user("A"), "application/json; charset=utf-16", 415, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				opts := []reqOpt{asAdmin()}
				if tt.contentType != "" {
					opts = append(opts, header("Content-Type", tt.contentType))
				}
				expect(t, e.do(http.MethodPost, "/Users", tt.body, opts...), tt.status, tt.scimType)
				if n := count(t, e, "SELECT COUNT(*) FROM mailbox"); n != users {
					t.Errorf("a refused body created a mailbox")
				}
			})
		}
		expect(t, e.do(http.MethodPatch, "/Domains/example.org", `{"schemas":["`+scim.PatchOpSchema+`"],"Operations":[{"op":"replace","path":"description","value":"a\u0000b"}]}`, asAdmin()), 400, "invalidValue")
		// A surrogate pair is one character, stored as such; a declared UTF-8 charset is fine.
		r := e.do(http.MethodPost, "/Users", user(`Smile \ud83d\ude00`), asAdmin(), header("Content-Type", "application/scim+json; charset=UTF-8"))
		expect(t, r, http.StatusCreated, "")
		if got := query(t, e, "SELECT name FROM mailbox WHERE username = 'strict@example.org'")[0][0]; got != "Smile \U0001F600" {
			t.Errorf("name %q", got)
		}
	})
}

// An attribute no schema of the server defines is refused, naming it; the
// RFC 7643 §4.1 attributes PostfixAdmin cannot store are accepted and ignored.
// Read-only attributes are ignored, but must have their type (decided here).
func TestUnknownAndReadOnlyAttributes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		ext := scim.ProvisioningSchema
		for _, tt := range []struct {
			name string
			attr map[string]any
			want string // in the detail
		}{
			{"bogus attribute", map[string]any{"bogusAttribute": "x"}, "bogusAttribute"},
			{"sizeQuota outside its extension", map[string]any{"sizeQuota": 10240000}, "sizeQuota"},
			{"unknown extension", map[string]any{"urn:example:params:scim:schemas:extension:acme:2.0:User": map[string]any{"x": 1}}, "acme"},
			{"unknown sub-attribute", map[string]any{"name": map[string]any{"formatted": "A", "nick": "B"}}, "nick"},
			{"unknown extension attribute", map[string]any{ext: map[string]any{"colour": "red"}}, "colour"},
			{"read-only value of the wrong type", map[string]any{ext: map[string]any{"usedQuota": "x"}}, "usedQuota"},
			{"read-only id of the wrong type", map[string]any{"id": 5}, "id"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(http.MethodPost, "/Users", userBody("unknown@example.org", tt.attr), asAdmin())
				expect(t, r, http.StatusBadRequest, "invalidValue")
				if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, tt.want) {
					t.Errorf("detail %q does not name %s", d, tt.want)
				}
			})
		}
		r := e.do(http.MethodPost, "/Users", userBody("ignored@example.org", map[string]any{
			"nickName": "N", "title": "T", "locale": "en-US", "roles": []any{}, "groups": []any{}, "addresses": []any{map[string]any{"formatted": "x", "country": nil}},
			"id": "client-id", "meta": map[string]any{"resourceType": "User"}, ext: map[string]any{"usedQuota": 5, "sizeQuota": 10240000},
		}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if m := r.json(t); m["id"] != "ignored@example.org" || m[ext].(map[string]any)["usedQuota"] != 0.0 || m["nickName"] != nil {
			t.Errorf("ignored attributes taken: %s", r.body)
		}
		expect(t, e.patchUser("ignored@example.org", op("replace", "noSuchAttr", "x")), http.StatusBadRequest, "invalidPath")
		r = e.do(http.MethodPost, "/Domains", domainBody("unknown.example", map[string]any{"bogusAttribute": "x"}), asAdmin())
		expect(t, r, http.StatusBadRequest, "invalidValue")
		if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, "bogusAttribute") {
			t.Errorf("domain detail %q", d)
		}
		expect(t, e.do(http.MethodPost, "/Domains", domainBody("unknown.example", map[string]any{"mailboxCount": "many"}), asAdmin()), http.StatusBadRequest, "invalidValue")
	})
}

// PostfixAdmin's MailboxHandler::check_quota() refuses an unlimited mailbox
// (quota 0) under a domain total, not a disabled one (-1); and its edit form
// keeps whole MB, so a byte count between them is refused rather than
// silently rounded the next time an admin saves the mailbox.
func TestQuotaAsPostfixAdminChecksIt(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true) // example.org: maxquota 100, quota 2048
		ext := scim.ProvisioningSchema
		expect(t, e.do(http.MethodPost, "/Users", userBody("disabled@example.org", map[string]any{ext: quota(-1)}), asAdmin()), http.StatusCreated, "")
		r := e.do(http.MethodPost, "/Users", userBody("odd@example.org", map[string]any{ext: quota(10240001)}), asAdmin())
		expect(t, r, http.StatusBadRequest, "invalidValue")
		if d := r.json(t)["detail"].(string); !strings.Contains(d, "quota_multiplier") {
			t.Errorf("detail %q", d)
		}
		expect(t, e.patchUser("bob@example.org", op("replace", ext+":sizeQuota", 512000)), http.StatusBadRequest, "invalidValue")
	})
}

// Small ones: unassigned values are omitted (RFC 7643 §2.5), and a trailing
// slash names the same endpoint.
func TestOmittedAndTrailingSlash(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		r := e.do(http.MethodPost, "/Domains", domainBody("bare.example", nil), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if _, ok := r.json(t)["description"]; ok {
			t.Errorf("empty description returned: %s", r.body)
		}
		expect(t, e.do(http.MethodGet, "/Users/", nil, asAdmin()), http.StatusOK, "")
		r = e.do(http.MethodGet, "/Users/?filter="+url.QueryEscape(`userName eq "bob@example.org"`), nil, asAdmin())
		expect(t, r, http.StatusOK, "")
		if r.json(t)["totalResults"] != 1.0 {
			t.Errorf("filter after a trailing slash: %s", r.body)
		}
	})
}

// PostfixAdmin stores the address lower-cased and one name. With the
// companion table (postfixadmin-scim migrate) the client's own spelling of
// userName and of the name parts is kept and returned while mailbox.name is
// the name it went with; Okta's required spec test asserts the echo of
// userName. Without the table the parts are derived from mailbox.name.
func TestClientSpelling(t *testing.T) {
	body := userBody("Daniel.McGee@example.org", map[string]any{"name": map[string]any{"formatted": "Daniel Mcgee", "givenName": "Daniel", "familyName": "OMalley"}})
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := startWith(t, engine, testdb.Master, true, migrated(t))
		check := func(r response, userName, given, family string) {
			t.Helper()
			m := r.json(t)
			n, _ := m["name"].(map[string]any)
			if m["id"] != "daniel.mcgee@example.org" || m["userName"] != userName || n["givenName"] != given || n["familyName"] != family || n["formatted"] != "Daniel Mcgee" {
				t.Errorf("got id %v userName %v name %v; want userName %s, parts %s / %s", m["id"], m["userName"], n, userName, given, family)
			}
		}
		r := e.do(http.MethodPost, "/Users", body, asAdmin())
		expect(t, r, http.StatusCreated, "")
		check(r, "Daniel.McGee@example.org", "Daniel", "OMalley")
		check(e.do(http.MethodGet, "/Users/DANIEL.MCGEE@example.org", nil, asAdmin()), "Daniel.McGee@example.org", "Daniel", "OMalley")
		if got := fmt.Sprint(query(t, e, "SELECT username, name FROM mailbox WHERE username = 'daniel.mcgee@example.org'")); got != "[[daniel.mcgee@example.org Daniel Mcgee]]" {
			t.Errorf("PostfixAdmin's row %s", got)
		}
		r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "daniel.mcgee@EXAMPLE.org"`), nil, asAdmin())
		if res := r.json(t)["Resources"].([]any); len(res) != 1 || res[0].(map[string]any)["id"] != "daniel.mcgee@example.org" {
			t.Errorf("filter: %s", r.body)
		}
		// A no-op PUT of what GET returned stays a no-op.
		got := e.do(http.MethodGet, "/Users/daniel.mcgee@example.org", nil, asAdmin())
		if r := e.do(http.MethodPut, "/Users/daniel.mcgee@example.org", got.json(t), asAdmin()); r.header.Get("ETag") != got.header.Get("ETag") {
			t.Errorf("PUT of the GET body changed the version")
		}
		// An edit in PostfixAdmin's UI makes the kept parts stale: derived again.
		setColumns(t, e, "daniel.mcgee@example.org", "name = 'Dan Mcgee'")
		r = e.do(http.MethodGet, "/Users/daniel.mcgee@example.org", nil, asAdmin())
		if n := r.json(t)["name"].(map[string]any); n["givenName"] != "Dan" || n["familyName"] != "Mcgee" {
			t.Errorf("stale parts returned: %v", n)
		}
		expect(t, e.do(http.MethodDelete, "/Users/daniel.mcgee@example.org", nil, asAdmin()), http.StatusNoContent, "")
		if n := count(t, e, "SELECT COUNT(*) FROM scim_user_spelling"); n != 0 {
			t.Errorf("%d spelling rows left after the delete", n)
		}
	})
	e := start(t, sqlstore.SQLite, testdb.Master, true)
	r := e.do(http.MethodPost, "/Users", body, asAdmin())
	expect(t, r, http.StatusCreated, "")
	if m := r.json(t); m["userName"] != "daniel.mcgee@example.org" || m["name"].(map[string]any)["familyName"] != "Mcgee" {
		t.Errorf("without the companion table: %s", r.body)
	}
}

// Input at the edges of what the engines hold is a SCIM answer, never a 500:
// a startIndex beyond any table is an empty page (RFC 7644 §3.4.2.4), and
// Basic credentials that no PostfixAdmin username can match are a 401.
func TestEdgeInputIsNoServerError(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		for _, start := range []string{"2147483647", "9223372036854775807"} {
			r := e.do(http.MethodGet, "/Users?startIndex="+start, nil, asAdmin())
			expect(t, r, http.StatusOK, "")
			if m := r.json(t); len(m["Resources"].([]any)) != 0 || m["totalResults"].(float64) == 0 {
				t.Errorf("startIndex %s: %s", start, r.body)
			}
		}
		for _, user := range []string{"admin\x00@example.org", "adm\xffin@example.org", "\xed\xa0\x80"} {
			expect(t, e.do(http.MethodGet, "/Domains", nil, basic(user, adminPass)), http.StatusUnauthorized, "")
		}
	})
}

// Values the domain row cannot hold are refused before any write, never a
// database error: int4 limits, 255-character strings, and transport, which
// is a latin1 column on MySQL; PATCH results are checked like PUT bodies.
func TestDomainColumnLimits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		domains := count(t, e, "SELECT COUNT(*) FROM domain")
		for _, attrs := range []map[string]any{
			{"maxAliases": int64(1) << 31}, {"maxMailboxes": int64(1) << 32}, {"passwordExpiry": int64(math.MaxInt64)},
			{"transport": "relay:[\U0001F600]"}, {"transport": "中文"},
		} {
			expect(t, e.do(http.MethodPost, "/Domains", domainBody("limits.example", attrs), asAdmin()), http.StatusBadRequest, "invalidValue")
		}
		if n := count(t, e, "SELECT COUNT(*) FROM domain"); n != domains {
			t.Error("a refused domain was created")
		}
		before := fmt.Sprint(query(t, e, "SELECT description, transport, aliases FROM domain WHERE domain = 'example.org'"))
		for _, o := range []map[string]any{
			op("replace", "description", strings.Repeat("x", 300)),
			op("replace", "transport", strings.Repeat("t", 300)),
			op("replace", "transport", "smtp:[\u00e9]"),
			op("replace", "maxAliases", int64(1)<<31),
		} {
			expect(t, e.do(http.MethodPatch, "/Domains/example.org", patchBody(o), asAdmin()), http.StatusBadRequest, "invalidValue")
		}
		if got := fmt.Sprint(query(t, e, "SELECT description, transport, aliases FROM domain WHERE domain = 'example.org'")); got != before {
			t.Errorf("refused PATCHes changed the domain: %s -> %s", before, got)
		}
		expect(t, e.do(http.MethodPatch, "/Domains/example.org", patchBody(op("replace", "description", strings.Repeat("é", 255))), asAdmin()), http.StatusOK, "")
	})
}
