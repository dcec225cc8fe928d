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
	return db.DBTX.ExecContext(ctx, q, args...)
}

func (db DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args, err := db.prepare(ctx, q, args)
	if err != nil {
		return nil, err
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
	return db.DBTX.QueryRowContext(ctx, q, args...)
}

func (db DB) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	q, _, err := db.prepare(ctx, q, nil)
	if err != nil {
		return nil, err
	}
	return db.DBTX.PrepareContext(ctx, q)
}
