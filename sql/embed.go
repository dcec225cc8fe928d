// Package sql embeds DDL the server runs: PostfixAdmin's own SQLite schema
// (for the embedded default database) and postfixadmin-scim's companion table.
package sql

import _ "embed"

// SQLiteSchema is PostfixAdmin's SQLite schema (layout version SQLiteSchemaVersion),
// as its upgrade.php creates it.
//
//go:embed sqlite/postfixadmin.sql
var SQLiteSchema string

// The DDL of postfixadmin-scim's own companion table, per engine (run by
// the migrate command only).
var (
	//go:embed sqlite/scim.sql
	SQLiteCompanion string
	//go:embed mysql/scim.sql
	MySQLCompanion string
	//go:embed postgresql/scim.sql
	PostgresCompanion string
)

// The DDL of the companion table of User spellings, per engine (run by the
// migrate command only).
var (
	//go:embed sqlite/scim_spelling.sql
	SQLiteSpelling string
	//go:embed mysql/scim_spelling.sql
	MySQLSpelling string
	//go:embed postgresql/scim_spelling.sql
	PostgresSpelling string
)

// The upgrade of a companion table created while externalId was unique.
var (
	//go:embed sqlite/scim_upgrade.sql
	SQLiteCompanionUpgrade string
	//go:embed mysql/scim_upgrade.sql
	MySQLCompanionUpgrade string
	//go:embed postgresql/scim_upgrade.sql
	PostgresCompanionUpgrade string
)

// SQLiteSchemaVersion is the config table's version row for SQLiteSchema.
const SQLiteSchemaVersion = "1856"
