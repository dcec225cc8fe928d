package sqlstore_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// A real deadlock against another writer (PostfixAdmin's PHP on the same
// database) is retried, and the write then succeeds. Issue 12: "deadlocks
// and serialization failures retried a bounded number of times, then 503".
//
// The other writer edits a mailbox's alias row; the store's update of that
// mailbox's forwards locks the domain row, then waits for the alias row;
// then the other writer asks for the domain row: a cycle the database
// breaks by rolling back one of the two. The store must
// be that victim (PostgreSQL: the other writer's deadlock_timeout is raised,
// so the store's check finds the cycle first; MySQL: InnoDB rolls back the
// transaction with fewer changed rows, and the other writer changed 51).
// SQLite has one writer at a time (BEGIN IMMEDIATE): no deadlock can form.
func TestDeadlockIsRetried(t *testing.T) {
	for _, engine := range []sqlstore.Engine{sqlstore.MySQL, sqlstore.PostgreSQL} {
		t.Run(string(engine), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := testdb.New(t, engine, testdb.Master, true)
			var locks atomic.Int32
			s, err := sqlstore.Open(ctx, engine, db.DSN, time.UTC, sqlstore.WithQueryObserver(func(q string, _ []any) {
				if strings.Contains(q, "FOR UPDATE") && strings.Contains(q, "FROM domain") {
					locks.Add(1)
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()

			other, err := db.Raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Rollback()
			stmts := []string{
				"UPDATE alias SET modified = '2026-01-01 00:00:00' WHERE address = 'alice@example.org'",
			}
			if engine == sqlstore.PostgreSQL {
				stmts = append([]string{"SET LOCAL deadlock_timeout = '20s'"}, stmts...)
			} else {
				for range 50 {
					stmts = append(stmts, "INSERT INTO log (`timestamp`, username, domain, action, data) VALUES ('2026-01-01 00:00:00', 'php', 'example.org', 'x', 'x')")
				}
			}
			for _, q := range stmts {
				if _, err := other.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}

			done := make(chan error, 1)
			go func() {
				_, err := s.UpdateMailbox(ctx, "test", "alice@example.org", func(cur store.Mailbox) (store.MailboxWrite, error) {
					cur.Forwards, cur.DeliverToMailbox = []string{"dl@example.net"}, true
					return store.MailboxWrite{Mailbox: cur}, nil
				}, store.MailboxPolicy{QuotaMultiplier: 1024000})
				done <- err
			}()
			waiting := map[sqlstore.Engine]string{
				sqlstore.MySQL:      "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'",
				sqlstore.PostgreSQL: "SELECT COUNT(*) FROM pg_locks WHERE NOT granted",
			}[engine]
			for n := 0; n == 0; {
				select {
				case err := <-done:
					t.Fatalf("the create did not wait for the other writer: %v", err)
				default:
				}
				time.Sleep(10 * time.Millisecond) // a tight loop on INNODB_TRX starves MariaDB's lock system
				if err := db.Raw.QueryRowContext(ctx, waiting).Scan(&n); err != nil {
					t.Fatalf("waiting for the create to block: %v", err)
				}
			}
			// The cycle: the create waits for this transaction's shared lock,
			// and this now waits behind the create's request.
			var name string
			if err := other.QueryRowContext(ctx, "SELECT domain FROM domain WHERE domain = 'example.org' FOR UPDATE").Scan(&name); err != nil {
				t.Fatalf("the other writer was rolled back instead of the store (the retry is not exercised): %v", err)
			}
			if err := other.Rollback(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("the update after a deadlock: %v", err)
			}
			if n := locks.Load(); n < 2 {
				t.Errorf("the domain was locked %d time(s); a retry locks it again", n)
			}
			if m, err := s.GetMailbox(ctx, "alice@example.org"); err != nil || len(m.Forwards) != 1 || m.Forwards[0] != "dl@example.net" || !m.DeliverToMailbox {
				t.Errorf("the mailbox after the retry: forwards %v, delivers %v, %v", m.Forwards, m.DeliverToMailbox, err)
			}
		})
	}
}
