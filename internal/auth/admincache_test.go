package auth

import (
	"context"
	"testing"
	"time"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

type countingAdmins struct {
	rows  map[string]store.Admin
	reads int
}

func (c *countingAdmins) ActiveAdmin(_ context.Context, u string) (store.Admin, error) {
	c.reads++
	if a, ok := c.rows[u]; ok {
		return a, nil
	}
	return store.Admin{}, fault.New(fault.NotFound, "no")
}

// Found rows are reused for at most the ttl; misses are never kept, so a
// deactivated or demoted admin loses access within the ttl.
func TestAdminCache(t *testing.T) {
	next := &countingAdmins{rows: map[string]store.Admin{"a": {Username: "a", Superadmin: true}}}
	now := time.Unix(1000, 0)
	c := NewAdminCache(next, time.Second).(*AdminCache)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	for _, step := range []struct {
		advance time.Duration
		user    string
		reads   int
		found   bool
	}{
		{0, "a", 1, true},
		{500 * time.Millisecond, "a", 1, true}, // within the ttl: no read
		{600 * time.Millisecond, "a", 2, true}, // past it: read again
		{0, "nobody", 3, false},
		{0, "nobody", 4, false}, // misses are not cached
	} {
		now = now.Add(step.advance)
		_, err := c.ActiveAdmin(ctx, step.user)
		if (err == nil) != step.found || next.reads != step.reads {
			t.Fatalf("%+v: err %v, reads %d", step, err, next.reads)
		}
	}
	delete(next.rows, "a") // deactivated in PostfixAdmin
	now = now.Add(1001 * time.Millisecond)
	if _, err := c.ActiveAdmin(ctx, "a"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("deactivated admin still found after the ttl: %v", err)
	}
	if NewAdminCache(next, 0) != AdminFinder(next) {
		t.Error("ttl 0 must read every time")
	}
}
