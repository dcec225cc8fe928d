// Package app wires the server together from a config.Config: it opens (and,
// for the embedded default, creates) the PostfixAdmin database, checks it, and
// builds the HTTP handler. cmd/postfixadmin-scim and the end-to-end tests use it.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	sqlschema "postfixadmin-scim/sql"

	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/httpapi"
	"postfixadmin-scim/internal/metrics"
	"postfixadmin-scim/internal/pwhash"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/throttle"
)

// Server is a ready-to-serve instance.
type Server struct {
	DB      sqlstore.DB
	Handler http.Handler
	http    *http.Server
	stop    context.CancelFunc // ends the database watchers
}

// New opens the database described by cfg and builds the server. Messages
// for the operator (such as a generated bootstrap password) go to out.
//
// Store options (such as a query observer, for tests and diagnostics) are
// passed on to the database.
func New(ctx context.Context, cfg config.Config, out io.Writer, log *slog.Logger, opts ...sqlstore.Option) (*Server, error) {
	passwords, err := pwhash.Parse(cfg.PostfixAdmin.Encrypt)
	if err != nil {
		return nil, fmt.Errorf("postfixadmin.encrypt: %w", err)
	}
	sqlstore.SetDriverLogger(log)
	db, err := OpenDB(ctx, cfg, true, passwords, out, append(opts, sqlstore.AllowUnreachable())...)
	// The database watchers live as long as the server (until Shutdown).
	watch, stop := context.WithCancel(context.WithoutCancel(ctx))
	var available atomic.Bool
	switch {
	case err == nil:
		available.Store(true)
		go recheck(watch, db)
	case fault.KindOf(err) == fault.Unavailable:
		// Listen anyway: /readyz and SCIM answer 503 until the database
		// answers and is a layout this server serves.
		log.Warn("database unreachable at start; answering 503 until it is back", "err", err)
		go awaitDatabase(watch, db, log, &available)
	default:
		stop()
		return nil, err
	}
	trusted, _ := cfg.TrustedPrefixes() // validated by config.Load
	secrets := make([][]byte, len(cfg.JWT.Secrets))
	for i, s := range cfg.JWT.Secrets {
		secrets[i] = []byte(s)
	}
	pa := cfg.PostfixAdmin
	policy, _ := pwhash.NewPolicy(pa.PasswordValidation) // validated by config.Load
	m := metrics.New()
	m.AddPools(db.Pools())
	// Lookups counted around the admin cache, database reads below it.
	admins := m.CountAdmins(auth.NewAdminCache(m.CountAdmins(db, true), cfg.AdminCache), false)
	h, err := httpapi.New(httpapi.Options{
		Store:          db,
		Ready:          db.Check,
		Available:      available.Load,
		RequestTimeout: cfg.Database.Timeout,
		Metrics:        m.Handler(),
		Observe:        m.Middleware,
		Auth: &auth.Authenticator{Admins: admins, Passwords: passwords, Secrets: secrets, MaxLifetime: cfg.JWT.MaxLifetime,
			Issuer: cfg.JWT.Issuer, Audience: cfg.JWT.Audience, FailureFloor: cfg.Throttle.FailureDelay},
		Throttle: throttle.New(throttle.Limits{Address: cfg.Throttle.AddressFailures,
			Username: cfg.Throttle.UsernameFailures, Window: cfg.Throttle.Window}, nil),
		DomainRules: scim.DomainRules{
			Defaults: store.Domain{
				MaxAliases: pa.DefaultAliasLimit, MaxMailboxes: pa.DefaultMailboxLimit,
				MaxQuotaMB: pa.DefaultMaxQuota, QuotaMB: pa.DefaultDomainQuota,
				Transport: pa.DefaultTransport, PasswordExpiryDays: pa.DefaultPasswordExp,
			},
			DefaultAliases: pa.DefaultAliases,
			VacationDomain: pa.VacationDomain,
		},
		MailboxRules: scim.MailboxRules{DomainPath: pa.DomainPath, DomainInMailbox: pa.DomainInMailbox},
		MailboxPolicy: store.MailboxPolicy{
			QuotaMultiplier: pa.QuotaMultiplier, EnforceQuota: pa.Quota, EnforceDomainQuota: pa.DomainQuota,
			PasswordExpiration: pa.PasswordExpiration,
		},
		Passwords:           passwords,
		PasswordPolicy:      policy,
		BasePath:            cfg.BasePath,
		PublicURL:           cfg.PublicURL,
		TrustedProxies:      trusted,
		CascadeDomainDelete: cfg.DomainDeleteCascade,
		Logger:              log,
	})
	if err != nil {
		stop()
		db.Close()
		return nil, err
	}
	return &Server{DB: db, Handler: h, stop: stop}, nil
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.http = &http.Server{Handler: withTLSState(s.Handler), ConnContext: connContext, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	if err := s.http.Serve(scimErrors(ln)); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops serving and closes the database.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	if s.http != nil {
		err = s.http.Shutdown(ctx)
	}
	s.stop()
	return errors.Join(err, s.DB.Close())
}

// awaitDatabase checks the database until it answers, then lets requests through.
func awaitDatabase(ctx context.Context, db sqlstore.DB, log *slog.Logger, available *atomic.Bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
		checkCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		layout, err := db.Check(checkCtx)
		cancel()
		switch {
		case err == nil:
			log.Info("database reachable", "layout", layout)
			available.Store(true)
			go recheck(ctx, db)
			return
		case fault.KindOf(err) != fault.Unavailable:
			log.Error("database answers but cannot be served; fix it and restart", "err", err)
			return
		}
	}
}

// recheck checks the database's layout every minute, so that companion
// tables "migrate" creates while the server runs are used without a restart
// (readiness probes do the same, more often).
func recheck(ctx context.Context, db sqlstore.DB) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			checkCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, _ = db.Check(checkCtx) // a failure keeps what was found; requests report it
			cancel()
		}
	}
}

func unreachableAllowed(opts []sqlstore.Option) bool { return sqlstore.AllowsUnreachable(opts...) }

// OpenDB connects to the configured database and checks that it is a
// PostfixAdmin database this server understands. With create set and the
// SQLite driver, a missing file is created as PostfixAdmin's setup.php would
// leave it, with a first superadmin.
func OpenDB(ctx context.Context, cfg config.Config, create bool, passwords pwhash.Setting, out io.Writer, opts ...sqlstore.Option) (sqlstore.DB, error) {
	engine, err := sqlstore.ParseEngine(cfg.Database.Driver)
	if err != nil {
		return nil, err
	}
	loc, _ := cfg.Location() // validated by config.Load
	fresh := false
	// Only a plain file path is created; a file: URI is taken as given.
	if engine == sqlstore.SQLite && !strings.HasPrefix(cfg.Database.DSN, "file:") {
		if _, err := os.Stat(cfg.Database.DSN); errors.Is(err, os.ErrNotExist) {
			if !create {
				return nil, fmt.Errorf("SQLite database %s does not exist", cfg.Database.DSN)
			}
			fresh = true
		}
	}
	opts = append([]sqlstore.Option{sqlstore.WithCountCache(cfg.ListCountCache), sqlstore.WithPool(sqlstore.Pool(cfg.Database.Pool))}, opts...)
	db, err := sqlstore.Open(ctx, engine, cfg.Database.DSN, loc, opts...)
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := initialize(ctx, db, cfg, passwords, out); err != nil {
			db.Close()
			os.Remove(cfg.Database.DSN)
			return nil, err
		}
	}
	if _, err := db.Check(ctx); err != nil {
		if fault.KindOf(err) == fault.Unavailable && unreachableAllowed(opts) {
			return db, err // the caller serves 503 until the database answers
		}
		db.Close()
		return nil, fmt.Errorf("%s database: %w", engine, err)
	}
	return db, nil
}

func initialize(ctx context.Context, db sqlstore.DB, cfg config.Config, passwords pwhash.Setting, out io.Writer) error {
	b := cfg.Bootstrap
	generated := b.Password == ""
	if generated {
		b.Password = rand.Text()
	}
	hash, err := passwords.Hash(b.Password)
	if err != nil {
		return err
	}
	admin := store.Admin{Username: b.Username, PasswordHash: hash, Superadmin: true}
	if err := db.Initialize(ctx, sqlschema.SQLiteSchema, sqlschema.SQLiteSchemaVersion, admin, "CLI (localhost)"); err != nil {
		return fmt.Errorf("create %s: %w", cfg.Database.DSN, err)
	}
	fmt.Fprintf(out, "Created PostfixAdmin database %s with superadmin %s.\n", cfg.Database.DSN, b.Username)
	if generated {
		fmt.Fprintf(out, "Generated password (shown only now): %s\n", b.Password)
	}
	return nil
}
