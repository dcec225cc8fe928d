package e2e_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

func migrated(t *testing.T) func(testdb.DB) {
	return func(db testdb.DB) {
		s, err := sqlstore.Open(context.Background(), db.Engine, db.DSN, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if created, err := s.Migrate(context.Background()); err != nil || !created {
			t.Fatalf("migrate: %v %v", created, err)
		}
	}
}

// With the companion table, externalId is stored, returned, filterable
// through its index and removed with its resource. It is not unique: RFC
// 7643 §3.1 makes it "an identifier for the resource as defined by the
// provisioning client", which the server stores as given.
func TestExternalIDStored(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := startWith(t, engine, testdb.Master, true, migrated(t))
		r := e.do(http.MethodPost, "/Users", userBody("ext@example.org", map[string]any{"externalId": "Entra-0A21"}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		assertAttrs(t, r.json(t), map[string]any{"externalId": "Entra-0A21"})
		find := func(path, filter string) []string {
			r := e.do(http.MethodGet, path+"?filter="+url.QueryEscape(filter), nil, asAdmin())
			expect(t, r, http.StatusOK, "")
			var ids []string
			for _, res := range r.json(t)["Resources"].([]any) {
				ids = append(ids, res.(map[string]any)["id"].(string))
			}
			return ids
		}
		if got := find("/Users", `externalId eq "Entra-0A21"`); strings.Join(got, ",") != "ext@example.org" {
			t.Errorf("externalId eq: %v", got)
		}
		if got := find("/Users", `externalId eq "entra-0a21"`); len(got) != 0 {
			t.Errorf("externalId is case-exact, matched %v", got)
		}
		if got := find("/Users", `externalId sw "Entra"`); strings.Join(got, ",") != "ext@example.org" {
			t.Errorf("externalId sw: %v", got)
		}
		expect(t, e.do(http.MethodPost, "/Users", userBody("ext2@example.org", map[string]any{"externalId": "Entra-0A21"}), asAdmin()), http.StatusCreated, "")
		if got := find("/Users", `externalId eq "Entra-0A21"`); strings.Join(got, ",") != "ext2@example.org,ext@example.org" && strings.Join(got, ",") != "ext@example.org,ext2@example.org" {
			t.Errorf("externalId eq with two users: %v", got)
		}
		expect(t, e.do(http.MethodDelete, "/Users/ext2@example.org", nil, asAdmin()), http.StatusNoContent, "")
		// PUT without externalId keeps it; PATCH changes and removes it.
		r = e.do(http.MethodPut, "/Users/ext@example.org", userBody("ext@example.org", map[string]any{"password": nil}), asAdmin())
		assertAttrs(t, r.json(t), map[string]any{"externalId": "Entra-0A21"})
		r = e.do(http.MethodPatch, "/Users/ext@example.org", patchBody(op("replace", "externalId", "Entra-0B42")), asAdmin())
		assertAttrs(t, r.json(t), map[string]any{"externalId": "Entra-0B42"})
		r = e.do(http.MethodPatch, "/Users/ext@example.org", patchBody(op("remove", "externalId", nil)), asAdmin())
		if _, ok := r.json(t)["externalId"]; ok {
			t.Errorf("externalId not removed: %s", r.body)
		}
		e.do(http.MethodPatch, "/Users/ext@example.org", patchBody(op("add", "externalId", "again")), asAdmin())
		// The same value may name a Domain.
		r = e.do(http.MethodPost, "/Domains", domainBody("ext.example", map[string]any{"externalId": "again"}), asAdmin())
		expect(t, r, http.StatusCreated, "")
		if got := find("/Domains", `externalId eq "again"`); strings.Join(got, ",") != "ext.example" {
			t.Errorf("domain externalId: %v", got)
		}
		expect(t, e.do(http.MethodDelete, "/Users/ext@example.org", nil, asAdmin()), http.StatusNoContent, "")
		expect(t, e.do(http.MethodDelete, "/Domains/ext.example", nil, asAdmin()), http.StatusNoContent, "")
		if n := count(t, e, "SELECT COUNT(*) FROM scim_external_id"); n != 0 {
			t.Errorf("%d externalId rows left after deletes", n)
		}
		r = e.do(http.MethodGet, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", nil, asAdmin())
		if !strings.Contains(string(r.body), "stored in postfixadmin-scim's companion table") {
			t.Errorf("/Schemas does not say externalId is stored")
		}
	})
}

// Without the table (the default: it is never created automatically),
// externalId is accepted, not stored, not filterable, and /Schemas says so.
func TestExternalIDWithoutTable(t *testing.T) {
	e := start(t, sqlstore.SQLite, testdb.Master, true)
	r := e.do(http.MethodPost, "/Users", userBody("ext@example.org", map[string]any{"externalId": "x"}), asAdmin())
	expect(t, r, http.StatusCreated, "")
	if _, ok := r.json(t)["externalId"]; ok {
		t.Error("externalId returned without storage")
	}
	expect(t, e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`externalId eq "x"`), nil, asAdmin()), http.StatusBadRequest, "invalidFilter")
	r = e.do(http.MethodGet, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", nil, asAdmin())
	if !strings.Contains(string(r.body), "Accepted but not stored") {
		t.Errorf("/Schemas does not say externalId is not stored: %s", r.body)
	}
	if n := count(t, e, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'scim_external_id'"); n != 0 {
		t.Error("the server created the companion table by itself")
	}
}
