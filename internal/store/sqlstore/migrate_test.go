package sqlstore_test

import (
	"context"
	"os"
	"testing"

	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/testdb"
)

// RFC 7643 §3.1 makes externalId the client's identifier, which the server
// stores as given, without the uniqueness a server-issued id has: two
// resources may carry one externalId. Migrate creates the companion table
// that way and upgrades one created by an earlier release (its first layout,
// testdata/scim_v1_*.sql, had a unique index), keeping its rows.
func TestMigrateExternalIDsNotUnique(t *testing.T) {
	ctx := context.Background()
	for _, engine := range testdb.Engines {
		t.Run(string(engine), func(t *testing.T) {
			for _, fromV1 := range []bool{false, true} {
				db := testdb.New(t, engine, testdb.Master, true)
				if fromV1 {
					ddl, err := os.ReadFile("testdata/scim_v1_" + string(engine) + ".sql")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := db.Raw.Exec(string(ddl)); err != nil {
						t.Fatal(err)
					}
					if _, err := db.Raw.Exec("INSERT INTO scim_external_id (resource_type, resource_id, external_id) VALUES ('User', 'alice@example.org', 'E-1')"); err != nil {
						t.Fatal(err)
					}
				}
				s := open(t, db)
				changed, err := s.Migrate(ctx)
				if err != nil || !changed {
					t.Fatalf("from v1 %v: Migrate = %v, %v", fromV1, changed, err)
				}
				if changed, err := s.Migrate(ctx); err != nil || changed {
					t.Fatalf("second Migrate = %v, %v; want nothing to do", changed, err)
				}
				s = open(t, db) // a new server sees the table
				if _, err := s.Check(ctx); err != nil || !s.ExternalIDs() {
					t.Fatal("the companion table is not seen")
				}
				for _, user := range []string{"alice@example.org", "bob@example.org"} {
					_, err := s.UpdateMailbox(ctx, "test", user, func(cur store.Mailbox) (store.MailboxWrite, error) {
						cur.ExternalID = "E-1"
						return store.MailboxWrite{Mailbox: cur}, nil
					}, store.MailboxPolicy{QuotaMultiplier: 1024000})
					if err != nil {
						t.Fatalf("externalId E-1 on %s: %v", user, err)
					}
				}
				for _, user := range []string{"alice@example.org", "bob@example.org"} {
					if m, err := s.GetMailbox(ctx, user); err != nil || m.ExternalID != "E-1" {
						t.Errorf("%s: externalId %q, %v", user, m.ExternalID, err)
					}
				}
			}
		})
	}
}
