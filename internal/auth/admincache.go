package auth

import (
	"context"
	"sync"
	"time"

	"postfixadmin-scim/internal/store"
)

// AdminCache is a layer over an AdminFinder that reuses an admin row for a
// short time, so a client sending requests back to back costs one query per
// request (its resource) instead of two. Only rows found are kept, never a
// miss, and never for longer than ttl: deactivating, demoting or
// re-passwording an admin in PostfixAdmin takes effect within ttl.
type AdminCache struct {
	next AdminFinder
	ttl  time.Duration
	now  func() time.Time

	mu   sync.Mutex
	rows map[string]cachedAdmin
}

type cachedAdmin struct {
	admin store.Admin
	at    time.Time
}

// maxCachedAdmins bounds the cache; a deployment has a handful of superadmins.
const maxCachedAdmins = 256

// NewAdminCache wraps next; a ttl of 0 reads next every time.
func NewAdminCache(next AdminFinder, ttl time.Duration) AdminFinder {
	if ttl <= 0 {
		return next
	}
	return &AdminCache{next: next, ttl: ttl, now: time.Now, rows: map[string]cachedAdmin{}}
}

func (c *AdminCache) ActiveAdmin(ctx context.Context, username string) (store.Admin, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.rows[username]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl {
		return e.admin, nil
	}
	a, err := c.next.ActiveAdmin(ctx, username)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.rows, username)
		return a, err
	}
	if len(c.rows) >= maxCachedAdmins {
		clear(c.rows)
	}
	c.rows[username] = cachedAdmin{admin: a, at: now}
	return a, nil
}
