package sqlstore_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/scimfilter"
	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// The query Entra ID and Okta send before every create, filter=userName eq,
// is one indexed lookup on every engine (its count as well), checked with the
// engine's own EXPLAIN of the statements the store really sends.
func TestUserNameFilterUsesTheIndex(t *testing.T) {
	ctx := context.Background()
	for _, engine := range testdb.Engines {
		t.Run(string(engine), func(t *testing.T) {
			db := testdb.New(t, engine, testdb.Master, true)
			testdb.SeedMailboxes(t, db, "example.org", 3000)
			var mu sync.Mutex
			type stmt struct {
				sql  string
				args []any
			}
			var seen []stmt
			s, err := sqlstore.Open(ctx, engine, db.DSN, time.UTC, sqlstore.WithQueryObserver(func(q string, a []any) {
				if strings.Contains(q, "FROM mailbox m") {
					mu.Lock()
					seen = append(seen, stmt{q, a})
					mu.Unlock()
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			where, err := scimfilter.Parse(`userName eq "USER001234@example.org"`, scim.UserFilterSchemas)
			if err != nil {
				t.Fatal(err)
			}
			items, total, err := s.ListMailboxes(ctx, store.Query{Filter: where, Page: store.Page{Limit: 100}})
			if err != nil || total != 1 || len(items) != 1 || items[0].Username != "user001234@example.org" {
				t.Fatalf("= %v, %d, %v", items, total, err)
			}
			if len(seen) != 2 {
				t.Fatalf("%d mailbox statements, want count + page", len(seen))
			}
			for _, st := range seen {
				plan := explain(t, db, st.sql, st.args)
				if !usesPrimaryKey(engine, plan) {
					t.Errorf("not an index lookup:\n%s\nplan:\n%s", st.sql, plan)
				}
			}
		})
	}
}

func explain(t *testing.T, db testdb.DB, q string, args []any) string {
	prefix := map[sqlstore.Engine]string{sqlstore.SQLite: "EXPLAIN QUERY PLAN ", sqlstore.MySQL: "EXPLAIN ", sqlstore.PostgreSQL: "EXPLAIN "}[db.Engine]
	cols, rows := testdb.Rows(t, db.Raw, prefix+q, args...)
	var out strings.Builder
	for _, row := range rows {
		for i, v := range row {
			fmt.Fprintf(&out, "%s=%s ", cols[i], v)
		}
		out.WriteString("\n")
	}
	return out.String()
}

var sqlitePKSearch = regexp.MustCompile(`SEARCH m USING (COVERING )?INDEX sqlite_autoindex_mailbox_1 \(username=\?\)`)

func usesPrimaryKey(engine sqlstore.Engine, plan string) bool {
	switch engine {
	case sqlstore.SQLite:
		return sqlitePKSearch.MatchString(plan) && !strings.Contains(plan, "SCAN m")
	case sqlstore.MySQL:
		return strings.Contains(plan, "table=m type=const possible_keys=PRIMARY key=PRIMARY")
	default:
		return strings.Contains(plan, "Index") && strings.Contains(plan, "on mailbox m") && !strings.Contains(plan, "Seq Scan on mailbox")
	}
}

// externalId eq (how Entra ID and Okta correlate) is index lookups too: the
// companion table's unique index, then the mailbox's primary key.
func TestExternalIDFilterUsesTheIndexes(t *testing.T) {
	ctx := context.Background()
	for _, engine := range testdb.Engines {
		t.Run(string(engine), func(t *testing.T) {
			db := testdb.New(t, engine, testdb.Master, true)
			testdb.SeedMailboxes(t, db, "example.org", 3000)
			var mu sync.Mutex
			var seen [][2]any
			s, err := sqlstore.Open(ctx, engine, db.DSN, time.UTC, sqlstore.WithQueryObserver(func(q string, a []any) {
				if strings.Contains(q, "FROM mailbox m") && strings.Contains(q, "external_id = ") {
					mu.Lock()
					seen = append(seen, [2]any{q, a})
					mu.Unlock()
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Raw.Exec("INSERT INTO scim_external_id (resource_type, resource_id, external_id) VALUES ('User', 'user000042@example.org', 'ext-42')"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Raw.Exec(map[sqlstore.Engine]string{sqlstore.SQLite: "ANALYZE", sqlstore.MySQL: "ANALYZE TABLE scim_external_id", sqlstore.PostgreSQL: "ANALYZE"}[engine]); err != nil {
				t.Fatal(err)
			}
			where, err := scimfilter.Parse(`externalId eq "ext-42"`, scim.UserFilterSchemas)
			if err != nil {
				t.Fatal(err)
			}
			items, total, err := s.ListMailboxes(ctx, store.Query{Filter: where, Page: store.Page{Limit: 10}})
			if err != nil || total != 1 || len(items) != 1 || items[0].ExternalID != "ext-42" {
				t.Fatalf("= %v, %d, %v", items, total, err)
			}
			if len(seen) != 2 {
				t.Fatalf("%d statements with the filter, want count + page", len(seen))
			}
			for _, st := range seen {
				plan := explain(t, db, st[0].(string), st[1].([]any))
				if strings.Contains(plan, "SCAN m") || strings.Contains(plan, "Seq Scan on mailbox") || strings.Contains(plan, "table=m type=ALL") || strings.Contains(plan, "table=m type=index ") {
					t.Errorf("scans the mailbox table:\n%s\nplan:\n%s", st[0], plan)
				}
			}
		})
	}
}
