// Package testdb gives each test its own freshly created PostfixAdmin
// database on SQLite, MariaDB/MySQL or PostgreSQL, loaded from the shared
// schema dumps PostfixAdmin itself produced, and drops it afterwards.
//
// MariaDB and PostgreSQL are looked for at PFSCIM_TEST_MYSQL
// (default root@tcp(127.0.0.1:3306)/) and PFSCIM_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/postgres); when one is unreachable its
// tests are skipped with the reason, unless PFSCIM_TEST_REQUIRE_ALL=1 (set
// in CI) makes that a failure.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testfixture"
)

// Engines are all engines, in test order.
var Engines = []sqlstore.Engine{sqlstore.SQLite, sqlstore.MySQL, sqlstore.PostgreSQL}

// Layout selects a PostfixAdmin release's schema.
type Layout string

const (
	Master      Layout = ""
	Release405  Layout = "release-4.0.5"
	Release3316 Layout = "release-3.3.16"
)

func (l Layout) String() string {
	if l == Master {
		return "master"
	}
	return string(l)
}

// DB is one test database.
type DB struct {
	Engine sqlstore.Engine
	Name   string  // the database's name (MySQL, PostgreSQL)
	DSN    string  // what the server is configured with
	Raw    *sql.DB // for inspecting rows in tests
}

// AsUser is dsn (of engine) for another user of the same server.
func AsUser(engine sqlstore.Engine, dsn, user, password string) string {
	if engine == sqlstore.MySQL {
		cfg, _ := mysql.ParseDSN(dsn)
		cfg.User, cfg.Passwd = user, password
		return cfg.FormatDSN()
	}
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword(user, password)
	return u.String()
}

// New creates a database with layout's schema and, if samples is set, the
// sample rows PostfixAdmin wrote (master and 3.3.16 have them).
func New(t testing.TB, engine sqlstore.Engine, layout Layout, samples bool) DB {
	t.Helper()
	files := schemaFiles(t, engine, layout, samples)
	name := "pfscim_" + randomHex(6)
	var db DB
	switch engine {
	case sqlstore.SQLite:
		db = newSQLite(t, name)
	case sqlstore.MySQL:
		db = newMySQL(t, name)
	case sqlstore.PostgreSQL:
		db = newPostgres(t, name)
	}
	for _, f := range files {
		load(t, db, f)
	}
	return db
}

func schemaFiles(t testing.TB, engine sqlstore.Engine, layout Layout, samples bool) []string {
	base := map[sqlstore.Engine]string{sqlstore.SQLite: "sqlite", sqlstore.MySQL: "mysql", sqlstore.PostgreSQL: "postgresql"}[engine]
	dir := testfixture.Path(t, string(layout))
	switch {
	case !samples:
		return []string{filepath.Join(dir, base+".sql")}
	case engine == sqlstore.SQLite:
		return []string{filepath.Join(dir, "sample-sqlite.sql")} // a complete .dump
	default:
		return []string{filepath.Join(dir, base+".sql"), filepath.Join(dir, "sample-"+base+".sql")}
	}
}

func load(t testing.TB, db DB, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A dedicated connection: pg_dump output changes session settings (search_path).
	conn, err := db.loader()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, string(b)); err != nil {
		t.Fatalf("load %s into %s: %v", file, db.Engine, err)
	}
}

func (db DB) loader() (*sql.DB, error) {
	switch db.Engine {
	case sqlstore.MySQL:
		cfg, err := mysql.ParseDSN(db.DSN)
		if err != nil {
			return nil, err
		}
		cfg.MultiStatements = true
		return sql.Open("mysql", cfg.FormatDSN())
	case sqlstore.PostgreSQL:
		return sql.Open("pgx", db.DSN)
	default:
		return sql.Open("sqlite", db.DSN)
	}
}

func newSQLite(t testing.TB, name string) DB {
	path := filepath.Join(t.TempDir(), name+".db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return DB{Engine: sqlstore.SQLite, DSN: path, Raw: raw}
}

func newMySQL(t testing.TB, name string) DB {
	admin := server(t, sqlstore.MySQL)
	exec(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { exec(t, admin, "DROP DATABASE IF EXISTS "+name) })
	cfg, _ := mysql.ParseDSN(envOr("PFSCIM_TEST_MYSQL", defaultMySQL))
	cfg.DBName = name
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	dsn := cfg.FormatDSN()
	raw, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return DB{Engine: sqlstore.MySQL, Name: name, DSN: dsn, Raw: raw}
}

func newPostgres(t testing.TB, name string) DB {
	admin := server(t, sqlstore.PostgreSQL)
	exec(t, admin, "CREATE DATABASE "+name)
	u, _ := url.Parse(envOr("PFSCIM_TEST_POSTGRES", defaultPostgres))
	u.Path = "/" + name
	dsn := u.String()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		raw.Close()
		exec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return DB{Engine: sqlstore.PostgreSQL, Name: name, DSN: dsn, Raw: raw}
}

const (
	defaultMySQL    = "root@tcp(127.0.0.1:3306)/"
	defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

var (
	serversMu sync.Mutex
	servers   = map[sqlstore.Engine]*sql.DB{}
	serverErr = map[sqlstore.Engine]error{}
)

// server returns a shared administrative connection to engine's server, or
// skips the test (fails it in CI) when the server is unreachable.
func server(t testing.TB, engine sqlstore.Engine) *sql.DB {
	t.Helper()
	serversMu.Lock()
	defer serversMu.Unlock()
	if db, ok := servers[engine]; ok {
		return db
	}
	if err, ok := serverErr[engine]; ok {
		unreachable(t, engine, err)
	}
	db, err := connect(engine)
	if err != nil {
		serverErr[engine] = err
		unreachable(t, engine, err)
	}
	servers[engine] = db
	return db
}

// connect opens the test server of engine (MySQL or PostgreSQL) and pings it.
func connect(engine sqlstore.Engine) (*sql.DB, error) {
	driver, dsn := "mysql", envOr("PFSCIM_TEST_MYSQL", defaultMySQL)
	if engine == sqlstore.PostgreSQL {
		driver, dsn = "pgx", envOr("PFSCIM_TEST_POSTGRES", defaultPostgres)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Report says, one line per engine, which test database servers are
// reachable (make test prints it first: go test shows no skips).
func Report() []string {
	var out []string
	for _, engine := range []sqlstore.Engine{sqlstore.MySQL, sqlstore.PostgreSQL} {
		where := envOr("PFSCIM_TEST_MYSQL", defaultMySQL)
		if engine == sqlstore.PostgreSQL {
			where = envOr("PFSCIM_TEST_POSTGRES", defaultPostgres)
		}
		db, err := connect(engine)
		if err != nil {
			verdict := "its tests will be SKIPPED"
			if os.Getenv("PFSCIM_TEST_REQUIRE_ALL") == "1" {
				verdict = "its tests will FAIL (PFSCIM_TEST_REQUIRE_ALL=1)"
			}
			out = append(out, fmt.Sprintf("%s: %s not reachable (%s): %s", engine, redactPassword(where), strings.Join(strings.Fields(err.Error()), " "), verdict))
			continue
		}
		db.Close()
		out = append(out, fmt.Sprintf("%s: testing against %s", engine, redactPassword(where)))
	}
	return out
}

func redactPassword(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxx")
			return u.String()
		}
	}
	if cfg, err := mysql.ParseDSN(dsn); err == nil && cfg.Passwd != "" {
		cfg.Passwd = "xxx"
		return cfg.FormatDSN()
	}
	return dsn
}

func unreachable(t testing.TB, engine sqlstore.Engine, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s server unreachable (%v): set PFSCIM_TEST_%s to its DSN", engine, err, strings.ToUpper(string(engine)))
	if os.Getenv("PFSCIM_TEST_REQUIRE_ALL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func exec(t testing.TB, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Rows runs a raw query and returns its column names and rows as strings
// (booleans as 1/0 on every engine), for comparing stored rows in tests.
func Rows(t testing.TB, db *sql.DB, q string, args ...any) ([]string, [][]string) {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				row[i] = string(v)
			case bool: // PostgreSQL booleans read like the others' tinyint(1)
				row[i] = map[bool]string{true: "1", false: "0"}[v]
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, out
}

// SeedMailboxes adds n mailboxes user000000@domain … to db (rows only, in
// batches; for query-plan tests and benchmarks).
func SeedMailboxes(t testing.TB, db DB, domain string, n int) {
	t.Helper()
	active := "1"
	if db.Engine == sqlstore.PostgreSQL {
		active = "true"
	}
	tx, err := db.Raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	const batch = 500
	for i := 0; i < n; i += batch {
		var b strings.Builder
		b.WriteString("INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, active, created, modified) VALUES ")
		for j := i; j < min(i+batch, n); j++ {
			if j > i {
				b.WriteString(", ")
			}
			local := fmt.Sprintf("user%06d", j)
			fmt.Fprintf(&b, "('%s@%s', '{CLEARTEXT}x', 'User %d', '%s/%s/', %d, '%s', '%s', %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
				local, domain, j, domain, local, (j%50)*1024000, local, domain, active)
		}
		if _, err := tx.Exec(b.String()); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Fresh statistics, as a long-running database has them.
	analyze := map[sqlstore.Engine]string{sqlstore.SQLite: "ANALYZE", sqlstore.MySQL: "ANALYZE TABLE mailbox, quota2", sqlstore.PostgreSQL: "ANALYZE"}[db.Engine]
	if _, err := db.Raw.Exec(analyze); err != nil {
		t.Fatal(err)
	}
}
