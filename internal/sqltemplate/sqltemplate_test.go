package sqltemplate

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

type recorder struct {
	query string
	args  []any
}

func (r *recorder) ExecContext(_ context.Context, q string, a ...any) (sql.Result, error) {
	r.query, r.args = q, a
	return nil, nil
}
func (r *recorder) PrepareContext(context.Context, string) (*sql.Stmt, error) { return nil, nil }
func (r *recorder) QueryContext(_ context.Context, q string, a ...any) (*sql.Rows, error) {
	r.query, r.args = q, a
	return nil, nil
}
func (r *recorder) QueryRowContext(context.Context, string, ...any) *sql.Row { return nil }

func TestRewrite(t *testing.T) {
	when := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	frags := map[string]Fragment{
		"where": {SQL: "(a = ? AND b > ?)", Args: []any{"x", when}},
		"order": {SQL: "a DESC, id DESC"},
	}
	tests := []struct {
		name  string
		style Style
		query string
		args  []any
		want  string
		wargs string
	}{
		{"mysql splices positionally", Question,
			"SELECT * FROM t WHERE k = ? AND (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */) ORDER BY /* TEMPLATE_BEGIN: order */ id /* TEMPLATE_END */ LIMIT ? OFFSET ?",
			[]any{"k", 10, 0},
			"SELECT * FROM t WHERE k = ? AND ((a = ? AND b > ?)) ORDER BY a DESC, id DESC LIMIT ? OFFSET ?", "[k x " + when.String() + " 10 0]"},
		{"postgres numbers after the others", Dollar,
			"SELECT * FROM t WHERE (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */) LIMIT $1 OFFSET $2",
			[]any{10, 0},
			"SELECT * FROM t WHERE ((a = $3 AND b > $4)) LIMIT $1 OFFSET $2", "[10 0 x " + when.String() + "]"},
		{"sqlite numbers after the others", QuestionN,
			"SELECT * FROM t WHERE (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */) LIMIT ?2 OFFSET ?1",
			[]any{0, 10},
			"SELECT * FROM t WHERE ((a = ?3 AND b > ?4)) LIMIT ?2 OFFSET ?1", "[0 10 x " + when.String() + "]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			db := DB{DBTX: r, Style: tt.style}
			if _, err := db.QueryContext(With(context.Background(), frags), tt.query, tt.args...); err != nil {
				t.Fatal(err)
			}
			if r.query != tt.want || fmt.Sprint(r.args) != tt.wargs {
				t.Errorf("got  %s %v\nwant %s %s", r.query, r.args, tt.want, tt.wargs)
			}
		})
	}
	t.Run("defaults without fragments, times converted", func(t *testing.T) {
		r := &recorder{}
		db := DB{DBTX: r, Style: QuestionN, TimeArg: func(t time.Time) any { return t.UTC().Format(time.DateTime) }}
		q := "SELECT 1 WHERE (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */) AND t > ?1"
		db.ExecContext(context.Background(), q, when)
		if r.query != "SELECT 1 WHERE ( 1 = 1 ) AND t > ?1" || fmt.Sprint(r.args) != "[2026-12-01 09:00:00]" {
			t.Errorf("got %s %v", r.query, r.args)
		}
	})
}

// A transaction holding a database's only connection (SQLite's writer) never
// waits for a statement to be prepared on that database: a miss is sent as
// text and prepared once the connection is free, then used from the cache.
func TestStmtsInATransactionOnOneConnection(t *testing.T) {
	raw := oneConnection(t)
	stmts := &Stmts{}
	defer stmts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const q = "SELECT 1 + ?1"
	for round := range 2 {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		db := DB{DBTX: Tx{Tx: tx, DB: raw}, Style: QuestionN, Stmts: stmts}
		var n int
		if err := db.QueryRowContext(ctx, q, 41).Scan(&n); err != nil || n != 42 {
			t.Fatalf("round %d: %d, %v", round, n, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for stmts.cached(raw, q) == nil && ctx.Err() == nil {
			time.Sleep(time.Millisecond) // the background preparation, now that the connection is free
		}
	}
	if stmts.cached(raw, q) == nil {
		t.Fatal("the statement was never cached")
	}
	var n int
	if err := (DB{DBTX: raw, Style: QuestionN, Stmts: stmts}).QueryRowContext(ctx, q, 1).Scan(&n); err != nil || n != 2 {
		t.Fatalf("outside a transaction: %d, %v", n, err)
	}
}

// Close waits for the background preparations: one still waiting for a
// connection when the store closes would otherwise open it afterwards, on a
// database file that may be gone (it once failed a test's TempDir cleanup
// with "directory not empty") or with a pool already closed.
func TestCloseAwaitsWarming(t *testing.T) {
	raw := oneConnection(t)
	stmts := &Stmts{}
	ctx := context.Background()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = "SELECT 1 + ?1"
	db := DB{DBTX: Tx{Tx: tx, DB: raw}, Style: QuestionN, Stmts: stmts}
	var n int
	if err := db.QueryRowContext(ctx, q, 1).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d, %v", n, err)
	}
	// The preparation now waits for the connection this transaction holds.
	stmts.Close()
	stmts.mu.Lock()
	pending, cached := len(stmts.warming), len(stmts.stmts)
	stmts.mu.Unlock()
	if pending != 0 || cached != 0 {
		t.Fatalf("after Close: %d preparations under way, %d statements cached", pending, cached)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, q, 1).Scan(&n); err == nil {
		t.Fatal("the transaction is done; the query should fail")
	}
	if stmts.cached(raw, q) != nil {
		t.Fatal("a statement was cached after Close")
	}
}

// oneConnection is a SQLite database with a pool of one connection, as the
// store's writer has.
func oneConnection(t *testing.T) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+t.TempDir()+"/s.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	raw.SetMaxOpenConns(1)
	return raw
}
