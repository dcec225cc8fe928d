package sqlstore

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"postfixadmin-scim/gen/mysqldb"
	"postfixadmin-scim/gen/pgdb"
	"postfixadmin-scim/gen/sqlitedb"
	"postfixadmin-scim/internal/sqltemplate"
	"postfixadmin-scim/internal/store"
)

// sqliteTime is how PostfixAdmin's SQLite rows store times: UTC text
// (datetime('now')), which compares correctly as text.
func sqliteTime(t time.Time) any { return t.UTC().Format(time.DateTime) }

// Each constructor names its engine's generated types once; everything else is shared.

func newSQLite(db, rdb *sql.DB, o options) *Store[*sqlitedb.Queries] {
	// modernc.org/sqlite parses every statement it is sent: keep them prepared.
	stmts := &sqltemplate.Stmts{}
	return &Store[*sqlitedb.Queries]{
		db: db, rdb: rdb, stmts: stmts, engine: SQLite, counts: newCountCache(o.countTTL),
		queries: func(d DBTX) *sqlitedb.Queries {
			return sqlitedb.New(sqltemplate.DB{DBTX: d, Style: sqltemplate.QuestionN, TimeArg: sqliteTime, Observe: o.observe, Stmts: stmts})
		},
		domains: domainAdapter[*sqlitedb.Queries, sqlitedb.GetDomainRow, sqlitedb.ListDomainsRow, sqlitedb.Domain, sqlitedb.InsertDomainParams, sqlitedb.UpdateDomainParams, sqlitedb.ListDomainsParams, sqlitedb.InsertAliasDomainParams, sqlitedb.SetAliasDomainTargetParams]{
			page: func(p store.Page) sqlitedb.ListDomainsParams {
				return sqlitedb.ListDomainsParams{Lim: int64(p.Limit), Off: int64(p.Offset)}
			},
		},
		mailboxes: mailboxAdapter[*sqlitedb.Queries, sqlitedb.GetMailboxRow, sqlitedb.ListMailboxesRow, sqlitedb.ListMailboxesParams, sqlitedb.InsertMailboxParams, sqlitedb.UpdateMailboxParams, sqlitedb.UpdateMailboxPasswordParams]{
			page: func(p store.Page) sqlitedb.ListMailboxesParams {
				return sqlitedb.ListMailboxesParams{Lim: int64(p.Limit), Off: int64(p.Offset)}
			},
		},
		groupOps: groupAdapter[*sqlitedb.Queries, sqlitedb.GetGroupRow, sqlitedb.ListGroupsRow, sqlitedb.ListGroupsParams, sqlitedb.UpdateAliasGotoParams, sqlitedb.SetAliasDescriptionParams, sqlitedb.MailboxNamesRow, sqlitedb.AliasesTargetingRow, sqlitedb.ListGroupTargetsRow]{
			inList: jsonList("json_each(?)"),
			page: func(p store.Page) sqlitedb.ListGroupsParams {
				return sqlitedb.ListGroupsParams{Lim: int64(p.Limit), Off: int64(p.Offset)}
			},
		},
		memberFmt: "instr(',' || %[2]s || ',', ',' || %[1]s || ',') > 0",
		meta:      metaAdapter[*sqlitedb.Queries, sqlitedb.GetLoginAdminRow, sqlitedb.InsertAdminParams, sqlitedb.InsertDomainAdminParams, sqlitedb.InsertConfigValueParams, sqlitedb.InsertLogParams, sqlitedb.InsertAliasParams, sqlitedb.InsertExternalIDParams, sqlitedb.InsertUserSpellingParams]{},
		isUnique: func(err error) bool {
			var se *sqlite.Error
			return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
	}
}

func newMySQL(db *sql.DB, o options) *Store[*mysqldb.Queries] {
	return &Store[*mysqldb.Queries]{
		db: db, rdb: db, engine: MySQL, counts: newCountCache(o.countTTL),
		queries: func(d DBTX) *mysqldb.Queries {
			return mysqldb.New(sqltemplate.DB{DBTX: d, Style: sqltemplate.Question, Observe: o.observe})
		},
		domains: domainAdapter[*mysqldb.Queries, mysqldb.GetDomainRow, mysqldb.ListDomainsRow, mysqldb.Domain, mysqldb.InsertDomainParams, mysqldb.UpdateDomainParams, mysqldb.ListDomainsParams, mysqldb.InsertAliasDomainParams, mysqldb.SetAliasDomainTargetParams]{
			page: func(p store.Page) mysqldb.ListDomainsParams {
				return mysqldb.ListDomainsParams{Limit: int32(p.Limit), Offset: int32(p.Offset)}
			},
		},
		mailboxes: mailboxAdapter[*mysqldb.Queries, mysqldb.GetMailboxRow, mysqldb.ListMailboxesRow, mysqldb.ListMailboxesParams, mysqldb.InsertMailboxParams, mysqldb.UpdateMailboxParams, mysqldb.UpdateMailboxPasswordParams]{
			page: func(p store.Page) mysqldb.ListMailboxesParams {
				return mysqldb.ListMailboxesParams{Limit: int32(p.Limit), Offset: int32(p.Offset)}
			},
		},
		groupOps: groupAdapter[*mysqldb.Queries, mysqldb.GetGroupRow, mysqldb.ListGroupsRow, mysqldb.ListGroupsParams, mysqldb.UpdateAliasGotoParams, mysqldb.SetAliasDescriptionParams, mysqldb.MailboxNamesRow, mysqldb.AliasesTargetingRow, mysqldb.ListGroupTargetsRow]{
			inList: placeholderList,
			page: func(p store.Page) mysqldb.ListGroupsParams {
				return mysqldb.ListGroupsParams{Limit: int32(p.Limit), Offset: int32(p.Offset)}
			},
		},
		memberFmt: "FIND_IN_SET(%[1]s, %[2]s) > 0",
		meta:      metaAdapter[*mysqldb.Queries, mysqldb.GetLoginAdminRow, mysqldb.InsertAdminParams, mysqldb.InsertDomainAdminParams, mysqldb.InsertConfigValueParams, mysqldb.InsertLogParams, mysqldb.InsertAliasParams, mysqldb.InsertExternalIDParams, mysqldb.InsertUserSpellingParams]{},
		isUnique: func(err error) bool {
			var me *mysql.MySQLError
			return errors.As(err, &me) && me.Number == 1062
		},
		isConflict: func(err error) bool {
			var me *mysql.MySQLError
			return errors.As(err, &me) && me.Number == 1213 // ER_LOCK_DEADLOCK
		},
		isBadValue: func(err error) bool {
			var me *mysql.MySQLError
			// 1264 out of range, 1366 incorrect string value (e.g. emoji in a utf8mb3 column), 1406 data too long.
			return errors.As(err, &me) && (me.Number == 1264 || me.Number == 1366 || me.Number == 1406)
		},
		isBusy: func(err error) bool {
			var me *mysql.MySQLError
			// 1040 too many connections, 1053 server shutdown, 1203 user connection limit.
			return errors.Is(err, mysql.ErrInvalidConn) || (errors.As(err, &me) && (me.Number == 1040 || me.Number == 1053 || me.Number == 1203))
		},
	}
}

func newPostgres(db *sql.DB, o options) *Store[*pgdb.Queries] {
	return &Store[*pgdb.Queries]{
		db: db, rdb: db, engine: PostgreSQL, counts: newCountCache(o.countTTL),
		queries: func(d DBTX) *pgdb.Queries {
			return pgdb.New(sqltemplate.DB{DBTX: d, Style: sqltemplate.Dollar, Observe: o.observe})
		},
		domains: domainAdapter[*pgdb.Queries, pgdb.GetDomainRow, pgdb.ListDomainsRow, pgdb.Domain, pgdb.InsertDomainParams, pgdb.UpdateDomainParams, pgdb.ListDomainsParams, pgdb.InsertAliasDomainParams, pgdb.SetAliasDomainTargetParams]{
			page: func(p store.Page) pgdb.ListDomainsParams {
				return pgdb.ListDomainsParams{Lim: int32(p.Limit), Off: int32(p.Offset)}
			},
		},
		mailboxes: mailboxAdapter[*pgdb.Queries, pgdb.GetMailboxRow, pgdb.ListMailboxesRow, pgdb.ListMailboxesParams, pgdb.InsertMailboxParams, pgdb.UpdateMailboxParams, pgdb.UpdateMailboxPasswordParams]{
			page: func(p store.Page) pgdb.ListMailboxesParams {
				return pgdb.ListMailboxesParams{Lim: int32(p.Limit), Off: int32(p.Offset)}
			},
		},
		groupOps: groupAdapter[*pgdb.Queries, pgdb.GetGroupRow, pgdb.ListGroupsRow, pgdb.ListGroupsParams, pgdb.UpdateAliasGotoParams, pgdb.SetAliasDescriptionParams, pgdb.MailboxNamesRow, pgdb.AliasesTargetingRow, pgdb.ListGroupTargetsRow]{
			inList: jsonList("json_array_elements_text(?::json)"),
			page: func(p store.Page) pgdb.ListGroupsParams {
				return pgdb.ListGroupsParams{Lim: int32(p.Limit), Off: int32(p.Offset)}
			},
		},
		memberFmt: "%[1]s = ANY(string_to_array(%[2]s, ','))",
		meta:      metaAdapter[*pgdb.Queries, pgdb.GetLoginAdminRow, pgdb.InsertAdminParams, pgdb.InsertDomainAdminParams, pgdb.InsertConfigValueParams, pgdb.InsertLogParams, pgdb.InsertAliasParams, pgdb.InsertExternalIDParams, pgdb.InsertUserSpellingParams]{},
		isUnique: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "23505"
		},
		isConflict: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") // serialization_failure, deadlock_detected
		},
		isBadValue: func(err error) bool {
			var pe *pgconn.PgError
			// 22001 string too long, 22003 numeric out of range, 22021 invalid byte sequence.
			return errors.As(err, &pe) && (pe.Code == "22001" || pe.Code == "22003" || pe.Code == "22021")
		},
		isBusy: func(err error) bool {
			var (
				pe *pgconn.PgError
				ce *pgconn.ConnectError
			)
			// Class 08 connection exceptions, 53300 too many connections, 57P01-03 shutdown, cannot connect now.
			return errors.As(err, &ce) || (errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "08") || pe.Code == "53300" || strings.HasPrefix(pe.Code, "57P")))
		},
	}
}
