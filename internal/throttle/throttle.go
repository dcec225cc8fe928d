// Package throttle slows password and token guessing. Failed
// authentications are counted in token buckets (golang.org/x/time/rate) per
// client address and per username; while either bucket is empty, further
// attempts from that address, or for that username, are refused before any
// credential is checked. A username's bucket does not apply to addresses the
// user has logged in from recently, so an attacker guessing one admin's
// password from elsewhere does not lock that admin out.
package throttle

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are the allowed failures: Address per client address and Username
// per username, each refilled evenly over Window. Zero disables that limit.
type Limits struct {
	Address, Username int
	Window            time.Duration
}

// Throttle is safe for concurrent use.
type Throttle struct {
	limits Limits
	now    func() time.Time

	mu     sync.Mutex
	byAddr map[string]*rate.Limiter
	byUser map[string]*rate.Limiter
	known  map[knownKey]time.Time // username × address of recent logins
}

type knownKey struct{ user, addr string }

const (
	// maxTracked bounds each map; beyond it, full (idle) buckets are dropped.
	maxTracked = 10000
	// knownFor is how long a successful login exempts its address from the
	// username's bucket.
	knownFor = 24 * time.Hour
)

// New returns a Throttle; now is the clock (nil: time.Now).
func New(l Limits, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{limits: l, now: now, byAddr: map[string]*rate.Limiter{},
		byUser: map[string]*rate.Limiter{}, known: map[knownKey]time.Time{}}
}

// Allow reports whether an attempt from addr naming user ("" when the
// credentials name none) may be checked, and if not, when to retry.
func (t *Throttle) Allow(addr, user string) (bool, time.Duration) {
	user = normalize(user)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := waitFor(t.byAddr[addr], now)
	if user != "" && !t.isKnown(user, addr, now) {
		wait = max(wait, waitFor(t.byUser[user], now))
	}
	return wait == 0, wait
}

// Failed counts a failed attempt.
func (t *Throttle) Failed(addr, user string) {
	user = normalize(user)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.spend(t.byAddr, addr, t.limits.Address, now)
	if user != "" && !t.isKnown(user, addr, now) {
		t.spend(t.byUser, user, t.limits.Username, now)
	}
}

// Succeeded records a login, exempting addr from user's bucket for a while.
func (t *Throttle) Succeeded(addr, user string) {
	user = normalize(user)
	if user == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.known) >= maxTracked {
		for k, at := range t.known {
			if now.Sub(at) >= knownFor {
				delete(t.known, k)
			}
		}
		if len(t.known) >= maxTracked {
			clear(t.known)
		}
	}
	t.known[knownKey{user, addr}] = now
}

func (t *Throttle) isKnown(user, addr string, now time.Time) bool {
	at, ok := t.known[knownKey{user, addr}]
	return ok && now.Sub(at) < knownFor
}

func (t *Throttle) spend(m map[string]*rate.Limiter, key string, limit int, now time.Time) {
	if limit <= 0 || t.limits.Window <= 0 {
		return
	}
	l := m[key]
	if l == nil {
		if len(m) >= maxTracked {
			evictIdle(m, now)
		}
		l = rate.NewLimiter(rate.Every(t.limits.Window/time.Duration(limit)), limit)
		m[key] = l
	}
	l.AllowN(now, 1)
}

// waitFor is how long until l has a token again (0: it has one).
func waitFor(l *rate.Limiter, now time.Time) time.Duration {
	if l == nil || l.TokensAt(now) >= 1 {
		return 0
	}
	need := 1 - l.TokensAt(now)
	return time.Duration(need / float64(l.Limit()) * float64(time.Second))
}

// evictIdle drops buckets that have refilled: they hold nothing to remember.
// If every bucket is in use, the map is cleared rather than grown without
// bound (an attacker with that many addresses is not slowed by it anyway).
func evictIdle(m map[string]*rate.Limiter, now time.Time) {
	for k, l := range m {
		if l.TokensAt(now) >= float64(l.Burst()) {
			delete(m, k)
		}
	}
	if len(m) >= maxTracked {
		clear(m)
	}
}

// normalize keys usernames as PostfixAdmin's MySQL columns compare them.
func normalize(user string) string { return strings.ToLower(strings.TrimSpace(user)) }
