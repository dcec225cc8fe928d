package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"postfixadmin-scim/internal/fault"
)

// The text columns this server writes from client input are checked
// against the schema of the database in use, read when the store opens:
// PostfixAdmin's layouts differ (an install upgraded from 3.3 keeps utf8mb3
// in domain.description and mailbox.phone/email_other on MySQL, a fresh one
// has utf8mb4; transport and alias.goto are latin1 there), and an operator
// may have widened a column. A value that does not fit is the client's 400
// naming the attribute and the limit, before anything is written, instead
// of a database error (or, without strict mode, a value stored cut).

// column is what the schema lets one text column hold.
type column struct {
	maxChars int // characters; 0: no declared limit
	maxBytes int // bytes in the column's encoding; 0: no limit that matters
	charset  string
}

// columns maps "table.column" to its limits.
type columns map[string]column

// checkedTables are the tables whose columns are read.
var checkedTables = []string{"domain", "mailbox", "alias"}

// columnsQuery returns, per column of checkedTables: table, column, the
// length in characters, in bytes, and the character set, where the engine
// knows them. SQLite enforces no length, but its declared varchar(n) is
// PostfixAdmin's limit (what the MySQL and PostgreSQL layouts enforce).
var columnsQuery = map[Engine]string{
	SQLite: `SELECT m.name, p.name,
		CASE WHEN lower(p.type) LIKE '%char(%' THEN CAST(substr(p.type, instr(p.type, '(') + 1) AS INTEGER) END,
		NULL, NULL
		FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name IN ('domain', 'mailbox', 'alias')`,
	MySQL: `SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH, CHARACTER_SET_NAME
		FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('domain', 'mailbox', 'alias')`,
	PostgreSQL: `SELECT table_name::text, column_name::text, character_maximum_length::bigint, character_octet_length::bigint, NULL::text
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name IN ('domain', 'mailbox', 'alias')`,
}

// readColumns reads the limits of checkedTables' columns.
func (s *Store[Q]) readColumns(ctx context.Context) (columns, error) {
	rows, err := s.rdb.QueryContext(ctx, columnsQuery[s.engine])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := columns{}
	for rows.Next() {
		var (
			table, name   string
			chars, octets sql.NullInt64
			charset       sql.NullString
		)
		if err := rows.Scan(&table, &name, &chars, &octets, &charset); err != nil {
			return nil, err
		}
		cols[strings.ToLower(table)+"."+strings.ToLower(name)] = column{
			maxChars: int(chars.Int64), maxBytes: int(octets.Int64), charset: strings.ToLower(charset.String)}
	}
	return cols, rows.Err()
}

// fit refuses v for table.col (written from the client's attr) when the
// column cannot hold it.
func (s *Store[Q]) fit(attr, table, col, v string) error {
	c, ok := s.found().columns[table+"."+col]
	if !ok {
		return nil
	}
	where := fmt.Sprintf("this database's %s.%s column", table, col)
	if n := utf8.RuneCountInString(v); c.maxChars > 0 && n > c.maxChars {
		return fault.New(fault.Invalid, "%s: %s holds at most %d characters; the value has %d", attr, where, c.maxChars, n)
	}
	bytes := len(v)
	for _, r := range v {
		if !c.holds(r) {
			return fault.New(fault.Invalid, "%s: %s (%s) cannot store the character %q (U+%04X)", attr, where, c.charset, r, r)
		}
		if c.charset == "latin1" && r >= utf8.RuneSelf {
			bytes -= utf8.RuneLen(r) - 1 // one byte each in latin1
		}
	}
	if c.maxBytes > 0 && bytes > c.maxBytes {
		return fault.New(fault.Invalid, "%s: %s holds at most %d bytes; the value takes %d", attr, where, c.maxBytes, bytes)
	}
	return nil
}

// holds reports whether the column's character set has r. MySQL's latin1
// is Windows-1252; utf8mb3 (also called utf8) has no characters beyond
// the Basic Multilingual Plane.
func (c column) holds(r rune) bool {
	switch c.charset {
	case "latin1":
		_, ok := charmap.Windows1252.EncodeRune(r)
		return ok
	case "ascii":
		return r < utf8.RuneSelf
	case "utf8mb3", "utf8":
		return r <= 0xFFFF
	}
	return true
}
