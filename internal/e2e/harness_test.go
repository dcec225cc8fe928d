// Package e2e_test starts the real server (internal/app) on a loopback port
// against a fresh PostfixAdmin database per test, on every engine, speaks HTTP
// to it, and validates every response against api/openapi.yaml.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/app"
	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

const (
	jwtSecret = "0123456789abcdef0123456789abcdef-test"
	adminUser = "admin@example.org"
	adminPass = "Secret123!" // the sample superadmin's password on every engine
)

type env struct {
	t      testing.TB
	db     testdb.DB
	cfg    config.Config
	base   string // http://127.0.0.1:port/scim/v2
	spec   *openapi3.T
	router routers.Router
	// skipValidation leaves responses unchecked, for benchmarks that measure the server.
	skipValidation bool
	// queries counts the statements the server sends to the database.
	queries *atomic.Int64
	// logs holds everything the server logged (debug level, JSON lines);
	// seen every response, as sent, for tests that scan them.
	logs *lockedBuffer
	mu   sync.Mutex
	seen []response
}

// lockedBuffer is a bytes.Buffer safe for the server's concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start serves a database of the given layout; samples loads PostfixAdmin's
// sample rows, otherwise the database gets only a superadmin.
func start(t testing.TB, engine sqlstore.Engine, layout testdb.Layout, samples bool, configure ...func(*config.Config)) *env {
	t.Helper()
	return startWith(t, engine, layout, samples, nil, configure...)
}

// startWith is start with a step (prepare) run on the database before the server opens it.
func startWith(t testing.TB, engine sqlstore.Engine, layout testdb.Layout, samples bool, prepare func(testdb.DB), configure ...func(*config.Config)) *env {
	t.Helper()
	db := testdb.New(t, engine, layout, samples)
	cfg := config.Default()
	cfg.Database.Driver, cfg.Database.DSN, cfg.Database.TimeZone = string(engine), db.DSN, "UTC"
	cfg.JWT.Secrets = []string{jwtSecret}
	cfg.JWT.MaxLifetime = time.Hour
	// Tests send many bad credentials from one address: throttling is
	// switched on by the tests about it, and a short floor keeps them quick.
	cfg.Throttle.AddressFailures, cfg.Throttle.UsernameFailures, cfg.Throttle.FailureDelay = 0, 0, 20*time.Millisecond
	for _, f := range configure {
		f(&cfg)
	}
	ctx := context.Background()
	if !samples {
		s, err := sqlstore.Open(ctx, engine, db.DSN, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		// The bcrypt hash of adminPass, as PostfixAdmin's default writes it.
		hash := "$2y$10$50da897234634c537bba1uyUgBwKwlTiNtovCJKdwS138hOvJItuO"
		version := map[testdb.Layout]string{testdb.Master: "1856", testdb.Release405: "1851", testdb.Release3316: "1847"}[layout]
		if err := s.Initialize(ctx, "", version, store.Admin{Username: adminUser, PasswordHash: hash}, "CLI (localhost)"); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if prepare != nil {
		prepare(db)
	}
	var queries atomic.Int64
	logs := &lockedBuffer{}
	srv, err := app.New(ctx, cfg, io.Discard, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		sqlstore.WithQueryObserver(func(string, []any) { queries.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	spec, err := api.GetSwagger()
	if err != nil {
		t.Fatal(err)
	}
	spec.Servers = openapi3.Servers{{URL: cfg.BasePath}}
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, cfg: cfg, base: "http://" + ln.Addr().String() + cfg.BasePath, spec: spec, router: router, queries: &queries, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

type reqOpt func(*http.Request)

func basic(user, pass string) reqOpt {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

func bearer(token string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func asAdmin() reqOpt { return basic(adminUser, adminPass) }

// do sends a request (body: nil, a string sent verbatim, or a value encoded
// as JSON with Content-Type application/scim+json) and validates the
// response against the spec.
func (e *env) do(method, path string, body any, opts ...reqOpt) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for _, o := range opts {
		o(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, body: b}
	e.mu.Lock()
	e.seen = append(e.seen, r)
	e.mu.Unlock()
	if !e.skipValidation {
		e.validate(req, r)
	}
	return r
}

// validate checks a response against the operation the request addressed,
// or (for requests the spec has no operation for) against the Error schema.
func (e *env) validate(req *http.Request, r response) {
	e.t.Helper()
	if r.status >= 400 || r.status == http.StatusNoContent {
		// Errors are SCIM bodies, except the readiness answer (the operations endpoints speak plain JSON).
		if ct := r.header.Get("Content-Type"); r.status >= 400 && ct != "application/scim+json" && !strings.HasSuffix(req.URL.Path, "/readyz") {
			e.t.Errorf("%s %s: %d with Content-Type %q", req.Method, req.URL.Path, r.status, ct)
		}
	}
	vreq := req.Clone(context.Background())
	vreq.URL.Host, vreq.URL.Scheme = "", ""
	route, params, err := e.router.FindRoute(vreq)
	if err != nil && strings.HasSuffix(vreq.URL.Path, "/") {
		vreq.URL.Path = strings.TrimSuffix(vreq.URL.Path, "/") // the server serves /Users/ as /Users
		route, params, err = e.router.FindRoute(vreq)
	}
	if err != nil {
		var v any
		if jerr := json.Unmarshal(r.body, &v); jerr != nil {
			e.t.Errorf("%s %s: non-JSON error body %q", req.Method, req.URL.Path, r.body)
			return
		}
		if verr := e.spec.Components.Schemas["Error"].Value.VisitJSON(v); verr != nil {
			e.t.Errorf("%s %s: error body does not match Error schema: %v", req.Method, req.URL.Path, verr)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Errorf("%s %s: response %d does not validate against the spec: %v\nbody: %s", req.Method, req.URL.Path, r.status, err, r.body)
	}
}

// expect fails the test unless r has the given status (and scimType, if not "").
func expect(t testing.TB, r response, status int, scimType string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if status >= 400 {
		m := r.json(t)
		if got, _ := m["scimType"].(string); got != scimType {
			t.Fatalf("scimType %q, want %q; body %s", got, scimType, r.body)
		}
		if m["status"] != strconv.Itoa(status) {
			t.Fatalf("status member %v, want %q", m["status"], strconv.Itoa(status))
		}
	}
}

func mintTB(t testing.TB, user string) string { return mint(t, user, 30*time.Minute) }

func mint(t testing.TB, user string, lifetime time.Duration) string {
	t.Helper()
	tok, err := auth.Mint([]byte(jwtSecret), user, lifetime, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// forEachEngine runs f as a subtest per engine.
func forEachEngine(t *testing.T, f func(t *testing.T, engine sqlstore.Engine)) {
	for _, engine := range testdb.Engines {
		t.Run(string(engine), func(t *testing.T) { f(t, engine) })
	}
}
