package e2e_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/pwhash"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func userBody(name string, attrs map[string]any) map[string]any {
	b := map[string]any{"schemas": []string{scim.UserSchema, scim.ProvisioningSchema}, "userName": name, "password": "Str0ng-Pass-12"}
	for k, v := range attrs {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

func quota(bytes int64) map[string]any { return map[string]any{"sizeQuota": bytes} }

// relaxedPasswords is the password rule the sample rows were written with (≥1 digit).
func relaxedPasswords(c *config.Config) {
	c.PostfixAdmin.PasswordValidation = []pwhash.Rule{{Pattern: `.{5}`, Message: "5"}, {Pattern: `[0-9]`, Message: "digit"}}
}

// Every mailbox PostfixAdmin wrote is a User with the right attributes,
// including alice, whose self-alias also forwards to the vacation address.
func TestUsersReadPostfixAdminSamples(t *testing.T) {
	for _, layout := range []testdb.Layout{testdb.Master, testdb.Release3316} {
		t.Run(layout.String(), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
				e := start(t, engine, layout, true)
				want := count(t, e, "SELECT COUNT(*) FROM mailbox")
				r := e.do(http.MethodGet, "/Users?count=100", nil, asAdmin())
				expect(t, r, http.StatusOK, "")
				list := r.json(t)
				if list["totalResults"] != float64(want) || len(list["Resources"].([]any)) != want {
					t.Fatalf("listed %v of %d mailboxes", list["totalResults"], want)
				}
				for _, row := range query(t, e, "SELECT username, name, quota, maildir FROM mailbox") {
					r := e.do(http.MethodGet, "/Users/"+strings.ToUpper(row[0]), nil, asAdmin())
					expect(t, r, http.StatusOK, "")
					u := r.json(t)
					ext := u[scim.ProvisioningSchema].(map[string]any)
					if u["id"] != row[0] || u["userName"] != row[0] || u["displayName"] != row[1] ||
						fmt.Sprint(int64(ext["sizeQuota"].(float64))) != row[2] || ext["maildir"] != row[3] {
						t.Errorf("user %v does not match row %v", u, row)
					}
					if _, ok := u["password"]; ok {
						t.Error("password returned")
					}
				}
				r = e.do(http.MethodGet, "/Users/alice@example.org", nil, asAdmin())
				assertAttrs(t, r.json(t), map[string]any{"active": true, "displayName": "Alice Example"})
				if q := r.json(t)[scim.ProvisioningSchema].(map[string]any)["sizeQuota"]; q != 51200000.0 {
					t.Errorf("alice's sizeQuota %v, want 50 MB × 1024000", q)
				}
				// A plain alias is not a user.
				expect(t, e.do(http.MethodGet, "/Users/info@example.org", nil, asAdmin()), http.StatusNotFound, "")
			})
		})
	}
}

var (
	minuteTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d$`)
	secondTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
)

// Creating a mailbox through the API writes what PostfixAdmin's UI wrote for
// alice (same input): mailbox row, self-alias, log rows, units, hash format.
func TestUserWritesMatchPostfixAdmin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true, relaxedPasswords)
		r := e.do(http.MethodPost, "/Users", userBody("alice2@example.org", map[string]any{
			"name": map[string]any{"formatted": "Alice Example"}, "password": "Alice-Pass-1",
			scim.ProvisioningSchema: quota(50 * 1024000)}), asAdmin())
		expect(t, r, http.StatusCreated, "")

		cols := "name, replace(maildir, 'alice2', 'alice'), quota, replace(local_part, 'alice2', 'alice'), domain, active, phone, email_other, token, totp_secret, smtp_active"
		theirs := query(t, e, "SELECT "+cols+" FROM mailbox WHERE username = 'alice@example.org'")
		ours := query(t, e, "SELECT "+cols+" FROM mailbox WHERE username = 'alice2@example.org'")
		if fmt.Sprint(ours) != fmt.Sprint(theirs) || len(ours) != 1 {
			t.Errorf("mailbox row\n ours   %v\n theirs %v", ours, theirs)
		}
		// The self-alias, compared with bob's (alice's carries her vacation target).
		theirs = query(t, e, "SELECT replace(address, 'bob', 'x'), replace(goto, 'bob', 'x'), domain, active FROM alias WHERE address = 'bob@example.org'")
		ours = query(t, e, "SELECT replace(address, 'alice2', 'x'), replace(goto, 'alice2', 'x'), domain, active FROM alias WHERE address = 'alice2@example.org'")
		if fmt.Sprint(ours) != fmt.Sprint(theirs) || len(ours) != 1 {
			t.Errorf("self-alias\n ours   %v\n theirs %v", ours, theirs)
		}
		theirs = query(t, e, "SELECT username, domain, action FROM log WHERE data = 'alice@example.org' AND action IN ('create_alias', 'create_mailbox') ORDER BY id")
		ours = query(t, e, "SELECT username, domain, action FROM log WHERE data = 'alice2@example.org' ORDER BY id")
		if fmt.Sprint(ours) != fmt.Sprint(theirs) || len(ours) != 2 {
			t.Errorf("log rows\n ours   %v\n theirs %v", ours, theirs)
		}
		hash := query(t, e, "SELECT password FROM mailbox WHERE username = 'alice2@example.org'")[0][0]
		if !strings.HasPrefix(hash, "$2y$10$") || len(hash) != 60 || !pwhash.MustParse(pwhash.Default).Verify(hash, "Alice-Pass-1") {
			t.Errorf("password stored as %q, want a verifying $2y$10$ bcrypt hash", hash)
		}
		// Timestamps: created = modified = token_validity (database clock); the
		// password expires 365 days (the domain's policy) later, to the minute.
		switch engine {
		case sqlstore.SQLite:
			row := query(t, e, "SELECT created || '', modified || '', token_validity || '', password_expiry || '' FROM mailbox WHERE username = 'alice2@example.org'")[0]
			if !secondTime.MatchString(row[0]) || row[0] != row[1] || row[0] != row[2] || !minuteTime.MatchString(row[3]) {
				t.Errorf("timestamps stored as %v, want PostfixAdmin's text formats", row)
			}
			theirs := query(t, e, "SELECT password_expiry || '' FROM mailbox WHERE username = 'alice@example.org'")[0][0]
			if !minuteTime.MatchString(theirs) {
				t.Errorf("fixture password_expiry %q", theirs)
			}
		}
		var created, expiry time.Time
		if err := e.db.Raw.QueryRow("SELECT created, password_expiry FROM mailbox WHERE username = 'alice2@example.org'").Scan(&created, &expiry); err != nil && engine != sqlstore.SQLite {
			t.Fatal(err)
		}
		if engine != sqlstore.SQLite {
			if d := expiry.Sub(created.Truncate(time.Minute)); d != 365*24*time.Hour || expiry.Second() != 0 {
				t.Errorf("password_expiry %v is not created %v + 365 days to the minute", expiry, created)
			}
		}
	})
}

func TestUserLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		r := e.do(http.MethodPost, "/Users", userBody("New.User@Example.org", map[string]any{
			"displayName": "New User", "phoneNumbers": []any{map[string]any{"value": "+1 555 0100", "type": "work"}},
			scim.ProvisioningSchema: quota(10 * 1024000)}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		loc := e.base + "/Users/new.user@example.org"
		if r.header.Get("Location") != loc {
			t.Errorf("Location %q", r.header.Get("Location"))
		}
		assertAttrs(t, r.json(t), map[string]any{"id": "new.user@example.org", "userName": "new.user@example.org", "displayName": "New User", "active": true})

		for _, dup := range []string{"new.user@example.org", "NEW.USER@example.org", "info@example.org"} {
			expect(t, e.do(http.MethodPost, "/Users", userBody(dup, nil), asAdmin()), http.StatusConflict, "uniqueness")
		}
		expect(t, e.do(http.MethodGet, "/Users/NEW.user@EXAMPLE.org", nil, asAdmin()), http.StatusOK, "")
		hashBefore := query(t, e, "SELECT password FROM mailbox WHERE username = 'new.user@example.org'")[0][0]

		// Deactivate: mailbox and self-alias together.
		r = e.do(http.MethodPut, "/Users/new.user@example.org", userBody("new.user@example.org", map[string]any{"active": false, "password": nil, "displayName": "Renamed"}), asAdmin())
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"active": false, "displayName": "Renamed"})
		if ext := r.json(t)[scim.ProvisioningSchema].(map[string]any); ext["sizeQuota"] != 10240000.0 {
			t.Errorf("omitted sizeQuota changed to %v", ext["sizeQuota"])
		}
		if _, ok := r.json(t)["phoneNumbers"]; ok {
			t.Error("PUT without phoneNumbers kept the phone")
		}
		if got := query(t, e, "SELECT m.active, a.active FROM mailbox m JOIN alias a ON a.address = m.username WHERE m.username = 'new.user@example.org'"); fmt.Sprint(got) != "[[0 0]]" {
			t.Errorf("mailbox/alias active = %v, want both 0", got)
		}
		if h := query(t, e, "SELECT password FROM mailbox WHERE username = 'new.user@example.org'")[0][0]; h != hashBefore {
			t.Error("PUT without password changed the password")
		}
		// Omitted active keeps its value (the original re-activated); a password is changed when given.
		r = e.do(http.MethodPut, "/Users/new.user@example.org", userBody("new.user@example.org", map[string]any{"password": "An0ther-Pass-34"}), asAdmin())
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"active": false})
		if h := query(t, e, "SELECT password FROM mailbox WHERE username = 'new.user@example.org'")[0][0]; h == hashBefore || !pwhash.MustParse(pwhash.Default).Verify(h, "An0ther-Pass-34") {
			t.Error("password not changed")
		}
		r = e.do(http.MethodPut, "/Users/new.user@example.org", userBody("new.user@example.org", map[string]any{"active": true, "password": nil}), asAdmin())
		assertAttrs(t, r.json(t), map[string]any{"active": true})
		if got := query(t, e, "SELECT a.active FROM alias a WHERE a.address = 'new.user@example.org'"); fmt.Sprint(got) != "[[1]]" {
			t.Errorf("alias not re-activated: %v", got)
		}
		expect(t, e.do(http.MethodPut, "/Users/new.user@example.org", userBody("other@example.org", nil), asAdmin()), http.StatusBadRequest, "mutability")
		expect(t, e.do(http.MethodPut, "/Users/missing@example.org", userBody("missing@example.org", nil), asAdmin()), http.StatusNotFound, "")
		logs := query(t, e, "SELECT action FROM log WHERE data = 'new.user@example.org' ORDER BY id")
		if fmt.Sprint(logs) != "[[create_alias] [create_mailbox] [edit_alias] [edit_mailbox] [edit_alias] [edit_mailbox] [edit_alias] [edit_mailbox]]" {
			t.Errorf("log actions %v", logs)
		}

		// DELETE removes the mailbox as MailboxHandler does, and never a plain alias.
		expect(t, e.do(http.MethodDelete, "/Users/info@example.org", nil, asAdmin()), http.StatusNotFound, "")
		if count(t, e, "SELECT COUNT(*) FROM alias WHERE address = 'info@example.org'") != 1 {
			t.Fatal("a plain alias was deleted")
		}
		expect(t, e.do(http.MethodDelete, "/Users/Alice@example.org", nil, asAdmin()), http.StatusNoContent, "")
		for _, q := range []string{
			"SELECT COUNT(*) FROM mailbox WHERE username = 'alice@example.org'",
			"SELECT COUNT(*) FROM alias WHERE address = 'alice@example.org'",
			"SELECT COUNT(*) FROM vacation WHERE email = 'alice@example.org'",
		} {
			if n := count(t, e, q); n != 0 {
				t.Errorf("%s = %d", q, n)
			}
		}
		if got := query(t, e, "SELECT username, domain FROM log WHERE action = 'delete_mailbox' AND data = 'alice@example.org'"); fmt.Sprint(got) != "[[admin@example.org (127.0.0.1) example.org]]" {
			t.Errorf("delete log %v", got)
		}
		expect(t, e.do(http.MethodGet, "/Users/alice@example.org", nil, asAdmin()), http.StatusNotFound, "")
		expect(t, e.do(http.MethodDelete, "/Users/alice@example.org", nil, asAdmin()), http.StatusNotFound, "")
	})
}

// A mailbox whose self-alias forwards elsewhere is still a User.
func TestForwardingMailboxIsAUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		if _, err := e.db.Raw.Exec("UPDATE alias SET goto = 'someone@external.example' WHERE address = 'bob@example.org'"); err != nil {
			t.Fatal(err)
		}
		expect(t, e.do(http.MethodGet, "/Users/bob@example.org", nil, asAdmin()), http.StatusOK, "")
	})
}

// PostfixAdmin's domain limits hold: 409 for counts, 400 for quotas, with a
// detail naming the limit.
func TestUserDomainLimits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		mb := int64(1024000)
		expect(t, e.do(http.MethodPost, "/Domains", domainBody("limits.example", map[string]any{"maxMailboxes": 3, "maxQuota": 100, "domainQuota": 250}), asAdmin()), http.StatusCreated, "")
		expect(t, e.do(http.MethodPost, "/Domains", domainBody("closed.example", map[string]any{"maxMailboxes": -1}), asAdmin()), http.StatusCreated, "")
		tests := []struct {
			name, user string
			ext        map[string]any
			status     int
			scimType   string
			detail     string
		}{
			{"above maxQuota", "a@limits.example", quota(101 * mb), 400, "invalidValue", "maxQuota"},
			{"unlimited under maxQuota", "a@limits.example", quota(0), 400, "invalidValue", "maxQuota"},
			{"first", "a@limits.example", quota(100 * mb), 201, "", ""},
			{"default quota is maxQuota", "b@limits.example", nil, 201, "", ""},
			{"above domainQuota", "c@limits.example", quota(51 * mb), 400, "invalidValue", "domainQuota"},
			{"fits domainQuota", "c@limits.example", quota(50 * mb), 201, "", ""},
			{"mailbox count", "d@limits.example", quota(1), 409, "", "maxMailboxes"},
			{"mailboxes disabled", "a@closed.example", nil, 409, "", "maxMailboxes"},
			{"unknown domain", "a@nowhere.example", nil, 400, "invalidValue", "does not exist"},
			{"ALL pseudo-domain", "a@all", nil, 400, "invalidValue", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				attrs := map[string]any{}
				if tt.ext != nil {
					attrs[scim.ProvisioningSchema] = tt.ext
				}
				r := e.do(http.MethodPost, "/Users", userBody(tt.user, attrs), asAdmin())
				expect(t, r, tt.status, tt.scimType)
				if !strings.Contains(string(r.body), tt.detail) {
					t.Errorf("detail does not mention %q: %s", tt.detail, r.body)
				}
			})
		}
		// Raising a quota through PUT is checked against the others' total too.
		r := e.do(http.MethodPut, "/Users/c@limits.example", userBody("c@limits.example", map[string]any{"password": nil, scim.ProvisioningSchema: quota(60 * mb)}), asAdmin())
		expect(t, r, http.StatusBadRequest, "invalidValue")
		r = e.do(http.MethodPut, "/Users/c@limits.example", userBody("c@limits.example", map[string]any{"password": nil, scim.ProvisioningSchema: quota(40 * mb)}), asAdmin())
		expect(t, r, http.StatusOK, "")
	})
}

// Limits hold when 20 clients create mailboxes at once.
func TestUserLimitsUnderParallelCreates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		expect(t, e.do(http.MethodPost, "/Domains", domainBody("busy.example", map[string]any{"maxMailboxes": 5, "maxQuota": 0, "domainQuota": 0}), asAdmin()), http.StatusCreated, "")
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.do(http.MethodPost, "/Users", userBody(fmt.Sprintf("u%02d@busy.example", i), nil), asAdmin())
				statuses[i] = r.status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("unexpected status %d", s)
			}
		}
		if created != 5 || count(t, e, "SELECT COUNT(*) FROM mailbox WHERE domain = 'busy.example'") != 5 ||
			count(t, e, "SELECT COUNT(*) FROM alias WHERE domain = 'busy.example'") != 5 {
			t.Errorf("created %d mailboxes (statuses %v), want exactly the limit of 5", created, statuses)
		}
	})
}

// Bad bodies are SCIM 4xx errors, never 500; unknown attributes are ignored.
func TestUserRejectsBadInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		tests := []struct {
			name     string
			body     any
			status   int
			scimType string
		}{
			{"malformed JSON", `{"userName":`, 400, "invalidSyntax"},
			{"missing userName", map[string]any{"schemas": []string{scim.UserSchema}, "password": "Str0ng-Pass-12"}, 400, "invalidValue"},
			{"userName not an address", userBody("alice", nil), 400, "invalidValue"},
			{"userName with two @", userBody("a@b@example.org", nil), 400, "invalidValue"},
			{"userName number", map[string]any{"schemas": []string{scim.UserSchema}, "userName": 5}, 400, "invalidValue"},
			{"missing schemas", map[string]any{"userName": "x@example.org", "password": "Str0ng-Pass-12"}, 400, "invalidValue"},
			{"Domain schema", userBody("x@example.org", map[string]any{"schemas": []string{scim.DomainSchema}}), 400, "invalidValue"},
			{"weak password", userBody("x@example.org", map[string]any{"password": "abc1"}), 400, "invalidValue"},
			{"password beyond bcrypt", userBody("x@example.org", map[string]any{"password": strings.Repeat("ab12", 19)}), 400, "invalidValue"},
			{"sizeQuota string", userBody("x@example.org", map[string]any{scim.ProvisioningSchema: map[string]any{"sizeQuota": "1GB"}}), 400, "invalidValue"},
			{"sizeQuota below -1", userBody("x@example.org", map[string]any{scim.ProvisioningSchema: quota(-2)}), 400, "invalidValue"},
			{"unknown extension attribute", userBody("x@example.org", map[string]any{scim.ProvisioningSchema: map[string]any{"colour": 1}}), 400, "invalidValue"},
			{"conflicting quota spellings", userBody("x@example.org", map[string]any{
				scim.ProvisioningSchema: quota(1024000), "urn:ietf:params:scim:schemas:extension:audriga:provisioning:2.0:User": quota(2048000)}), 400, "invalidValue"},
			{"active as number", userBody("x@example.org", map[string]any{"active": 1}), 400, "invalidValue"},
			{"phone too long", userBody("x@example.org", map[string]any{"phoneNumbers": []any{map[string]any{"value": strings.Repeat("1", 31)}}}), 400, "invalidValue"},
			{"emails not a list", userBody("x@example.org", map[string]any{"emails": "x@example.org"}), 400, "invalidValue"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, e.do(http.MethodPost, "/Users", tt.body, asAdmin()), tt.status, tt.scimType)
			})
		}
		t.Run("original extension spellings carry the quota", func(t *testing.T) {
			for i, key := range []string{"urn:ietf:params:scim:schemas:extension:audriga:provisioning:2.0:User", "urn:ietf:params:scim:schemas:audriga:provisioning:2.0:User"} {
				user := fmt.Sprintf("legacy%d@example.org", i)
				r := e.do(http.MethodPost, "/Users", userBody(user, map[string]any{key: quota(20480000)}), asAdmin())
				expect(t, r, http.StatusCreated, "")
				if got := r.json(t)[scim.ProvisioningSchema].(map[string]any)["sizeQuota"]; got != 20480000.0 {
					t.Errorf("%s: sizeQuota %v", key, got)
				}
				if _, ok := r.json(t)[key]; ok {
					t.Errorf("%s returned", key)
				}
			}
		})
		t.Run("created without a password: unusable until one is set", func(t *testing.T) {
			expect(t, e.do(http.MethodPost, "/Users", userBody("nopw@example.org", map[string]any{"password": nil}), asAdmin()), http.StatusCreated, "")
			hash := query(t, e, "SELECT password FROM mailbox WHERE username = 'nopw@example.org'")[0][0]
			if !strings.HasPrefix(hash, "$2y$10$") {
				t.Errorf("stored %q", hash)
			}
			expect(t, e.do(http.MethodPut, "/Users/nopw@example.org", userBody("nopw@example.org", nil), asAdmin()), http.StatusOK, "")
			hash = query(t, e, "SELECT password FROM mailbox WHERE username = 'nopw@example.org'")[0][0]
			if !pwhash.MustParse(pwhash.Default).Verify(hash, "Str0ng-Pass-12") {
				t.Error("password set by PUT does not verify")
			}
		})
		t.Run("attributes PostfixAdmin cannot store are ignored", func(t *testing.T) {
			r := e.do(http.MethodPost, "/Users", userBody("extra@example.org", map[string]any{
				"nickName": "x", "title": "Boss", "externalId": "abc-123", "addresses": []any{map[string]any{"locality": "Berlin"}},
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "IT"}}), asAdmin())
			expect(t, r, http.StatusCreated, "")
			for _, k := range []string{"nickName", "title", "externalId", "addresses", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"} {
				if _, ok := r.json(t)[k]; ok {
					t.Errorf("%s returned", k)
				}
			}
		})
	})
}

// Users work on the layouts of PostfixAdmin 4.0.5 and 3.3.16 (no smtp_active there).
func TestUsersOnOlderLayouts(t *testing.T) {
	for _, layout := range []testdb.Layout{testdb.Release405, testdb.Release3316} {
		t.Run(layout.String(), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
				e := start(t, engine, layout, layout == testdb.Release3316)
				expect(t, e.do(http.MethodPost, "/Domains", domainBody("old.example", nil), asAdmin()), http.StatusCreated, "")
				expect(t, e.do(http.MethodPost, "/Users", userBody("u@old.example", nil), asAdmin()), http.StatusCreated, "")
				r := e.do(http.MethodPut, "/Users/u@old.example", userBody("u@old.example", map[string]any{"active": false}), asAdmin())
				expect(t, r, http.StatusOK, "")
				assertAttrs(t, r.json(t), map[string]any{"active": false})
				expect(t, e.do(http.MethodGet, "/Users", nil, asAdmin()), http.StatusOK, "")
				expect(t, e.do(http.MethodDelete, "/Users/u@old.example", nil, asAdmin()), http.StatusNoContent, "")
			})
		})
	}
}

// Mailbox passwords are written in the configured scheme's exact format and
// verify under the same rules as the admin login.
func TestUserPasswordSchemes(t *testing.T) {
	for setting, prefix := range map[string]string{
		"php_crypt": "$2y$10$", "md5crypt": "$2y$10$", "SHA512-CRYPT": "{SHA512-CRYPT}$6$", "sha512.b64": "{SHA512-CRYPT.B64}",
		"dovecot:SHA512-CRYPT": "{SHA512-CRYPT}$6$", "ARGON2ID": "{ARGON2ID}$argon2id$", "php_crypt:MD5": "$1$", "cleartext": "{CLEARTEXT}",
	} {
		t.Run(setting, func(t *testing.T) {
			e := start(t, sqlstore.SQLite, testdb.Master, true, func(c *config.Config) { c.PostfixAdmin.Encrypt = setting })
			// The {SHA512-CRYPT} superadmin logs in under every setting; the bcrypt
			// one, as in PostfixAdmin, only under the crypt settings.
			su := basic("superadmin2@example.org", "Super-Admin-2")
			expect(t, e.do(http.MethodPost, "/Users", userBody("pw@example.org", nil), su), http.StatusCreated, "")
			hash := query(t, e, "SELECT password FROM mailbox WHERE username = 'pw@example.org'")[0][0]
			s := pwhash.MustParse(setting)
			if !strings.HasPrefix(hash, prefix) || !s.Verify(hash, "Str0ng-Pass-12") || s.Verify(hash, "Str0ng-Pass-13") {
				t.Errorf("stored %q: want prefix %q, verifying only the right password", hash, prefix)
			}
		})
	}
}
