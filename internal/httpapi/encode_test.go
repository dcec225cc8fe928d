package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
)

func userPage() api.UserListResponse {
	ctx := context.WithValue(context.Background(), scopeKey{}, scope{baseURL: "https://scim.example.org/scim/v2"})
	page := api.UserListResponse{Schemas: []api.UserListResponseSchemas{scim.ListResponseSchema}, TotalResults: 100000, StartIndex: 1, ItemsPerPage: 1000}
	now := time.Now()
	for i := range 1000 {
		page.Resources = append(page.Resources, userResource(ctx, store.Mailbox{
			Username: fmt.Sprintf("user%06d@example.org", i), Name: fmt.Sprintf("User %d", i), Maildir: fmt.Sprintf("example.org/user%06d/", i),
			LocalPart: fmt.Sprintf("user%06d", i), Domain: "example.org", QuotaBytes: 51200000, Active: true, Created: now, Modified: now,
			Phone: "+1 <555> & \u2028", EmailOther: fmt.Sprintf("o%d@x.example", i), Spelling: store.Spelling{UserName: fmt.Sprintf("User%06d@example.org", i)},
		}))
	}
	return page
}

// The response encoder writes exactly what encoding/json writes (HTML-safe
// escapes included), for resources, lists and projected maps.
func TestEncodeJSONAsStdlib(t *testing.T) {
	page := userPage()
	projected := map[string]any{"Resources": []any{map[string]any{"b": json.Number("12345678901234567890"), "a": "<&>"}}, "z": nil}
	for _, v := range []any{page, page.Resources[0], projected} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeJSON(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("encodeJSON differs from encoding/json (%v):\n%s\n%s", err, got, want)
		}
	}
}

// A page of 1000 users as the list endpoint writes it (make bench).
func BenchmarkEncodeUserPage(b *testing.B) {
	r := resourceResponse{status: 200, body: userPage(), list: true}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		if err := r.write(w); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(w.Body.Len()))
	}
}
