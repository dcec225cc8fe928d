// Command postfixadmin-scim serves the SCIM API over a PostfixAdmin database
// ("serve", the default), mints bearer tokens for superadmins ("token"),
// creates its companion tables ("migrate") and checks a configuration
// ("check-config").
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"postfixadmin-scim/internal/app"
	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/pwhash"
)

const usage = `usage:
  postfixadmin-scim [serve] [-config FILE]     serve the SCIM API (the default)
  postfixadmin-scim token -user USERNAME [-lifetime D] [-secret S] [-config FILE]
                                               mint a bearer token for a superadmin
  postfixadmin-scim migrate [-config FILE]     create or upgrade the optional companion tables
  postfixadmin-scim check-config [-config FILE]
                                               connect, check the layout, print the effective settings (no secrets)
  postfixadmin-scim version                    print the version
  postfixadmin-scim help                       print this text

Configuration: a YAML file (-config or PFSCIM_CONFIG) and PFSCIM_* variables; see README.md.
`

// usageError is a command line this program does not take: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "postfixadmin-scim: %v\n\n%s", err, usage)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "postfixadmin-scim:", err)
		os.Exit(1)
	}
}

// commands are the subcommands and the flags each takes.
var commands = map[string][]string{
	"serve": {"config"}, "token": {"config", "user", "secret", "lifetime"}, "migrate": {"config"},
	"check-config": {"config"}, "version": nil, "help": nil,
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	allowed, ok := commands[cmd]
	if !ok {
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by main
	configPath := fs.String("config", os.Getenv("PFSCIM_CONFIG"), "YAML configuration file")
	user := fs.String("user", "", "the superadmin the token names")
	secret := fs.String("secret", "", "HS256 secret (default: the first of jwt.secrets)")
	lifetime := fs.Duration("lifetime", 0, "validity (default and maximum: jwt.max_lifetime)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", cmd, fs.Arg(0))}
	}
	var misplaced error
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(allowed, f.Name) {
			misplaced = usageError{fmt.Sprintf("%s does not take -%s", cmd, f.Name)}
		}
	})
	if misplaced != nil {
		return misplaced
	}
	switch cmd {
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version":
		fmt.Fprintln(stdout, "postfixadmin-scim", version())
		return nil
	}
	cfg, err := config.Load(*configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	switch cmd {
	case "token":
		return mintToken(ctx, cfg, *user, *secret, *lifetime, stdout, stderr)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "check-config":
		return checkConfig(ctx, cfg, stdout)
	}
	return serve(ctx, cfg, stdout)
}

// buildVersion is set at link time (make build: -X main.buildVersion=...).
var buildVersion = ""

// version is the build's version: the linker's, else what the Go toolchain
// recorded (module version, VCS revision).
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}

// checkConfig connects to the configured database, checks that it is a
// PostfixAdmin layout this server serves, and prints the effective settings
// with secrets left out.
func checkConfig(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	passwords, err := pwhash.Parse(cfg.PostfixAdmin.Encrypt)
	if err != nil {
		return err
	}
	db, err := app.OpenDB(ctx, cfg, false, passwords, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close()
	layout, err := db.Check(ctx)
	if err != nil {
		return err
	}
	out, err := yaml.Marshal(cfg.Redacted())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# database reachable: PostfixAdmin layout %d; externalId stored: %v\n%s", layout, db.ExternalIDs(), out)
	return nil
}

func serve(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	log := newLogger(cfg.Log, stdout)
	srv, err := app.New(ctx, cfg, stdout, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		srv.Shutdown(ctx)
		return err
	}
	scheme := "http"
	if cfg.TLS.Enabled() {
		cert, err := app.LoadCertificate(cfg.TLS.CertFile, cfg.TLS.KeyFile, log)
		if err != nil {
			ln.Close()
			srv.Shutdown(ctx)
			return err
		}
		go cert.Watch(ctx, 10*time.Second)
		ln, scheme = tls.NewListener(ln, cert.Config()), "https"
	} else if plainTextExposed(ln.Addr(), cfg) {
		log.Warn("Basic auth passwords and bearer tokens would cross the network unencrypted: this listener is plain HTTP on a non-loopback address without trusted proxies; configure tls, or serve behind a TLS proxy (trusted_proxies)", "listen", ln.Addr().String())
	}
	log.Info("serving SCIM", "url", scheme+"://"+ln.Addr().String()+cfg.BasePath, "database", cfg.Database.Driver, "version", version())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served: // the listener failed
		srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	// Requests in flight finish (for up to shutdownGrace), then the pool closes.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	<-served
	log.Info("stopped")
	return err
}

// plainTextExposed reports a plain-HTTP listener that other hosts reach
// directly (not loopback, no TLS-terminating proxy configured).
func plainTextExposed(addr net.Addr, cfg config.Config) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && !tcp.IP.IsLoopback() && len(cfg.TrustedProxies) == 0
}

// shutdownGrace bounds how long a shutdown waits for requests in flight.
const shutdownGrace = 10 * time.Second

// newLogger is the server's structured logger, as log configures it.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	level, _ := c.SlogLevel() // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// migrate creates postfixadmin-scim's companion table for externalId. It is
// never done automatically: the server otherwise leaves the database's
// schema exactly as PostfixAdmin made it.
func migrate(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	passwords, err := pwhash.Parse(cfg.PostfixAdmin.Encrypt)
	if err != nil {
		return err
	}
	db, err := app.OpenDB(ctx, cfg, false, passwords, io.Discard)
	if err != nil {
		return err
	}
	defer db.Close()
	created, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintln(stdout, "Created or upgraded the companion tables (scim_external_id, scim_user_spelling): externalId and the clients' spellings are now stored.")
	} else {
		fmt.Fprintln(stdout, "The companion tables are up to date; nothing to do.")
	}
	return nil
}

// mintToken is the successor of the PHP original's generate_jwt.php.
func mintToken(ctx context.Context, cfg config.Config, user, secret string, lifetime time.Duration, stdout, stderr io.Writer) error {
	if user == "" {
		return errors.New("token: -user is required")
	}
	if secret == "" {
		if len(cfg.JWT.Secrets) == 0 {
			return errors.New("token: no secret: pass -secret or configure jwt.secrets (PFSCIM_JWT_SECRETS)")
		}
		secret = cfg.JWT.Secrets[0]
	}
	if lifetime == 0 {
		lifetime = cfg.JWT.MaxLifetime
	}
	if lifetime > cfg.JWT.MaxLifetime {
		return fmt.Errorf("token: lifetime %s exceeds jwt.max_lifetime %s, which the server enforces", lifetime, cfg.JWT.MaxLifetime)
	}
	passwords, err := pwhash.Parse(cfg.PostfixAdmin.Encrypt)
	if err != nil {
		return err
	}
	if db, err := app.OpenDB(ctx, cfg, false, passwords, io.Discard); err != nil {
		fmt.Fprintf(stderr, "warning: cannot check %q against the database (%v); minting anyway\n", user, err)
	} else {
		admin, err := db.ActiveAdmin(ctx, user)
		db.Close()
		switch {
		case fault.KindOf(err) == fault.NotFound:
			return fmt.Errorf("token: %q is not an active PostfixAdmin admin", user)
		case err != nil:
			return err
		case !admin.Superadmin:
			return fmt.Errorf("token: %q is not a superadmin", user)
		}
	}
	tok, err := auth.MintFor([]byte(secret), user, lifetime, time.Now(), cfg.JWT.Issuer, cfg.JWT.Audience)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
