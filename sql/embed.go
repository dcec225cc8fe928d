// Package sql embeds PostfixAdmin's own SQLite DDL, which the server runs to
// create the embedded default database.
package sql

import _ "embed"

// SQLiteSchema is PostfixAdmin's SQLite schema (layout version SQLiteSchemaVersion),
// as its upgrade.php creates it.
//
//go:embed sqlite/postfixadmin.sql
var SQLiteSchema string

// SQLiteSchemaVersion is the config table's version row for SQLiteSchema.
const SQLiteSchemaVersion = "1856"
