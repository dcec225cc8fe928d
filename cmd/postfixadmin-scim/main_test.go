package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/pwhash"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
	"postfixadmin-scim/internal/testtls"
)

const secret = "0123456789abcdef0123456789abcdef-cli"

func writeConfig(t *testing.T, dsn string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := "database:\n  driver: sqlite\n  dsn: " + dsn + "\njwt:\n  secrets: [" + secret + "]\n  max_lifetime: 2h\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The token command mints only for active superadmins when it can reach the
// database, and the server accepts what it mints.
func TestTokenCommand(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t, sqlstore.SQLite, testdb.Master, true)
	conf := writeConfig(t, db.DSN)

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"token", "-config", conf, "-user", "admin@example.org", "-lifetime", "1h"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(ctx, sqlstore.SQLite, db.DSN, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := &auth.Authenticator{Admins: s, Passwords: pwhash.MustParse(pwhash.Default), Secrets: [][]byte{[]byte(secret)}, MaxLifetime: 2 * time.Hour}
	if p, err := a.Authenticate(ctx, "Bearer "+strings.TrimSpace(out.String())); err != nil || p.Username != "admin@example.org" {
		t.Fatalf("minted token rejected: %v", err)
	}

	for _, tc := range []struct{ user, want string }{
		{"domainadmin@example.org", "not a superadmin"},
		{"alice@example.org", "not an active PostfixAdmin admin"},
	} {
		out.Reset()
		err := run(ctx, []string{"token", "-config", conf, "-user", tc.user}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() != 0 {
			t.Errorf("token for %s: err %v, out %q", tc.user, err, out.String())
		}
	}
	if err := run(ctx, []string{"token", "-config", conf, "-user", "admin@example.org", "-lifetime", "3h"}, &out, &errOut); err == nil {
		t.Error("minted a token longer than the server accepts")
	}
	if err := run(ctx, []string{"token", "-config", conf}, &out, &errOut); err == nil {
		t.Error("minted a token without -user")
	}
}

// Without a reachable database the command warns and still mints (the
// server checks the admin on every request anyway); it never creates one.
func TestTokenCommandWithoutDatabase(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "absent.db")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "-config", writeConfig(t, dsn), "-user", "admin@example.org"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if out.Len() == 0 || !strings.Contains(errOut.String(), "warning") {
		t.Errorf("out %q, stderr %q", out.String(), errOut.String())
	}
	if _, err := os.Stat(dsn); !os.IsNotExist(err) {
		t.Error("the token command created a database")
	}
}

// migrate creates the companion table once and is idempotent; serving never creates it.
func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t, sqlstore.SQLite, testdb.Master, true)
	conf := writeConfig(t, db.DSN)
	has := func() bool {
		var n int
		err := db.Raw.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'scim_external_id'").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if has() {
		t.Fatal("table exists before migrate")
	}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "-config", conf}, &out, &errOut); err != nil || !strings.Contains(out.String(), "Created") || !has() {
		t.Fatalf("migrate: %v, %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "-config", conf}, &out, &errOut); err != nil || !strings.Contains(out.String(), "nothing to do") {
		t.Fatalf("second migrate: %v, %q", err, out.String())
	}
}

// A mistyped command or flag is an error with the usage (exit 2), never a
// server started by accident; -h and help print the usage and succeed.
func TestCommandLine(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		usage    bool // a usageError
		help     bool
		inStdout string
	}{
		{args: []string{"tokn"}, usage: true},
		{args: []string{"serve", "extra"}, usage: true},
		{args: []string{"migrate", "-user", "x"}, usage: true},
		{args: []string{"-bogus"}, usage: true},
		{args: []string{"-h"}, help: true, inStdout: "usage:"},
		{args: []string{"token", "-help"}, help: true, inStdout: "usage:"},
		{args: []string{"help"}, inStdout: "check-config"},
		{args: []string{"version"}, inStdout: "postfixadmin-scim "},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tt.args, &out, &errOut)
		var ue usageError
		switch {
		case tt.usage && !errors.As(err, &ue):
			t.Errorf("%v: %v, want a usage error", tt.args, err)
		case tt.help && !errors.Is(err, flag.ErrHelp):
			t.Errorf("%v: %v, want help", tt.args, err)
		case !tt.usage && !tt.help && err != nil:
			t.Errorf("%v: %v", tt.args, err)
		}
		if !strings.Contains(out.String(), tt.inStdout) {
			t.Errorf("%v: stdout %q lacks %q", tt.args, out.String(), tt.inStdout)
		}
	}
}

// check-config reports the layout and prints the settings without secrets.
func TestCheckConfig(t *testing.T) {
	db := testdb.New(t, sqlstore.SQLite, testdb.Master, true)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"check-config", "-config", writeConfig(t, db.DSN)}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "layout 1856") || !strings.Contains(out.String(), "encrypt: php_crypt") || strings.Contains(out.String(), secret) {
		t.Errorf("check-config printed %s", out.String())
	}
	missing := filepath.Join(t.TempDir(), "absent.db")
	if err := run(context.Background(), []string{"check-config", "-config", writeConfig(t, missing)}, &out, &errOut); err == nil {
		t.Error("check-config passed without a database")
	}
}

// serveFor starts serve with conf plus extra settings and returns the URL
// it logs, a stop function that returns serve's result, and the log lines.
func serveFor(t *testing.T, conf, extra string) (url string, stop func() error, logged *[]map[string]any) {
	t.Helper()
	path := conf + ".serve"
	if err := os.WriteFile(path, append(mustRead(t, conf), []byte("listen: 127.0.0.1:0\nlog:\n  format: json\n"+extra)...), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-config", path}, pw, io.Discard); pw.Close() }()
	lines := bufio.NewScanner(pr)
	logged = &[]map[string]any{}
	for url == "" && lines.Scan() {
		var entry map[string]any
		if json.Unmarshal(lines.Bytes(), &entry) == nil {
			*logged = append(*logged, entry)
			if entry["msg"] == "serving SCIM" {
				url, _ = entry["url"].(string)
			}
		}
	}
	go io.Copy(io.Discard, pr)
	return url, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return errors.New("serve did not return after the signal")
		}
	}, logged
}

// serve listens, answers, and on SIGTERM (the context ending) returns only
// once the server has shut down and the database is closed.
func TestServeShutsDownGracefully(t *testing.T) {
	db := testdb.New(t, sqlstore.SQLite, testdb.Master, true)
	url, stop, _ := serveFor(t, writeConfig(t, db.DSN), "")
	res, err := http.Get(url + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// With tls configured the server speaks HTTPS with the configured pair.
func TestServeTLS(t *testing.T) {
	db := testdb.New(t, sqlstore.SQLite, testdb.Master, true)
	certFile, keyFile := testtls.WritePair(t, t.TempDir(), 7)
	url, stop, _ := serveFor(t, writeConfig(t, db.DSN), "tls:\n  cert_file: "+certFile+"\n  key_file: "+keyFile+"\n")
	defer stop()
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("serving at %s", url)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.TLS == nil || res.TLS.PeerCertificates[0].SerialNumber.Int64() != 7 || res.StatusCode != http.StatusOK {
		t.Errorf("TLS answer %v", res.TLS)
	}

	// The request's TLS state reaches the API: locations are https.
	req, _ := http.NewRequest(http.MethodGet, url+"/Users/alice@example.org", nil)
	req.SetBasicAuth("admin@example.org", "Secret123!")
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var user struct{ Meta struct{ Location string } }
	json.NewDecoder(res.Body).Decode(&user)
	res.Body.Close()
	if !strings.HasPrefix(user.Meta.Location, "https://") {
		t.Errorf("meta.location %q over TLS (status %d)", user.Meta.Location, res.StatusCode)
	}

	// A request net/http cannot parse is a SCIM error over TLS too.
	c, err := tls.Dial("tcp", strings.TrimPrefix(strings.SplitN(url, "/scim", 2)[0], "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /scim/v2/Users/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n")
	raw, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(raw.Body)
	if raw.StatusCode != http.StatusBadRequest || raw.Header.Get("Content-Type") != "application/scim+json" || !strings.Contains(string(body), "messages:2.0:Error") {
		t.Errorf("unparseable request over TLS: %d %q %s", raw.StatusCode, raw.Header.Get("Content-Type"), body)
	}

	// Plain HTTP to the TLS port is told so, in a SCIM error.
	res, err = http.Get("http://" + strings.TrimPrefix(url, "https://") + "/Users")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS") || !strings.Contains(string(body), "messages:2.0:Error") {
		t.Errorf("plain HTTP to the TLS port: %d %s", res.StatusCode, body)
	}
}

// Plain HTTP where other hosts reach it directly is warned about at start.
func TestPlainTextExposedWarning(t *testing.T) {
	for _, tt := range []struct {
		addr    string
		proxies []string
		want    bool
	}{
		{"127.0.0.1:8080", nil, false}, {"[::1]:8080", nil, false},
		{"0.0.0.0:8080", nil, true}, {"192.0.2.10:8080", nil, true},
		{"0.0.0.0:8080", []string{"10.0.0.0/8"}, false},
	} {
		addr, _ := net.ResolveTCPAddr("tcp", tt.addr)
		cfg := config.Default()
		cfg.TrustedProxies = tt.proxies
		if got := plainTextExposed(addr, cfg); got != tt.want {
			t.Errorf("%s, proxies %v: %v", tt.addr, tt.proxies, got)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
