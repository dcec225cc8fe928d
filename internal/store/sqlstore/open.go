package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	_ "modernc.org/sqlite"             // registers driver "sqlite"

	"postfixadmin-scim/internal/store"
	sqlschema "postfixadmin-scim/sql"
)

// Engine names a database engine.
type Engine string

const (
	SQLite     Engine = "sqlite"
	MySQL      Engine = "mysql"
	PostgreSQL Engine = "postgres"
)

// ParseEngine accepts the engine names used in configuration.
func ParseEngine(s string) (Engine, error) {
	switch strings.ToLower(s) {
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "mysql", "mariadb":
		return MySQL, nil
	case "postgres", "postgresql", "pgsql", "pg":
		return PostgreSQL, nil
	}
	return "", fmt.Errorf("unknown database driver %q (want sqlite, mysql or postgres)", s)
}

// MinLayoutVersion is the oldest PostfixAdmin database layout served
// (config.version of PostfixAdmin 3.3.16).
const MinLayoutVersion = 1847

// DB is an open PostfixAdmin database.
type DB interface {
	store.Store
	// Check verifies that the database is a PostfixAdmin database this server
	// understands and returns its layout version.
	Check(ctx context.Context) (int, error)
	// Migrate creates postfixadmin-scim's own companion table (externalId
	// storage), or upgrades one of an earlier layout, and reports whether it
	// changed anything; PostfixAdmin's tables are not touched.
	Migrate(ctx context.Context) (changed bool, err error)
	// Initialize fills an empty database the way PostfixAdmin's setup.php does:
	// schema DDL (if any), the config version row, the ALL pseudo-domain and a
	// first superadmin.
	Initialize(ctx context.Context, ddl, version string, admin store.Admin, by store.Actor) error

	// Pools are the connection pools, by name, for their statistics.
	Pools() map[string]*sql.DB

	probe(ctx context.Context)
}

// Option adjusts Open.
type Option func(*options)

type options struct {
	observe     func(query string, args []any)
	countTTL    time.Duration
	pool        Pool
	unreachable bool // Open succeeds without a reachable database
}

// AllowUnreachable lets Open return a store for a database that does not
// answer yet (a server starting before its database); its operations fail
// with fault.Unavailable until it does, and Check then finds the layout.
func AllowUnreachable() Option {
	return func(o *options) { o.unreachable = true }
}

// SetDriverLogger sends what the MySQL driver logs by itself (connections
// it drops and retries) to l, so that every log line is structured.
func SetDriverLogger(l *slog.Logger) {
	_ = mysql.SetLogger(driverLog{l})
}

type driverLog struct{ l *slog.Logger }

func (d driverLog) Print(v ...any) { d.l.Warn("mysql driver", "msg", fmt.Sprint(v...)) }

// AllowsUnreachable reports whether opts include AllowUnreachable.
func AllowsUnreachable(opts ...Option) bool {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o.unreachable
}

// connectTimeout bounds the first contact, so a black-holed database is
// reported within seconds instead of after the system's TCP timeout.
const connectTimeout = 5 * time.Second

// Pool bounds and recycles the connections (for SQLite: the readers).
type Pool struct {
	MaxOpen, MaxIdle         int
	MaxLifetime, MaxIdleTime time.Duration
}

// DefaultPool keeps its connections (idle = open) and recycles them before
// typical server and firewall timeouts.
var DefaultPool = Pool{MaxOpen: 20, MaxIdle: 20, MaxLifetime: 30 * time.Minute, MaxIdleTime: 5 * time.Minute}

// WithPool sets the connection pool (DefaultPool otherwise).
func WithPool(p Pool) Option {
	return func(o *options) { o.pool = p }
}

func (p Pool) apply(db *sql.DB) {
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(p.MaxIdle)
	db.SetConnMaxLifetime(p.MaxLifetime)
	db.SetConnMaxIdleTime(p.MaxIdleTime)
}

// WithCountCache keeps list totals (COUNT queries) for up to ttl; writes
// through this store drop them at once. Zero, the default, counts every time.
func WithCountCache(ttl time.Duration) Option {
	return func(o *options) { o.countTTL = ttl }
}

// WithQueryObserver calls f with every statement as sent to the database
// (after template expansion), e.g. to check query plans or to log.
func WithQueryObserver(f func(query string, args []any)) Option {
	return func(o *options) { o.observe = f }
}

// Open connects to a database. loc is the time zone of the database's clock,
// which matters for MySQL's zone-less DATETIME columns.
func Open(ctx context.Context, engine Engine, dsn string, loc *time.Location, opts ...Option) (DB, error) {
	o := options{pool: DefaultPool}
	for _, opt := range opts {
		opt(&o)
	}
	var (
		db, rdb *sql.DB
		err     error
	)
	switch engine {
	case SQLite:
		db, rdb, err = openSQLite(ctx, dsn, o.pool)
	case MySQL:
		var cfg *mysql.Config
		if cfg, err = mysql.ParseDSN(dsn); err == nil {
			cfg.ParseTime = true
			cfg.Loc = loc
			// Arguments are escaped by the driver instead of a server-side
			// prepare, execute and close per query: one round trip, not three.
			cfg.InterpolateParams = true
			// Rows affected counts the rows an UPDATE matched, as on the
			// other engines: MySQL otherwise reports 0 for an update that
			// changes no value, which reads as "the row is gone".
			cfg.ClientFoundRows = true
			// Strict mode on this server's sessions: a value a column cannot
			// hold fails the write instead of being stored cut or as '?'.
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params["sql_mode"] = "CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')"
			db, err = sql.Open("mysql", cfg.FormatDSN())
		}
	case PostgreSQL:
		// pgx caches each statement's preparation per connection by itself.
		db, err = sql.Open("pgx", dsn)
	default:
		err = fmt.Errorf("unknown engine %q", engine)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", engine, err)
	}
	if rdb == nil {
		o.pool.apply(db)
		rdb = db
	}
	pingCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil && !o.unreachable {
		db.Close()
		rdb.Close()
		return nil, fmt.Errorf("connect to %s database: %w", engine, err)
	}
	var s DB
	switch engine {
	case SQLite:
		s = newSQLite(db, rdb, o)
	case MySQL:
		s = newMySQL(db, o)
	default:
		s = newPostgres(db, o)
	}
	s.probe(pingCtx)
	return s, nil
}

// openSQLite opens the writer (one connection: SQLite has one writer;
// _txlock=immediate takes the write lock at BEGIN, so writers queue instead
// of deadlocking on a lock upgrade) and a pool of query-only readers, which
// WAL lets read while a write is under way. busy_timeout makes both wait for
// other writers (PostfixAdmin's PHP) instead of failing. WAL is a property of
// the database file, kept after the server stops; PostfixAdmin's PDO reads
// and writes such a file as before.
func openSQLite(ctx context.Context, path string, p Pool) (w, r *sql.DB, err error) {
	if w, err = sql.Open("sqlite", sqliteDSN(path, "_txlock=immediate")); err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	if _, err := w.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		w.Close()
		return nil, nil, err
	}
	if r, err = sql.Open("sqlite", sqliteDSN(path, "_txlock=deferred&_pragma=query_only(1)")); err != nil {
		w.Close()
		return nil, nil, err
	}
	p.apply(r)
	return w, r, nil
}

// sqliteDSN turns a file path into a URI (so '#' or '?' in the path are not
// taken for URI syntax) with the server's connection settings; a DSN that
// already is a file: URI keeps its own parameters and gets these added.
func sqliteDSN(path, params string) string {
	uri := path
	if !strings.HasPrefix(path, "file:") {
		uri = "file:" + (&url.URL{Path: path}).EscapedPath()
	}
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + "_pragma=busy_timeout(5000)&" + params
}

// requiredColumns are the columns this server reads or writes, present in
// every supported layout (3.3.16, 4.0.5, master).
var requiredColumns = map[string][]string{
	"config":                {"name", "value"},
	"domain":                {"domain", "description", "aliases", "mailboxes", "maxquota", "quota", "transport", "backupmx", "created", "modified", "active", "password_expiry"},
	"admin":                 {"username", "password", "superadmin", "active", "phone", "email_other", "token", "token_validity", "created", "modified"},
	"domain_admins":         {"username", "domain", "created", "active"},
	"alias":                 {"address", "goto", "domain", "active", "created", "modified"},
	"alias_domain":          {"alias_domain", "target_domain"},
	"mailbox":               {"username", "domain"},
	"log":                   {"timestamp", "username", "domain", "action", "data"},
	"vacation":              {"domain"},
	"vacation_notification": {"on_vacation"},
	"quota":                 {"username"},
	"quota2":                {"username", "bytes"},
	"fetchmail":             {"mailbox"},
}

// probe finds what the layout and the optional companion tables (see
// Migrate) offer, and builds the filter whitelists for it. Check calls it
// again (readiness checks do), so a table created by "migrate" while the
// server runs is used from then on.
func (s *Store[Q]) probe(ctx context.Context) {
	var unreachable bool
	readable := func(q string) bool {
		ok, err := s.tableReadable(ctx, q)
		unreachable = unreachable || err != nil
		return ok
	}
	f := &found{
		externalIDs:       readable("SELECT resource_type, resource_id, external_id FROM scim_external_id WHERE 1 = 0"),
		spellings:         readable("SELECT username, spelling FROM scim_user_spelling WHERE 1 = 0"),
		aliasDescriptions: readable("SELECT description FROM alias WHERE 1 = 0"),
	}
	// Without the column limits (a database that hides its catalog) the
	// database's own refusal (strict mode, see Open) is what stops a value.
	cols, err := s.readColumns(ctx)
	unreachable = unreachable || (err != nil && s.unavailable(err))
	f.columns = cols
	if unreachable && s.probed.Load() != nil {
		return // keep what the last complete probe found
	}
	f.userAttrs = userAttributes(f.externalIDs, s.isTarget)
	f.domainAttrs = domainAttributes(f.externalIDs)
	f.groupAttrs = groupAttributes(s.isTarget, f.aliasDescriptions, f.externalIDs)
	s.probed.Store(f)
}

func (s *Store[Q]) Check(ctx context.Context) (int, error) {
	for table, cols := range requiredColumns {
		// Identifiers come from the constant map above, never from input.
		q := fmt.Sprintf("SELECT %s FROM %s WHERE 1 = 0", strings.Join(cols, ", "), table)
		if s.engine == MySQL {
			q = strings.Replace(q, "timestamp", "`timestamp`", 1)
		}
		rows, err := s.rdb.QueryContext(ctx, q)
		if err != nil {
			if s.unavailable(err) {
				return 0, s.mapErr(err)
			}
			return 0, fmt.Errorf("not a PostfixAdmin database this server understands: table %s (columns %s): %w", table, strings.Join(cols, ", "), err)
		}
		rows.Close()
	}
	s.probe(ctx)
	v, err := s.queries(s.rdb).GetConfigValue(ctx, "version")
	if err != nil && s.unavailable(err) {
		return 0, s.mapErr(err)
	}
	if err != nil {
		return 0, fmt.Errorf("not a PostfixAdmin database: no config version row (run PostfixAdmin's upgrade.php): %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("PostfixAdmin config version %q is not a number", v)
	}
	if n < MinLayoutVersion {
		return n, fmt.Errorf("PostfixAdmin database layout %d is older than %d (PostfixAdmin 3.3.16); run PostfixAdmin's upgrade.php", n, MinLayoutVersion)
	}
	return n, nil
}

func (s *Store[Q]) Migrate(ctx context.Context) (bool, error) {
	if _, err := s.Check(ctx); err != nil {
		return false, err
	}
	var changed bool
	run := func(what string, ddl map[Engine]string) error {
		if err := s.inRawTx(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, ddl[s.engine]); return err }); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		changed = true
		return nil
	}
	found := s.found()
	if !found.externalIDs {
		if err := run("create scim_external_id", map[Engine]string{SQLite: sqlschema.SQLiteCompanion, MySQL: sqlschema.MySQLCompanion, PostgreSQL: sqlschema.PostgresCompanion}); err != nil {
			return false, err
		}
	} else if unique, err := s.externalIDsUnique(ctx); err != nil {
		return false, err
	} else if unique {
		if err := run("upgrade scim_external_id", map[Engine]string{SQLite: sqlschema.SQLiteCompanionUpgrade, MySQL: sqlschema.MySQLCompanionUpgrade, PostgreSQL: sqlschema.PostgresCompanionUpgrade}); err != nil {
			return false, err
		}
	}
	if !found.spellings {
		if err := run("create scim_user_spelling", map[Engine]string{SQLite: sqlschema.SQLiteSpelling, MySQL: sqlschema.MySQLSpelling, PostgreSQL: sqlschema.PostgresSpelling}); err != nil {
			return false, err
		}
	}
	s.probe(ctx)
	return changed, nil
}

// tableReadable runs a probe query: whether it worked, or an error when the
// database could not be asked (which says nothing about the table).
func (s *Store[Q]) tableReadable(ctx context.Context, probe string) (bool, error) {
	rows, err := s.rdb.QueryContext(ctx, probe)
	if err != nil {
		if s.unavailable(err) {
			return false, err
		}
		return false, nil
	}
	rows.Close()
	return true, nil
}

// externalIDsUnique reports whether the companion table still has the
// unique index of its first layout: two rows with one externalId are tried
// in a transaction that is always rolled back.
func (s *Store[Q]) externalIDsUnique(ctx context.Context) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	q := s.queries(tx)
	for _, id := range []string{"probe-1", "probe-2"} {
		if err := s.meta.insertExternalID(ctx, q, "~migrate", id, "~probe"); err != nil {
			if s.isUnique(err) {
				return true, nil
			}
			return false, err
		}
	}
	return false, nil
}

func (s *Store[Q]) Initialize(ctx context.Context, ddl, version string, admin store.Admin, by store.Actor) error {
	defer s.counts.invalidate()
	return s.inRawTx(ctx, func(tx *sql.Tx) error {
		if ddl != "" {
			if _, err := tx.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
		q := s.queries(tx)
		if err := s.meta.insertConfig(ctx, q, "version", version); err != nil {
			return err
		}
		if err := q.InsertPseudoDomainAll(ctx); err != nil {
			return err
		}
		admin.Superadmin = true
		if err := s.meta.insertAdmin(ctx, q, admin); err != nil {
			return err
		}
		if err := s.meta.insertDomainAdmin(ctx, q, admin.Username, store.PseudoDomainAll); err != nil {
			return err
		}
		return s.meta.log(ctx, q, by, "", "create_admin", admin.Username)
	})
}
