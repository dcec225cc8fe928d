package e2e_test

import (
	"net/http"
	"net/url"
	"testing"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// Discovery is served, valid against the spec, and describes exactly the
// attributes the resources carry (the extension under the same URN).
func TestDiscovery(t *testing.T) {
	e := start(t, sqlstore.SQLite, testdb.Master, true)

	r := e.do(http.MethodGet, "/ServiceProviderConfig", nil, asAdmin())
	expect(t, r, http.StatusOK, "")
	spc := r.json(t)
	if spc["filter"].(map[string]any)["maxResults"] != 1000.0 || spc["changePassword"].(map[string]any)["supported"] != true {
		t.Errorf("ServiceProviderConfig %v", spc)
	}

	r = e.do(http.MethodGet, "/ResourceTypes", nil, asAdmin())
	expect(t, r, http.StatusOK, "")
	if n := r.json(t)["totalResults"]; n != 3.0 {
		t.Errorf("%v resource types", n)
	}
	r = e.do(http.MethodGet, "/ResourceTypes/User", nil, asAdmin())
	expect(t, r, http.StatusOK, "")
	ext := r.json(t)["schemaExtensions"].([]any)[0].(map[string]any)
	if ext["schema"] != scim.ProvisioningSchema || r.json(t)["schema"] != scim.UserSchema || r.json(t)["endpoint"] != "/Users" {
		t.Errorf("User resource type %s", r.body)
	}
	r = e.do(http.MethodGet, "/ResourceTypes/Group", nil, asAdmin())
	expect(t, r, http.StatusOK, "")
	if rt := r.json(t); rt["endpoint"] != "/Groups" || rt["schema"] != scim.GroupSchema || rt["schemaExtensions"].([]any)[0].(map[string]any)["schema"] != scim.AliasGroupSchema {
		t.Errorf("Group resource type %s", r.body)
	}
	expect(t, e.do(http.MethodGet, "/ResourceTypes/Nope", nil, asAdmin()), http.StatusNotFound, "")

	r = e.do(http.MethodGet, "/Schemas", nil, asAdmin())
	expect(t, r, http.StatusOK, "")
	schemas := map[string]map[string]any{}
	for _, s := range r.json(t)["Resources"].([]any) {
		s := s.(map[string]any)
		schemas[s["id"].(string)] = s
	}
	for _, id := range []string{scim.UserSchema, scim.ProvisioningSchema, scim.DomainSchema, scim.GroupSchema, scim.AliasGroupSchema} {
		if schemas[id] == nil {
			t.Fatalf("/Schemas lacks %s", id)
		}
		expect(t, e.do(http.MethodGet, "/Schemas/"+url.PathEscape(id), nil, asAdmin()), http.StatusOK, "")
	}
	expect(t, e.do(http.MethodGet, "/Schemas/urn:nope", nil, asAdmin()), http.StatusNotFound, "")

	// Every attribute a resource returns is described in /Schemas.
	described := func(schemaID string) map[string]bool {
		m := map[string]bool{"schemas": true, "id": true, "meta": true}
		for _, a := range schemas[schemaID]["attributes"].([]any) {
			m[a.(map[string]any)["name"].(string)] = true
		}
		return m
	}
	user := e.do(http.MethodGet, "/Users/alice@example.org", nil, asAdmin()).json(t)
	core, extAttrs := described(scim.UserSchema), described(scim.ProvisioningSchema)
	for k, v := range user {
		if k == scim.ProvisioningSchema {
			for ek := range v.(map[string]any) {
				if !extAttrs[ek] {
					t.Errorf("extension attribute %s not in /Schemas", ek)
				}
			}
			continue
		}
		if !core[k] {
			t.Errorf("User attribute %s not in /Schemas", k)
		}
	}
	group := e.do(http.MethodGet, "/Groups/info@example.org", nil, asAdmin()).json(t)
	gcore, gext := described(scim.GroupSchema), described(scim.AliasGroupSchema)
	for k, v := range group {
		if k == scim.AliasGroupSchema {
			for ek := range v.(map[string]any) {
				if !gext[ek] {
					t.Errorf("Group extension attribute %s not in /Schemas", ek)
				}
			}
			continue
		}
		if !gcore[k] {
			t.Errorf("Group attribute %s not in /Schemas", k)
		}
	}
	domain := e.do(http.MethodGet, "/Domains/example.org", nil, asAdmin()).json(t)
	dattrs := described(scim.DomainSchema)
	for k := range domain {
		if !dattrs[k] {
			t.Errorf("Domain attribute %s not in /Schemas", k)
		}
	}
}
