package sqlstore

import (
	"errors"
	"testing"
	"time"
)

func TestCountCache(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := newCountCache(5 * time.Second)
	c.now = func() time.Time { return now }
	calls := 0
	count := func(n int64) func() (int64, error) {
		return func() (int64, error) { calls++; return n, nil }
	}
	key := countKey("User", "m.username = ?", []any{"a"})
	if n, _ := c.cachedCount(key, count(7)); n != 7 || calls != 1 {
		t.Fatalf("first: %d after %d calls", n, calls)
	}
	if n, _ := c.cachedCount(key, count(8)); n != 7 || calls != 1 {
		t.Errorf("within ttl: %d after %d calls, want the cached 7", n, calls)
	}
	if n, _ := c.cachedCount(countKey("User", "m.username = ?", []any{"b"}), count(3)); n != 3 || calls != 2 {
		t.Errorf("other arguments share an entry: %d", n)
	}
	now = now.Add(6 * time.Second)
	if n, _ := c.cachedCount(key, count(9)); n != 9 || calls != 3 {
		t.Errorf("after ttl: %d, want a fresh count", n)
	}
	c.invalidate()
	if n, _ := c.cachedCount(key, count(10)); n != 10 || calls != 4 {
		t.Errorf("after a write: %d, want a fresh count", n)
	}
	if _, err := c.cachedCount("k", func() (int64, error) { return 0, errors.New("down") }); err == nil {
		t.Error("error not returned")
	}
	if _, ok := c.get("k"); ok {
		t.Error("a failed count was cached")
	}
	off := newCountCache(0)
	off.cachedCount(key, count(1))
	if n, _ := off.cachedCount(key, count(2)); n != 2 {
		t.Error("ttl 0 cached")
	}
}
