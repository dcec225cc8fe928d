package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// Text written from client input is checked against the columns of the
// database in use, before anything is written, with a 400 that names the
// attribute and the limit. The limits are read, not assumed: PostfixAdmin's
// shared/postfixadmin-schema README notes that a MySQL install upgraded from
// 3.3 keeps domain.description and mailbox.phone/email_other in utf8mb3
// ("they are utf8mb4 on a fresh master install"), and transport/alias.goto
// are latin1 tables' columns there. SQLite enforces no length, but its
// declared varchar(n) is PostfixAdmin's limit on the other engines.
func TestColumnLimits(t *testing.T) {
	ctx := context.Background()
	p := store.MailboxPolicy{QuotaMultiplier: 1024000}
	type write struct {
		name string
		do   func(s sqlstore.DB) error
	}
	description := func(v string) write {
		return write{"domain description " + v, func(s sqlstore.DB) error {
			_, err := s.UpdateDomain(ctx, "test", "example.org", func(cur store.DomainWithUsage) (store.Domain, error) {
				cur.Description = v
				return cur.Domain, nil
			})
			return err
		}}
	}
	transport := func(v string) write {
		return write{"transport " + v, func(s sqlstore.DB) error {
			return s.CreateDomain(ctx, "test", store.Domain{Name: "new.example", Transport: v, Active: true}, nil)
		}}
	}
	mailbox := func(what string, f func(m *store.Mailbox)) write {
		return write{what, func(s sqlstore.DB) error {
			_, err := s.UpdateMailbox(ctx, "test", "alice@example.org", func(cur store.Mailbox) (store.MailboxWrite, error) {
				f(&cur)
				return store.MailboxWrite{Mailbox: cur}, nil
			}, p)
			return err
		}}
	}
	phone := func(v string) write { return mailbox("phone "+v, func(m *store.Mailbox) { m.Phone = v }) }
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strings.Repeat("f", 60) + "@example.net"
		}
		return out
	}
	const emoji = "Mail \U0001F4E7"
	for _, engine := range testdb.Engines {
		for _, layout := range []testdb.Layout{testdb.Master, testdb.Release3316} {
			t.Run(string(engine)+"/"+layout.String(), func(t *testing.T) {
				utf8mb3 := engine == sqlstore.MySQL && layout == testdb.Release3316
				ok := []write{
					description(strings.Repeat("é", 255)),
					phone(strings.Repeat("9", 30)),
					mailbox("name of 255 characters", func(m *store.Mailbox) { m.Name = strings.Repeat("ß", 255) }),
					transport("relay:[mx.example.com]"),
				}
				// want: the attribute and the limit the detail names.
				refused := map[string]struct {
					w    write
					want []string
				}{
					"description too long": {description(strings.Repeat("x", 256)), []string{"description", "domain.description", "255 characters"}},
					"phone too long":       {phone(strings.Repeat("9", 31)), []string{"phoneNumbers", "mailbox.phone", "30 characters"}},
					"name too long":        {mailbox("name", func(m *store.Mailbox) { m.Name = strings.Repeat("x", 256) }), []string{"name", "mailbox.name", "255"}},
					"email_other too long": {mailbox("emails", func(m *store.Mailbox) { m.EmailOther = strings.Repeat("e", 250) + "@x.example" }), []string{"emails", "mailbox.email_other", "255"}},
				}
				if engine == sqlstore.MySQL {
					// alias.goto is TEXT: 65 535 bytes.
					refused["forwards beyond alias.goto"] = struct {
						w    write
						want []string
					}{mailbox("forwards", func(m *store.Mailbox) { m.Forwards, m.DeliverToMailbox = many(1100), true }), []string{"forwards", "alias.goto", "65535"}}
					refused["transport not latin1"] = struct {
						w    write
						want []string
					}{transport("relay:[中文]"), []string{"transport", "latin1", "U+4E2D"}}
				} else {
					ok = append(ok, mailbox("1 100 forwards", func(m *store.Mailbox) { m.Forwards, m.DeliverToMailbox = many(1100), true }))
				}
				if utf8mb3 {
					refused["4-byte character in utf8mb3"] = struct {
						w    write
						want []string
					}{description(emoji), []string{"description", "utf8mb3", "U+1F4E7"}}
				} else {
					ok = append(ok, description(emoji))
				}

				db := testdb.New(t, engine, layout, true)
				s := open(t, db)
				before := tableDump(t, db)
				for name, c := range refused {
					err := c.w.do(s)
					var fe *fault.Error
					if !errors.As(err, &fe) || fe.Kind != fault.Invalid {
						t.Errorf("%s: %v, want invalid", name, err)
						continue
					}
					for _, w := range c.want {
						if !strings.Contains(fe.Detail, w) {
							t.Errorf("%s: detail %q does not name %q", name, fe.Detail, w)
						}
					}
				}
				if after := tableDump(t, db); after != before {
					t.Errorf("refused writes changed the database")
				}
				for _, w := range ok {
					if err := w.do(s); err != nil {
						t.Errorf("%s: %v", w.name, err)
					}
				}
			})
		}
	}
}

// The limits are the live schema's: a column an operator widened takes
// what it can hold.
func TestColumnLimitsFollowTheSchema(t *testing.T) {
	ctx := context.Background()
	widen := map[sqlstore.Engine]string{
		sqlstore.MySQL:      "ALTER TABLE mailbox MODIFY phone varchar(64) NOT NULL DEFAULT ''",
		sqlstore.PostgreSQL: "ALTER TABLE mailbox ALTER COLUMN phone TYPE varchar(64)",
	}
	for _, engine := range []sqlstore.Engine{sqlstore.MySQL, sqlstore.PostgreSQL} {
		t.Run(string(engine), func(t *testing.T) {
			db := testdb.New(t, engine, testdb.Master, true)
			if _, err := db.Raw.Exec(widen[engine]); err != nil {
				t.Fatal(err)
			}
			s := open(t, db)
			_, err := s.UpdateMailbox(ctx, "test", "alice@example.org", func(cur store.Mailbox) (store.MailboxWrite, error) {
				cur.Phone = strings.Repeat("9", 40)
				return store.MailboxWrite{Mailbox: cur}, nil
			}, store.MailboxPolicy{QuotaMultiplier: 1024000})
			if err != nil {
				t.Fatalf("a 40-character phone in a varchar(64) column: %v", err)
			}
		})
	}
}

// tableDump is the domain, mailbox and alias rows as text.
func tableDump(t *testing.T, db testdb.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT domain, description, transport, modified FROM domain ORDER BY domain",
		"SELECT username, name, phone, email_other, modified FROM mailbox ORDER BY username",
		"SELECT address, goto, modified FROM alias ORDER BY address",
	} {
		_, rows := testdb.Rows(t, db.Raw, q)
		fmt.Fprintf(&b, "%q\n", rows)
	}
	return b.String()
}
