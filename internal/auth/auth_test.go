package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/pwhash"
	"postfixadmin-scim/internal/store"
)

type admins map[string]store.Admin

func (a admins) ActiveAdmin(_ context.Context, u string) (store.Admin, error) {
	if u == "broken@example.org" {
		return store.Admin{}, errors.New("connection reset")
	}
	if ad, ok := a[u]; ok {
		return ad, nil
	}
	return store.Admin{}, fault.New(fault.NotFound, "no admin")
}

func TestAuthenticate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old, current := []byte("old-secret-old-secret-old-secret-1"), []byte("new-secret-new-secret-new-secret-2")
	a := &Authenticator{
		Admins: admins{
			"root@example.org": {Username: "root@example.org", PasswordHash: "{CLEARTEXT}pw", Superadmin: true},
			"dom@example.org":  {Username: "dom@example.org", PasswordHash: "{CLEARTEXT}pw"},
		},
		Passwords: pwhash.MustParse(pwhash.Default), Secrets: [][]byte{current, old},
		MaxLifetime: time.Hour, Now: func() time.Time { return now },
	}
	tok := func(secret []byte, user string, life time.Duration, issued time.Time) string {
		s, err := Mint(secret, user, life, issued)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + s
	}
	tests := []struct {
		name   string
		header string
		want   fault.Kind // Internal means: no error expected
		ok     bool
	}{
		{"basic", "Basic cm9vdEBleGFtcGxlLm9yZzpwdw==", 0, true},
		{"basic domain admin", "Basic ZG9tQGV4YW1wbGUub3JnOnB3", fault.Unauthenticated, false},
		{"bearer current secret", tok(current, "root@example.org", time.Hour, now), 0, true},
		{"bearer rotated-out secret still accepted", tok(old, "root@example.org", time.Hour, now), 0, true},
		{"bearer unknown secret", tok([]byte("x-secret-x-secret-x-secret-x-sec"), "root@example.org", time.Hour, now), fault.Unauthenticated, false},
		{"bearer lifetime above maximum", tok(current, "root@example.org", 2*time.Hour, now), fault.Unauthenticated, false},
		{"bearer issued long ago, long-lived", tok(current, "root@example.org", 3*time.Hour, now.Add(-150*time.Minute)), fault.Unauthenticated, false},
		{"bearer expired", tok(current, "root@example.org", time.Minute, now.Add(-time.Hour)), fault.Unauthenticated, false},
		{"store failure is not a 401", tok(current, "broken@example.org", time.Minute, now), fault.Internal, false},
		{"lower-case scheme", "bearer " + tok(current, "root@example.org", time.Hour, now)[7:], 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(context.Background(), tt.header)
			if tt.ok {
				if err != nil || p.Username != "root@example.org" {
					t.Fatalf("= %+v, %v", p, err)
				}
				return
			}
			if err == nil || fault.KindOf(err) != tt.want {
				t.Fatalf("err = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.want)
			}
		})
	}
}

func TestMintValidates(t *testing.T) {
	if _, err := Mint(nil, "u", time.Hour, time.Now()); err == nil {
		t.Error("minted without secret")
	}
	if _, err := Mint([]byte("s"), "", time.Hour, time.Now()); err == nil {
		t.Error("minted without user")
	}
}

// A verified Basic password is remembered only for the same stored hash:
// changing the password in PostfixAdmin invalidates it at once.
func TestBasicVerificationIsRememberedPerHash(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	admins := admins{"root@example.org": {Username: "root@example.org", PasswordHash: "{CLEARTEXT}pw", Superadmin: true}}
	a := &Authenticator{Admins: admins, Passwords: pwhash.MustParse(pwhash.Default), MaxLifetime: time.Hour, Now: func() time.Time { return now }}
	hdr := "Basic cm9vdEBleGFtcGxlLm9yZzpwdw==" // root@example.org:pw
	if _, err := a.Authenticate(context.Background(), hdr); err != nil {
		t.Fatal(err)
	}
	admins["root@example.org"] = store.Admin{Username: "root@example.org", PasswordHash: "{CLEARTEXT}other", Superadmin: true}
	if _, err := a.Authenticate(context.Background(), hdr); err == nil {
		t.Error("the old password still works after a change of the stored hash")
	}
	admins["root@example.org"] = store.Admin{Username: "root@example.org", PasswordHash: "{CLEARTEXT}pw", Superadmin: false}
	if _, err := a.Authenticate(context.Background(), hdr); err == nil {
		t.Error("a demoted admin passed on a remembered password")
	}
	admins["root@example.org"] = store.Admin{Username: "root@example.org", PasswordHash: "{CLEARTEXT}pw", Superadmin: true}
	now = now.Add(verifiedFor + time.Second)
	if _, err := a.Authenticate(context.Background(), hdr); err != nil {
		t.Errorf("after expiry: %v", err)
	}
	if _, err := a.Authenticate(context.Background(), "Basic cm9vdEBleGFtcGxlLm9yZzp3cm9uZw=="); err == nil {
		t.Error("wrong password accepted")
	}
}

// A token's signature and claims are checked once; its expiry and its admin
// on every request.
func TestBearerTokenCache(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	secret := []byte("cache-secret-cache-secret-cache-1")
	rows := admins{"root@example.org": {Username: "root@example.org", Superadmin: true}}
	a := &Authenticator{Admins: rows, Passwords: pwhash.MustParse(pwhash.Default), Secrets: [][]byte{secret},
		MaxLifetime: time.Hour, Now: func() time.Time { return now }}
	tok, err := Mint(secret, "root@example.org", 10*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // verified, then cached
		if _, err := a.Authenticate(context.Background(), "Bearer "+tok); err != nil {
			t.Fatal(err)
		}
	}
	delete(rows, "root@example.org") // deactivated
	if _, err := a.Authenticate(context.Background(), "Bearer "+tok); fault.KindOf(err) != fault.Unauthenticated {
		t.Errorf("a cached token of a deactivated admin: %v", err)
	}
	rows["root@example.org"] = store.Admin{Username: "root@example.org", Superadmin: true}
	now = now.Add(11 * time.Minute) // past exp and the parser's leeway
	if _, err := a.Authenticate(context.Background(), "Bearer "+tok); fault.KindOf(err) != fault.Unauthenticated {
		t.Errorf("an expired cached token: %v", err)
	}
	if _, err := a.Authenticate(context.Background(), "Bearer "+tok[:len(tok)-2]+"xx"); fault.KindOf(err) != fault.Unauthenticated {
		t.Errorf("a tampered token: %v", err)
	}
}
