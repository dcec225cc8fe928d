package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"postfixadmin-scim/internal/store"
)

// verifiedCache remembers recent successful password checks. Its keys bind
// the username, the stored hash and a digest of the password, so a changed
// password (in PostfixAdmin or here) or hash misses; the admin row is still
// read (through the short AdminCache), so deactivation takes effect.
type verifiedCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]time.Time
}

const (
	verifiedFor = 5 * time.Minute
	maxVerified = 1024
)

func verifiedKey(a store.Admin, password string) [sha256.Size]byte {
	return sha256.Sum256([]byte(a.Username + "\x00" + a.PasswordHash + "\x00" + password))
}

func (c *verifiedCache) has(key [sha256.Size]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.entries[key]
	return ok && now.Sub(at) < verifiedFor
}

func (c *verifiedCache) add(key [sha256.Size]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxVerified {
		c.entries = map[[sha256.Size]byte]time.Time{}
	}
	c.entries[key] = now
}

// tokenCache remembers tokens whose signature and claims verified, by a
// digest of the token, until they expire (the parser's 30 s leeway is not
// extended: a cached token is refused from its exp on).
type tokenCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	user string
	exp  time.Time
}

func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.exp) {
		return "", false
	}
	return e.user, true
}

func (c *tokenCache) add(key [sha256.Size]byte, user string, exp time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxVerified {
		c.entries = map[[sha256.Size]byte]cachedToken{}
	}
	c.entries[key] = cachedToken{user: user, exp: exp}
}
