package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func open(t *testing.T, db testdb.DB) sqlstore.DB {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), db.Engine, db.DSN, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The store reads PostfixAdmin's own sample rows correctly on every engine
// and layout that has samples.
func TestReadsPostfixAdminSamples(t *testing.T) {
	ctx := context.Background()
	for _, engine := range testdb.Engines {
		for _, layout := range []testdb.Layout{testdb.Master, testdb.Release3316} {
			t.Run(string(engine)+"/"+layout.String(), func(t *testing.T) {
				s := open(t, testdb.New(t, engine, layout, true))
				v, err := s.Check(ctx)
				if err != nil || v < sqlstore.MinLayoutVersion {
					t.Fatalf("Check = %d, %v", v, err)
				}
				d, err := s.GetDomain(ctx, "example.org")
				if err != nil {
					t.Fatal(err)
				}
				want := store.Domain{Name: "example.org", Description: "Example Org", MaxAliases: 50, MaxMailboxes: 25,
					MaxQuotaMB: 100, QuotaMB: 2048, Transport: "virtual", Active: true, PasswordExpiryDays: 365}
				got := d.Domain
				if got.Created.IsZero() || got.Modified.IsZero() {
					t.Errorf("timestamps not read: %+v", got)
				}
				got.Created, got.Modified = time.Time{}, time.Time{}
				if got != want {
					t.Errorf("example.org = %+v, want %+v", got, want)
				}
				if d.Usage.Mailboxes == 0 || d.Usage.Aliases < 2 {
					t.Errorf("usage = %+v, want the sample's mailboxes and info@/catch-all aliases", d.Usage)
				}
				if _, err := s.GetDomain(ctx, store.PseudoDomainAll); fault.KindOf(err) != fault.NotFound {
					t.Errorf("GetDomain(ALL) = %v, want not found", err)
				}
				list, total, err := s.ListDomains(ctx, store.Query{Page: store.Page{Limit: 10}})
				if err != nil || total != 2 || len(list) != 2 || list[0].Name != "example.net" || list[1].Name != "example.org" {
					t.Errorf("ListDomains = %v (total %d), %v; want example.net, example.org", list, total, err)
				}
				if page, _, _ := s.ListDomains(ctx, store.Query{Page: store.Page{Offset: 1, Limit: 1}}); len(page) != 1 || page[0].Name != "example.org" {
					t.Errorf("second page = %v", page)
				}

				a, err := s.ActiveAdmin(ctx, "admin@example.org")
				if err != nil || !a.Superadmin || a.PasswordHash == "" {
					t.Errorf("ActiveAdmin(admin) = %+v, %v", a, err)
				}
				if a, err := s.ActiveAdmin(ctx, "domainadmin@example.org"); err != nil || a.Superadmin {
					t.Errorf("ActiveAdmin(domainadmin) = %+v, %v; want a non-superadmin", a, err)
				}
				if _, err := s.ActiveAdmin(ctx, "alice@example.org"); fault.KindOf(err) != fault.NotFound {
					t.Errorf("a mailbox user is not an admin: %v", err)
				}
			})
		}
	}
}

// A database without PostfixAdmin's version row, or with foreign tables, is
// refused with a message that says why; Initialize makes a bare schema usable.
func TestCheckAndInitialize(t *testing.T) {
	ctx := context.Background()
	for _, engine := range testdb.Engines {
		for _, layout := range []testdb.Layout{testdb.Master, testdb.Release405, testdb.Release3316} {
			t.Run(string(engine)+"/"+layout.String(), func(t *testing.T) {
				s := open(t, testdb.New(t, engine, layout, false))
				if _, err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "version") {
					t.Fatalf("Check on a schema without version row = %v", err)
				}
				admin := store.Admin{Username: "root@example.org", PasswordHash: "{CLEARTEXT}x"}
				if err := s.Initialize(ctx, "", "1851", admin, "CLI (localhost)"); err != nil {
					t.Fatal(err)
				}
				if v, err := s.Check(ctx); err != nil || v != 1851 {
					t.Fatalf("Check = %d, %v", v, err)
				}
				if a, err := s.ActiveAdmin(ctx, "root@example.org"); err != nil || !a.Superadmin {
					t.Errorf("bootstrap admin = %+v, %v", a, err)
				}
			})
		}
	}
	t.Run("foreign database", func(t *testing.T) {
		db := testdb.New(t, sqlstore.SQLite, testdb.Master, false)
		if _, err := db.Raw.Exec("DROP TABLE mailbox"); err != nil {
			t.Fatal(err)
		}
		s := open(t, db)
		if _, err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "mailbox") {
			t.Errorf("Check = %v, want a message naming the missing table", err)
		}
	})
}

// An update whose mailbox row ends up with the values it had (only the
// mailbox's own alias changes, within the second of the last write, so even
// modified is the same) still finds the mailbox. MySQL reports such an
// UPDATE as 0 rows affected unless the driver asks for found rows, which
// once turned these PATCHes into 404s.
func TestUpdateLeavingTheRowAsItWas(t *testing.T) {
	ctx := context.Background()
	for _, engine := range testdb.Engines {
		t.Run(string(engine), func(t *testing.T) {
			s := open(t, testdb.New(t, engine, testdb.Master, true))
			p := store.MailboxPolicy{QuotaMultiplier: 1024000}
			// Three writes in a few milliseconds: at least two of them fall
			// in the same second of modified.
			for i, forwards := range [][]string{{"a@example.net"}, {"b@example.net"}, {"a@example.net"}} {
				_, err := s.UpdateMailbox(ctx, "test", "alice@example.org", func(cur store.Mailbox) (store.MailboxWrite, error) {
					cur.Forwards, cur.DeliverToMailbox = forwards, true
					return store.MailboxWrite{Mailbox: cur}, nil
				}, p)
				if err != nil {
					t.Fatalf("update %d: %v", i, err)
				}
			}
		})
	}
}
