// Command postfixadmin-scim serves the SCIM API over a PostfixAdmin database
// ("serve", the default) and mints bearer tokens for superadmins ("token").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"postfixadmin-scim/internal/app"
	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/pwhash"
)

const usage = `usage:
  postfixadmin-scim [serve] [-config FILE]
  postfixadmin-scim token -user USERNAME [-lifetime 24h] [-secret S | -config FILE]
  postfixadmin-scim migrate [-config FILE]   create the optional externalId companion table

Configuration: a YAML file (-config or PFSCIM_CONFIG) and PFSCIM_* variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "postfixadmin-scim:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "token" || args[0] == "migrate") {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	configPath := fs.String("config", os.Getenv("PFSCIM_CONFIG"), "YAML configuration file")
	user := fs.String("user", "", "token: the superadmin the token names")
	secret := fs.String("secret", "", "token: HS256 secret (default: the first of jwt.secrets)")
	lifetime := fs.Duration("lifetime", 0, "token: validity (default and maximum: jwt.max_lifetime)")
	if err := fs.Parse(args); err != nil {
		return err
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
	}
	return serve(ctx, cfg, stdout)
}

func serve(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	log := slog.New(slog.NewTextHandler(stdout, nil))
	srv, err := app.New(ctx, cfg, stdout, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		srv.Shutdown(ctx)
		return err
	}
	log.Info("serving SCIM", "url", "http://"+ln.Addr().String()+cfg.BasePath, "database", cfg.Database.Driver)
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdownCtx)
	}()
	return srv.Serve(ln)
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
	tok, err := auth.Mint([]byte(secret), user, lifetime, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
