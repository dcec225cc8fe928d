package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"postfixadmin-scim/internal/app"
	"postfixadmin-scim/internal/config"
)

// With no configuration but a path, the server creates PostfixAdmin's SQLite
// database with a superadmin whose generated password it prints once; an
// existing database is opened without being altered.
func TestEmbeddedDefault(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Database.DSN = filepath.Join(t.TempDir(), "dir with #hash", "pfa.db")
	if err := os.MkdirAll(filepath.Dir(cfg.Database.DSN), 0o755); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	var out bytes.Buffer
	srv, err := app.New(ctx, cfg, &out, quiet)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Generated password \(shown only now\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no generated password in %q", out.String())
	}
	password := m[1]
	web := httptest.NewServer(srv.Handler)
	get := func(user, pass string) int {
		req, _ := http.NewRequest(http.MethodGet, web.URL+"/scim/v2/Domains", nil)
		req.SetBasicAuth(user, pass)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("admin@example.org", password); got != http.StatusOK {
		t.Fatalf("bootstrap superadmin: %d", got)
	}
	if got := get("admin@example.org", password+"x"); got != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", got)
	}
	web.Close()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	before, err := os.ReadFile(cfg.Database.DSN)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	srv, err = app.New(ctx, cfg, &out, quiet)
	if err != nil {
		t.Fatal(err)
	}
	srv.Shutdown(ctx)
	after, _ := os.ReadFile(cfg.Database.DSN)
	if out.Len() != 0 || !bytes.Equal(before, after) {
		t.Errorf("restart altered the database or printed %q", out.String())
	}
}

// A database that is not PostfixAdmin's is refused with a clear message.
func TestRefusesForeignDatabase(t *testing.T) {
	cfg := config.Default()
	cfg.Database.DSN = filepath.Join(t.TempDir(), "other.db")
	if err := os.WriteFile(cfg.Database.DSN, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := app.New(context.Background(), cfg, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "not a PostfixAdmin database") {
		t.Fatalf("err = %v", err)
	}
}

// A database that does not answer at start-up is no reason not to listen
// (issue 11): /readyz and the SCIM endpoints answer 503 until it does.
func TestStartsWithoutDatabase(t *testing.T) {
	cfg := config.Default()
	cfg.Database = config.Database{Driver: "postgres", DSN: "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", TimeZone: "UTC", Pool: cfg.Database.Pool}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := app.New(ctx, cfg, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	for path, want := range map[string]int{"/scim/v2/healthz": 200, "/scim/v2/readyz": 503, "/scim/v2/Users": 503} {
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d (%s)", path, rec.Code, want, rec.Body)
		}
	}
}
