package e2e_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// The provisioning sequences of real identity providers, request by request,
// with bodies shaped as those clients send them (see shared/docs/scim-landscape.md §3).

func TestReplayEntraID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		tok := bearer(mintTB(t, adminUser)) // Entra sends one secret token

		q := "/Users?filter=" + url.QueryEscape(`userName eq "Ryan.Test@example.org"`)

		r := e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "non-existent user"`), nil, tok)
		expect(t, r, http.StatusOK, "")
		r = e.do(http.MethodGet, q, nil, tok)
		if r.json(t)["totalResults"] != 0.0 || len(r.json(t)["Resources"].([]any)) != 0 {
			t.Fatalf("match before create: %s", r.body)
		}
		create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Ryan.Test@example.org","active":true,
			"emails":[{"primary":true,"type":"work","value":"Ryan.Test@example.org"}],"meta":{"resourceType":"User"},
			"name":{"formatted":"Ryan Test","familyName":"Test","givenName":"Ryan"},"roles":[]}`
		r = e.do(http.MethodPost, "/Users", create, tok)
		expect(t, r, http.StatusCreated, "")
		id := r.json(t)["id"].(string)
		if id != "ryan.test@example.org" {
			t.Errorf("id %q", id)
		}
		expect(t, e.do(http.MethodPost, "/Users", create, tok), http.StatusConflict, "uniqueness")
		r = e.do(http.MethodGet, q, nil, tok)
		if r.json(t)["totalResults"] != 1.0 {
			t.Fatalf("match after create: %s", r.body)
		}
		r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`emails[type eq "work"].value eq "Ryan.Test@example.org"`), nil, tok)
		if r.json(t)["totalResults"] != 1.0 {
			t.Errorf("Entra's email matching: %s", r.body)
		}
		expect(t, e.do(http.MethodGet, "/Users/"+id, nil, tok), http.StatusOK, "")

		update := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Replace","path":"emails[type eq \"work\"].value","value":"Ryan.Test@example.org"},
			{"op":"Replace","path":"name.familyName","value":"Tester"},
			{"op":"Add","path":"nickName","value":"Ry"}]}`
		r = e.do(http.MethodPatch, "/Users/"+id, update, tok)
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"displayName": "Ryan Tester"})

		disable := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
		expect(t, e.do(http.MethodPatch, "/Users/"+id, disable, tok), http.StatusOK, "")
		r = e.do(http.MethodGet, "/Users/"+id, nil, tok)
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"active": false})
		enable := strings.Replace(disable, `"False"`, `"True"`, 1)
		r = e.do(http.MethodPatch, "/Users/"+id, enable, tok)
		assertAttrs(t, r.json(t), map[string]any{"active": true})

		expect(t, e.do(http.MethodDelete, "/Users/"+id, nil, tok), http.StatusNoContent, "")
		expect(t, e.do(http.MethodGet, "/Users/"+id, nil, tok), http.StatusNotFound, "")
	})
}

func TestReplayOkta(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		auth := basic(adminUser, adminPass) // Okta supports HTTP Basic
		okta := header("User-Agent", "Okta SCIM Client 1.0.0")

		// R1, R2: the first user has what Okta's test requires.
		r := e.do(http.MethodGet, "/Users?count=1&startIndex=1", nil, auth, okta)
		expect(t, r, http.StatusOK, "")
		first := r.json(t)["Resources"].([]any)[0].(map[string]any)
		name := first["name"].(map[string]any)
		if first["id"] == nil || name["givenName"] == nil || name["familyName"] == nil || first["userName"] == nil ||
			first["active"] != true || first["emails"].([]any)[0].(map[string]any)["value"] == nil {
			t.Errorf("R1 user lacks attributes: %v", first)
		}
		expect(t, e.do(http.MethodGet, "/Users/"+first["id"].(string), nil, auth, okta), http.StatusOK, "")
		// R3, R4/R12: unknown users.
		r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "5b1f0cbe@example.org"`)+"&startIndex=1&count=100", nil, auth, okta)
		if r.json(t)["totalResults"] != 0.0 {
			t.Errorf("R3: %s", r.body)
		}
		r = e.do(http.MethodGet, "/Users/010101", nil, auth, okta)
		expect(t, r, http.StatusNotFound, "")
		if r.json(t)["detail"] == nil {
			t.Error("R4: 404 without detail")
		}
		// R6, R7, R8, R9: create, read back, duplicate, upper-case filter.
		create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"okta.user@example.org",
			"name":{"givenName":"Okta","familyName":"User"},"emails":[{"primary":true,"value":"okta.user@example.org","type":"work"}],
			"displayName":"Okta User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mP4ssw0rd","active":true}`
		r = e.do(http.MethodPost, "/Users", create, auth, okta)
		expect(t, r, http.StatusCreated, "")
		id := r.json(t)["id"].(string)
		r = e.do(http.MethodGet, "/Users/"+id, nil, auth, okta)
		assertAttrs(t, r.json(t), map[string]any{"userName": "okta.user@example.org", "displayName": "Okta User", "active": true})
		expect(t, e.do(http.MethodPost, "/Users", create, auth, okta), http.StatusConflict, "uniqueness")
		r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "OKTA.USER@EXAMPLE.ORG"`)+"&startIndex=1&count=100", nil, auth, okta)
		if r.json(t)["totalResults"] != 1.0 {
			t.Errorf("R9: %s", r.body)
		}
		// Import: pages of 5 are stable and cover everyone once.
		seen := map[string]bool{}
		total := 0.0
		for start := 1; ; start += 5 {
			r := e.do(http.MethodGet, "/Users?startIndex="+strconv.Itoa(start)+"&count=5", nil, auth, okta)
			m := r.json(t)
			total = m["totalResults"].(float64)
			for _, res := range m["Resources"].([]any) {
				id := res.(map[string]any)["id"].(string)
				if seen[id] {
					t.Errorf("%s on two pages", id)
				}
				seen[id] = true
			}
			if float64(start+5) > total {
				break
			}
		}
		if float64(len(seen)) != total {
			t.Errorf("import saw %d of %v users", len(seen), total)
		}
		// Update: GET, then PUT the full object back.
		r = e.do(http.MethodGet, "/Users/"+id, nil, auth, okta)
		obj := r.json(t)
		obj["displayName"] = "Okta User Renamed"
		obj["name"] = map[string]any{"givenName": "Okta", "familyName": "User Renamed"}
		r = e.do(http.MethodPut, "/Users/"+id, obj, auth, okta)
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"displayName": "Okta User Renamed", "active": true})
		// Deactivate and reactivate with path-less PATCH; Okta never deletes.
		for _, active := range []bool{false, true} {
			body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": active}}}}
			r = e.do(http.MethodPatch, "/Users/"+id, body, auth, okta)
			expect(t, r, http.StatusOK, "")
			assertAttrs(t, r.json(t), map[string]any{"active": active})
		}
		// R11: a bad token.
		r = e.do(http.MethodGet, "/Users", nil, bearer("not-a-valid-token"), okta)
		expect(t, r, http.StatusUnauthorized, "")
	})
}

func TestReplayKeycloakPlugin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		tok := bearer(mintTB(t, adminUser))
		// The libre.sh/mitodl Keycloak SCIM client: no password, Keycloak's id as externalId.
		create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"4fbb0d6c-3cda-4a8a-9a6e-0a7d9f3c2b11",
			"userName":"kc.user@example.org","displayName":"KC User","emails":[{"primary":true,"value":"kc.user@example.org"}],
			"active":true,"roles":[]}`
		r := e.do(http.MethodPost, "/Users", create, tok, header("Content-Type", "application/json"))
		expect(t, r, http.StatusCreated, "")
		id := r.json(t)["id"].(string)
		replace := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"` + id + `","externalId":"4fbb0d6c-3cda-4a8a-9a6e-0a7d9f3c2b11",
			"userName":"kc.user@example.org","displayName":"KC User Two","emails":[{"primary":true,"value":"kc.user@example.org"}],
			"active":false,"meta":{"location":"Users/` + id + `"},"roles":[{"value":"mail"}]}`
		r = e.do(http.MethodPut, "/Users/"+id, replace, tok, header("Content-Type", "application/json"))
		expect(t, r, http.StatusOK, "")
		assertAttrs(t, r.json(t), map[string]any{"displayName": "KC User Two", "active": false})
		expect(t, e.do(http.MethodGet, "/Users", nil, tok), http.StatusOK, "")
		expect(t, e.do(http.MethodDelete, "/Users/"+id, nil, tok), http.StatusNoContent, "")
		expect(t, e.do(http.MethodGet, "/Users/"+id, nil, tok), http.StatusNotFound, "")
	})
}
