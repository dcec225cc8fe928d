package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// validatingDoer sends the generated client's requests and checks every
// answer against the spec, as env.do does.
type validatingDoer struct{ e *env }

func (d validatingDoer) Do(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	d.e.validate(req, response{status: res.StatusCode, header: res.Header, body: body})
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

// client is the Go client oapi-codegen generates from the spec (gen/api),
// authenticated as the sample superadmin.
func (e *env) client(t *testing.T) *api.ClientWithResponses {
	t.Helper()
	c, err := api.NewClientWithResponses(e.base, api.WithHTTPClient(validatingDoer{e}),
		api.WithRequestEditorFn(func(_ context.Context, r *http.Request) error { r.SetBasicAuth(adminUser, adminPass); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The User and Domain lifecycles through the generated client: what an SDK
// user gets from the spec works against the server, typed errors included.
func TestGeneratedClientLifecycles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine sqlstore.Engine) {
		e := start(t, engine, testdb.Master, true)
		c := e.client(t)
		ctx := context.Background()
		str := func(s string) *string { return &s }

		// Domain: create, read, patch, replace, list, delete.
		maxMailboxes := int64(5)
		cd, err := c.CreateDomainWithApplicationScimPlusJSONBodyWithResponse(ctx, &api.CreateDomainParams{}, api.Domain{
			Schemas: []string{scim.DomainSchema}, DomainName: str("client.example"), Description: str("Made by the client"), MaxMailboxes: &maxMailboxes,
		})
		if err != nil || cd.StatusCode() != http.StatusCreated || cd.ApplicationscimJSON201 == nil || *cd.ApplicationscimJSON201.Id != "client.example" {
			t.Fatalf("create domain: %v %v %s", err, cd.StatusCode(), cd.Body)
		}
		gd, err := c.GetDomainWithResponse(ctx, "CLIENT.example", &api.GetDomainParams{})
		if err != nil || gd.ApplicationscimJSON200 == nil || *gd.ApplicationscimJSON200.MaxMailboxes != 5 {
			t.Fatalf("get domain: %v %s", err, gd.Body)
		}
		pd, err := c.PatchDomainWithApplicationScimPlusJSONBodyWithResponse(ctx, "client.example", &api.PatchDomainParams{}, api.PatchOp{
			Schemas: []string{scim.PatchOpSchema}, Operations: []api.PatchOperation{{Op: "replace", Path: str("description"), Value: "Patched"}},
		})
		if err != nil || pd.ApplicationscimJSON200 == nil || *pd.ApplicationscimJSON200.Description != "Patched" {
			t.Fatalf("patch domain: %v %s", err, pd.Body)
		}
		rd, err := c.ReplaceDomainWithApplicationScimPlusJSONBodyWithResponse(ctx, "client.example", &api.ReplaceDomainParams{IfMatch: gd.ApplicationscimJSON200.Meta.Version},
			api.Domain{Schemas: []string{scim.DomainSchema}, DomainName: str("client.example")})
		if err != nil || rd.StatusCode() != http.StatusPreconditionFailed || rd.ApplicationscimJSON412 == nil {
			t.Fatalf("replace with a stale If-Match: %v %d %s", err, rd.StatusCode(), rd.Body)
		}

		// User: create, read, patch, replace, filter, delete, then a typed 404.
		quota := int64(10240000) // the new domain's maxQuota, 10 MB
		cu, err := c.CreateUserWithApplicationScimPlusJSONBodyWithResponse(ctx, &api.CreateUserParams{}, api.User{
			Schemas: []string{scim.UserSchema, scim.ProvisioningSchema}, UserName: str("sdk@client.example"), DisplayName: str("SDK User"),
			Password: str("Sdk-Pass-12"), Provisioning: &api.ProvisioningUser{SizeQuota: &quota},
		})
		if err != nil || cu.StatusCode() != http.StatusCreated || *cu.ApplicationscimJSON201.Provisioning.SizeQuota != quota {
			t.Fatalf("create user: %v %d %s", err, cu.StatusCode(), cu.Body)
		}
		pu, err := c.PatchUserWithApplicationScimPlusJSONBodyWithResponse(ctx, "sdk@client.example", &api.PatchUserParams{}, api.PatchOp{
			Schemas: []string{scim.PatchOpSchema}, Operations: []api.PatchOperation{{Op: "replace", Path: str("active"), Value: false}},
		})
		if err != nil || pu.ApplicationscimJSON200 == nil || *pu.ApplicationscimJSON200.Active {
			t.Fatalf("patch user: %v %s", err, pu.Body)
		}
		ru, err := c.ReplaceUserWithApplicationScimPlusJSONBodyWithResponse(ctx, "sdk@client.example", &api.ReplaceUserParams{}, api.User{
			Schemas: []string{scim.UserSchema}, UserName: str("sdk@client.example"), DisplayName: str("SDK User 2"),
		})
		if err != nil || ru.ApplicationscimJSON200 == nil || *ru.ApplicationscimJSON200.DisplayName != "SDK User 2" {
			t.Fatalf("replace user: %v %s", err, ru.Body)
		}
		filter := api.Filter(`userName eq "SDK@client.example"`)
		lu, err := c.ListUsersWithResponse(ctx, &api.ListUsersParams{Filter: &filter})
		if err != nil || lu.ApplicationscimJSON200 == nil || lu.ApplicationscimJSON200.TotalResults != 1 {
			t.Fatalf("list users: %v %s", err, lu.Body)
		}
		du, err := c.DeleteUserWithResponse(ctx, "sdk@client.example", &api.DeleteUserParams{})
		if err != nil || du.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete user: %v %d", err, du.StatusCode())
		}
		gu, err := c.GetUserWithResponse(ctx, "sdk@client.example", &api.GetUserParams{})
		if err != nil || gu.ApplicationscimJSON404 == nil || gu.ApplicationscimJSON404.Status != "404" {
			t.Fatalf("get deleted user: %v %s", err, gu.Body)
		}
		dd, err := c.DeleteDomainWithResponse(ctx, "client.example", &api.DeleteDomainParams{})
		if err != nil || dd.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete domain: %v %d %s", err, dd.StatusCode(), dd.Body)
		}
	})
}
