package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	apispec "postfixadmin-scim/api"
	"postfixadmin-scim/internal/config"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// The operations endpoints answer without credentials (security: [] in the
// spec); everything else still needs them.
func TestOperationsEndpoints(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		r := e.do(http.MethodGet, "/healthz", nil)
		expect(t, r, http.StatusOK, "")
		if r.json(t)["status"] != "ok" {
			t.Errorf("healthz %s", r.body)
		}
		r = e.do(http.MethodGet, "/readyz", nil)
		expect(t, r, http.StatusOK, "")
		if got := r.json(t); got["status"] != "ok" || got["layout"] != 1856.0 {
			t.Errorf("readyz %s", r.body)
		}
		expect(t, e.do(http.MethodGet, "/Users", nil), http.StatusUnauthorized, "")
		expect(t, e.do(http.MethodGet, "/Users", nil, basic(adminUser, "wrong")), http.StatusUnauthorized, "")
		expect(t, e.do(http.MethodGet, "/Users/alice@example.org", nil, asAdmin()), http.StatusOK, "")

		r = e.do(http.MethodGet, "/metrics", nil)
		expect(t, r, http.StatusOK, "")
		for _, want := range []string{
			`pfscim_http_requests_total{method="GET",route="/scim/v2/Users/:id",status="200"} 1`,
			`pfscim_http_requests_total{method="GET",route="/scim/v2/Users",status="401"} 2`,
			"pfscim_auth_failures_total 2", "pfscim_http_request_duration_seconds_bucket", "pfscim_admin_lookups_total",
			"go_sql_open_connections", "process_resident_memory_bytes",
		} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("metrics lack %s", want)
			}
		}

		r = e.do(http.MethodGet, "/openapi.yaml", nil)
		expect(t, r, http.StatusOK, "")
		if !bytes.Equal(r.body, apispec.YAML) {
			t.Error("/openapi.yaml is not the document")
		}
		r = e.do(http.MethodGet, "/openapi.json", nil)
		var doc map[string]any
		if err := json.Unmarshal(r.body, &doc); err != nil || doc["openapi"] != "3.0.3" || doc["paths"].(map[string]any)["/Groups"] == nil {
			t.Errorf("/openapi.json: %v", err)
		}
	})
}

// Every response carries a request id: the client's when it sends a plain
// one, else a new one; HEAD is GET without a body.
func TestRequestIDAndHead(t *testing.T) {
	e := start(t, sqlstore.SQLite, testdb.Master, true)
	r := e.do(http.MethodGet, "/healthz", nil, header("X-Request-Id", "abc-123"))
	if got := r.header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("request id %q", got)
	}
	r = e.do(http.MethodGet, "/healthz", nil, header("X-Request-Id", "bad id\twith spaces"))
	if got := r.header.Get("X-Request-Id"); len(got) != 16 || strings.Contains(got, " ") {
		t.Errorf("generated request id %q", got)
	}
	req, _ := http.NewRequest(http.MethodHead, e.base+"/Users/alice@example.org", nil)
	req.SetBasicAuth(adminUser, adminPass)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("ETag") == "" {
		t.Errorf("HEAD: %d, %d bytes, ETag %q", res.StatusCode, len(body), res.Header.Get("ETag"))
	}
}

// public_url fixes meta.location and Location, whatever the Host header says.
func TestPublicURL(t *testing.T) {
	const public = "https://scim.example.net/pfa/scim/v2"
	e := start(t, sqlstore.SQLite, testdb.Master, true, func(c *config.Config) { c.PublicURL = public })
	r := e.do(http.MethodPost, "/Domains", domainBody("public.example", nil), asAdmin(), header("X-Forwarded-Host", "evil.example"))
	expect(t, r, http.StatusCreated, "")
	if r.header.Get("Location") != public+"/Domains/public.example" || r.json(t)["meta"].(map[string]any)["location"] != public+"/Domains/public.example" {
		t.Errorf("Location %q, meta %v", r.header.Get("Location"), r.json(t)["meta"])
	}
}

// A migrate run while the server runs is used from the next readiness
// check on (issue 11: externalId was accepted and dropped until a restart).
func TestMigrateNoticedWithoutRestart(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		if r := e.do(http.MethodGet, "/Users?filter=externalId%20eq%20%22x%22", nil, asAdmin()); r.status != http.StatusBadRequest {
			t.Fatalf("externalId filterable before migrate: %d", r.status)
		}
		migrated(t)(e.db)
		expect(t, e.do(http.MethodGet, "/readyz", nil), http.StatusOK, "")
		expect(t, e.do(http.MethodPost, "/Users", userBody("late@example.org", map[string]any{"externalId": "late-1"}), asAdmin()), http.StatusCreated, "")
		r := e.do(http.MethodGet, "/Users?filter=externalId%20eq%20%22late-1%22", nil, asAdmin())
		expect(t, r, http.StatusOK, "")
		if r.json(t)["totalResults"] != 1.0 {
			t.Errorf("externalId after migrate: %s", r.body)
		}
	})
}
