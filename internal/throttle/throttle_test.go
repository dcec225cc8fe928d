package throttle

import (
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestThrottle(t *testing.T) {
	limits := Limits{Address: 3, Username: 5, Window: time.Minute}
	tests := []struct {
		name string
		run  func(t *testing.T, th *Throttle, c *clock)
	}{
		{"an address is refused after its failures, with the wait until one refills", func(t *testing.T, th *Throttle, c *clock) {
			for range 3 {
				if ok, _ := th.Allow("10.0.0.1", "admin@example.org"); !ok {
					t.Fatal("refused before the limit")
				}
				th.Failed("10.0.0.1", "admin@example.org")
			}
			ok, wait := th.Allow("10.0.0.1", "someone-else@example.org")
			if ok || wait <= 0 || wait > 20*time.Second {
				t.Fatalf("after 3 failures: allow = %v, wait %v; want refused for up to 20 s", ok, wait)
			}
			if ok, _ := th.Allow("10.0.0.2", "someone-else@example.org"); !ok {
				t.Error("another address was refused")
			}
			c.advance(wait)
			if ok, _ := th.Allow("10.0.0.1", ""); !ok {
				t.Error("still refused after the wait")
			}
		}},
		{"a username is refused from every new address after its failures", func(t *testing.T, th *Throttle, c *clock) {
			for i := range 5 {
				th.Failed(string(rune('a'+i)), "Admin@Example.org")
			}
			if ok, _ := th.Allow("fresh", "admin@example.org"); ok {
				t.Error("username not throttled (case-insensitively)")
			}
		}},
		{"the admin's own address is not locked out by others guessing the username", func(t *testing.T, th *Throttle, c *clock) {
			th.Succeeded("192.0.2.7", "admin@example.org")
			for i := range 50 {
				th.Failed(string(rune('a'+i)), "admin@example.org")
			}
			if ok, _ := th.Allow("192.0.2.7", "admin@example.org"); !ok {
				t.Error("the admin's known address was locked out")
			}
			c.advance(knownFor)
			for i := range 5 {
				th.Failed(string(rune('a'+i)), "admin@example.org")
			}
			if ok, _ := th.Allow("192.0.2.7", "admin@example.org"); ok {
				t.Error("a login a day old still exempts the address")
			}
		}},
		{"zero limits throttle nothing", func(t *testing.T, _ *Throttle, c *clock) {
			th := New(Limits{}, c.now)
			for range 100 {
				th.Failed("x", "u")
			}
			if ok, _ := th.Allow("x", "u"); !ok {
				t.Error("disabled throttle refused")
			}
		}},
		{"memory stays bounded under many addresses", func(t *testing.T, th *Throttle, c *clock) {
			for i := range 3 * maxTracked {
				th.Failed(time.Duration(i).String(), "")
			}
			if n := len(th.byAddr); n > maxTracked {
				t.Errorf("%d buckets kept, limit %d", n, maxTracked)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
			tt.run(t, New(limits, c.now), c)
		})
	}
}
