package httpapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
)

// A page of 1000 users as the list endpoint writes it (make bench).
func BenchmarkEncodeUserPage(b *testing.B) {
	ctx := context.WithValue(context.Background(), scopeKey{}, scope{baseURL: "https://scim.example.org/scim/v2"})
	page := api.UserListResponse{Schemas: []api.UserListResponseSchemas{scim.ListResponseSchema}, TotalResults: 100000, StartIndex: 1, ItemsPerPage: 1000}
	now := time.Now()
	for i := range 1000 {
		page.Resources = append(page.Resources, userResource(ctx, store.Mailbox{
			Username: fmt.Sprintf("user%06d@example.org", i), Name: fmt.Sprintf("User %d", i), Maildir: fmt.Sprintf("example.org/user%06d/", i),
			LocalPart: fmt.Sprintf("user%06d", i), Domain: "example.org", QuotaBytes: 51200000, Active: true, Created: now, Modified: now,
		}))
	}
	r := resourceResponse{status: 200, body: page, list: true}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		if err := r.write(w); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(w.Body.Len()))
	}
}
