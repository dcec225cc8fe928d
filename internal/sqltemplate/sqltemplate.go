// Package sqltemplate lets sqlc's static queries carry dynamic parts: a query
// marks a replaceable piece as
//
//	/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */
//
// and DB, wrapped around the connection sqlc's Queries use, swaps in the
// fragment stored in the context under that name, renumbering its '?'
// placeholders for the engine. Without a fragment the default text stays, so
// sqlc's own checks and plain calls see a valid query.
package sqltemplate

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// DBTX is what sqlc's generated code needs of a connection.
type DBTX interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	PrepareContext(context.Context, string) (*sql.Stmt, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// Style is an engine's placeholder syntax.
type Style int

const (
	Question  Style = iota // MySQL: positional ?
	Dollar                 // PostgreSQL: $1, $2, …
	QuestionN              // SQLite as sqlc writes it: ?1, ?2, …
)

// Fragment is SQL with '?' placeholders and its arguments.
type Fragment struct {
	SQL  string
	Args []any
}

type key struct{}

// With returns ctx carrying fragments by template name.
func With(ctx context.Context, fragments map[string]Fragment) context.Context {
	return context.WithValue(ctx, key{}, fragments)
}

// From returns the fragments ctx carries.
func From(ctx context.Context) (map[string]Fragment, bool) {
	f, ok := ctx.Value(key{}).(map[string]Fragment)
	return f, ok
}

// DB rewrites templated queries before passing them on.
type DB struct {
	DBTX
	Style Style
	// TimeArg, if set, converts time arguments (SQLite stores text).
	TimeArg func(time.Time) any
	// Observe, if set, sees every statement as sent.
	Observe func(query string, args []any)
	// Stmts, if set, keeps statements prepared (SQLite, whose driver would
	// parse each statement again); DBTX must then be a *sql.DB or a Tx.
	Stmts *Stmts
}

// Tx is a transaction with the database it runs on, so that statements
// prepared on that database can be used in it.
type Tx struct {
	*sql.Tx
	DB *sql.DB
}

// Stmts caches prepared statements per database and query text. The texts
// are sqlc's queries with their templates expanded; a filter's values are
// arguments, so the set is bounded by the filter shapes clients use, and
// past maxStmts texts are sent unprepared.
type Stmts struct {
	mu      sync.Mutex
	stmts   map[stmtKey]*sql.Stmt
	warming map[stmtKey]bool
	closed  bool
	// stopWarming cancels the preparations under way; Close waits for them
	// through warmers, so none opens a connection after the database closed.
	stopWarming context.CancelFunc
	warmCtx     context.Context
	warmers     sync.WaitGroup
}

type stmtKey struct {
	db    *sql.DB
	query string
}

const maxStmts = 512

func (c *Stmts) cached(db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[stmtKey{db, query}]
}

// get returns the statement, preparing it on db (which takes a connection
// of db's: never call it while holding db's last connection).
func (c *Stmts) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if st := c.cached(db, query); st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.keep(stmtKey{db, query}, st), nil
}

func (c *Stmts) keep(k stmtKey, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed { // the store is closing: nothing more to cache
		st.Close()
		return st
	}
	if prev, ok := c.stmts[k]; ok { // prepared meanwhile by another request
		st.Close()
		return prev
	}
	if c.stmts == nil {
		c.stmts = map[stmtKey]*sql.Stmt{}
	}
	if len(c.stmts) < maxStmts {
		c.stmts[k] = st
	}
	return st
}

// warm prepares a statement in the background, for a transaction that
// missed it: the transaction holds a connection (SQLite's writer has only
// one), so it cannot wait for the preparation itself.
func (c *Stmts) warm(db *sql.DB, query string) {
	k := stmtKey{db, query}
	c.mu.Lock()
	if c.closed || c.warming[k] || len(c.stmts) >= maxStmts {
		c.mu.Unlock()
		return
	}
	if c.warming == nil {
		c.warming = map[stmtKey]bool{}
		c.warmCtx, c.stopWarming = context.WithCancel(context.Background())
	}
	c.warming[k] = true
	c.warmers.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.warmers.Done()
		ctx, cancel := context.WithTimeout(c.warmCtx, 10*time.Second)
		defer cancel()
		if st, err := db.PrepareContext(ctx, query); err == nil {
			c.keep(k, st)
		}
		c.mu.Lock()
		delete(c.warming, k)
		c.mu.Unlock()
	}()
}

// Close stops and awaits the preparations under way, then closes the cached
// statements; call it before closing the databases.
func (c *Stmts) Close() {
	c.mu.Lock()
	c.closed = true
	if c.stopWarming != nil {
		c.stopWarming()
	}
	c.mu.Unlock()
	c.warmers.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

// stmt returns the prepared statement for q, or nil to send q as text.
func (db DB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if db.Stmts == nil {
		return nil, nil
	}
	switch d := db.DBTX.(type) {
	case *sql.DB:
		return db.Stmts.get(ctx, d, q)
	case Tx:
		st := db.Stmts.cached(d.DB, q)
		if st == nil {
			db.Stmts.warm(d.DB, q)
			return nil, nil
		}
		return d.Tx.StmtContext(ctx, st), nil // closed with the transaction
	}
	return nil, nil
}

var marker = regexp.MustCompile(`/\* TEMPLATE_BEGIN: (\w+) \*/(.*?)/\* TEMPLATE_END \*/`)

func (db DB) rewrite(ctx context.Context, query string, args []any) (string, []any, error) {
	if db.TimeArg != nil {
		args = convertTimes(args, db.TimeArg)
	}
	frags, _ := ctx.Value(key{}).(map[string]Fragment)
	if !strings.Contains(query, "TEMPLATE_BEGIN") {
		return query, args, nil
	}
	var out strings.Builder
	out.Grow(len(query) + 64)
	for _, seg := range segmentsOf(query) {
		out.WriteString(seg.text)
		if seg.name == "" {
			continue
		}
		name := seg.name
		f, ok := frags[name]
		if !ok {
			out.WriteString(seg.def)
			continue
		}
		fargs := f.Args
		if db.TimeArg != nil {
			fargs = convertTimes(fargs, db.TimeArg)
		}
		switch db.Style {
		case Question:
			// Positional: the fragment's arguments go where its text goes.
			before := strings.Count(out.String(), "?")
			if before > len(args) {
				return "", nil, fmt.Errorf("sqltemplate: %d placeholders before %q but %d arguments", before, name, len(args))
			}
			args = append(append(append([]any{}, args[:before]...), fargs...), args[before:]...)
			out.WriteString(f.SQL)
		default:
			// Numbered: the fragment's arguments follow all others.
			n := len(args)
			args = append(args, fargs...)
			out.WriteString(renumber(f.SQL, n, db.Style))
		}
	}
	return out.String(), args, nil
}

// segment is static text followed by a template (name "" for the last text).
type segment struct{ text, name, def string }

// parsed holds each query's segments: the queries are sqlc's constants, a
// fixed set, so each is parsed once.
var parsed sync.Map // query -> []segment

func segmentsOf(query string) []segment {
	if v, ok := parsed.Load(query); ok {
		return v.([]segment)
	}
	var segs []segment
	last := 0
	for _, m := range marker.FindAllStringSubmatchIndex(query, -1) {
		segs = append(segs, segment{text: query[last:m[0]], name: query[m[2]:m[3]], def: query[m[4]:m[5]]})
		last = m[1]
	}
	segs = append(segs, segment{text: query[last:]})
	parsed.Store(query, segs)
	return segs
}

func (db DB) prepare(ctx context.Context, query string, args []any) (string, []any, error) {
	q, a, err := db.rewrite(ctx, query, args)
	if err == nil && db.Observe != nil {
		db.Observe(q, a)
	}
	return q, a, err
}

// renumber turns the fragment's ?s into $n+1… or ?n+1….
func renumber(s string, n int, style Style) string {
	var b strings.Builder
	prefix := "$"
	if style == QuestionN {
		prefix = "?"
	}
	for _, r := range s {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "%s%d", prefix, n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// convertTimes returns args with time values converted (a copy if any is).
func convertTimes(args []any, conv func(time.Time) any) []any {
	out := args
	copied := false
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if !copied {
				out, copied = append([]any{}, args...), true
			}
			out[i] = conv(t)
		}
	}
	return out
}

func (db DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args, err := db.prepare(ctx, q, args)
	if err != nil {
		return nil, err
	}
	if st, err := db.stmt(ctx, q); err != nil || st != nil {
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return db.DBTX.ExecContext(ctx, q, args...)
}

func (db DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args, err := db.prepare(ctx, q, args)
	if err != nil {
		return nil, err
	}
	if st, err := db.stmt(ctx, q); err != nil || st != nil {
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return db.DBTX.QueryContext(ctx, q, args...)
}

func (db DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q, args, err := db.prepare(ctx, q, args)
	if err != nil {
		// database/sql cannot build an errored *Row; a query that cannot run
		// makes the error (a bug in a query's template) surface at Scan.
		return db.DBTX.QueryRowContext(ctx, "SELECT sqltemplate_rewrite_failed")
	}
	if st, err := db.stmt(ctx, q); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	// Unprepared (no cache, or the text does not prepare: its error comes from the query).
	return db.DBTX.QueryRowContext(ctx, q, args...)
}

func (db DB) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	q, _, err := db.prepare(ctx, q, nil)
	if err != nil {
		return nil, err
	}
	return db.DBTX.PrepareContext(ctx, q)
}
