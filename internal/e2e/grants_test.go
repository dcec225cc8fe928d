package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// grantStatements reads scripts/deploy/grants.sql's statements for engine,
// for user (password pass) on database name.
func grantStatements(t *testing.T, engine sqlstore.Engine, name, user, pass string) []string {
	t.Helper()
	b, err := os.ReadFile("../../scripts/deploy/grants.sql")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	mysqlPart, pgPart, _ := strings.Cut(doc[strings.Index(doc, "-- MariaDB / MySQL"):], "-- PostgreSQL")
	var sqlText string
	if engine == sqlstore.MySQL {
		for _, line := range strings.Split(mysqlPart, "\n") {
			if !strings.HasPrefix(line, "--") {
				sqlText += line + "\n"
			}
		}
		sqlText = strings.NewReplacer("postfix.", name+".", "'pfscim'@'10.0.0.%'", "'"+user+"'@'%'", "change-me", pass).Replace(sqlText)
	} else {
		for _, line := range strings.Split(pgPart, "\n") {
			if rest, ok := strings.CutPrefix(line, "-- "); ok && (strings.HasPrefix(rest, "CREATE") || strings.HasPrefix(rest, "GRANT")) {
				sqlText += rest + "\n"
			}
		}
		sqlText = strings.NewReplacer("DATABASE postfix", "DATABASE "+name, "pfscim", user, "change-me", pass).Replace(sqlText)
	}
	var out []string
	for _, st := range strings.Split(sqlText, ";") {
		if st = strings.TrimSpace(st); st != "" {
			out = append(out, st)
		}
	}
	if len(out) < 5 {
		t.Fatalf("%s: only %d statements in grants.sql", engine, len(out))
	}
	return out
}

// The grants the deployment docs list are enough: migrate, then the
// lifecycle of a domain, a mailbox and a group, as that user.
func TestDocumentedGrantsSuffice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		if engine == sqlstore.SQLite {
			t.Skip("SQLite has no grants")
		}
		user, pass := fmt.Sprintf("pfscim_%d", time.Now().UnixNano()%1e9), "Grant-Pass-1"
		e := startWith(t, engine, testdb.Master, true, func(d testdb.DB) {
			// As the server's administrator, connected to the new database.
			for _, st := range grantStatements(t, engine, d.Name, user, pass) {
				if _, err := d.Raw.Exec(st); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			t.Cleanup(func() {
				drop := []string{"DROP USER '" + user + "'@'%'"}
				if engine == sqlstore.PostgreSQL {
					drop = []string{"REASSIGN OWNED BY " + user + " TO CURRENT_USER", "DROP OWNED BY " + user, "DROP ROLE " + user}
				}
				for _, st := range drop {
					if _, err := d.Raw.Exec(st); err != nil {
						t.Errorf("%s: %v", st, err)
					}
				}
			})
			s, err := sqlstore.Open(context.Background(), engine, testdb.AsUser(engine, d.DSN, user, pass), time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("migrate with the documented grants: %v", err)
			}
		}, func(c *config.Config) {
			c.DomainDeleteCascade = true
			c.Database.DSN = testdb.AsUser(engine, c.Database.DSN, user, pass)
		})
		expect(t, e.do(http.MethodPost, "/Domains", domainBody("granted.example", nil), asAdmin()), http.StatusCreated, "")
		expect(t, e.do(http.MethodPost, "/Users", userBody("u@granted.example", map[string]any{"externalId": "x"}), asAdmin()), http.StatusCreated, "")
		expect(t, e.do(http.MethodPost, "/Groups", groupBody(map[string]any{"displayName": "g@granted.example", "members": members("u@granted.example")}), asAdmin()), http.StatusCreated, "")
		expect(t, e.do(http.MethodPatch, "/Users/u@granted.example", patchBody(op("replace", "displayName", "U")), asAdmin()), http.StatusOK, "")
		expect(t, e.do(http.MethodPatch, "/Domains/granted.example", patchBody(op("replace", "aliasFor", "example.org")), asAdmin()), http.StatusOK, "")
		expect(t, e.do(http.MethodDelete, "/Users/u@granted.example", nil, asAdmin()), http.StatusNoContent, "")
		expect(t, e.do(http.MethodDelete, "/Groups/g@granted.example", nil, asAdmin()), http.StatusNoContent, "")
		expect(t, e.do(http.MethodDelete, "/Domains/granted.example", nil, asAdmin()), http.StatusNoContent, "")
		if r := e.do(http.MethodGet, "/Users?filter=externalId%20eq%20%22x%22", nil, asAdmin()); r.json(t)["totalResults"] != 0.0 {
			t.Errorf("externalId left after delete: %s", r.body)
		}
	})
}
