package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

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

// Issue 12: "one 401 detail and one timing for every failed login". A
// domain admin's right password, a wrong one, an unknown user and a
// superadmin's wrong password against a fast hash all get the same detail and
// take at least the failure floor (the unknown user costs a bcrypt check,
// the SHA512-CRYPT admin a few milliseconds: without the floor they differ).
func TestFailedLoginsLookAlike(t *testing.T) {
	sha512, _ := pwhash.MustParse("SHA512-CRYPT").Hash("right-pw-1")
	a := &Authenticator{
		Admins: admins{
			"root@example.org": {Username: "root@example.org", PasswordHash: sha512, Superadmin: true},
			"dom@example.org":  {Username: "dom@example.org", PasswordHash: sha512},
		},
		Passwords: pwhash.MustParse(pwhash.Default), MaxLifetime: time.Hour, FailureFloor: 150 * time.Millisecond,
	}
	basic := func(user, pw string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
	}
	details := map[string]bool{}
	for name, header := range map[string]string{
		"domain admin, right password": basic("dom@example.org", "right-pw-1"),
		"domain admin, wrong password": basic("dom@example.org", "wrong-pw-1"),
		"unknown user":                 basic("nobody@example.org", "right-pw-1"),
		"superadmin, wrong password":   basic("root@example.org", "wrong-pw-1"),
		"NUL in the username":          basic("root\x00@example.org", "right-pw-1"),
	} {
		start := time.Now()
		_, err := a.Authenticate(context.Background(), header)
		took := time.Since(start)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.Unauthenticated {
			t.Fatalf("%s: err = %v, want 401", name, err)
		}
		details[fe.Detail] = true
		if took < a.FailureFloor {
			t.Errorf("%s: answered in %v, before the %v floor", name, took, a.FailureFloor)
		}
	}
	if len(details) != 1 {
		t.Errorf("failed logins are told apart by their detail: %v", details)
	}
	start := time.Now()
	if _, err := a.Authenticate(context.Background(), basic("root@example.org", "right-pw-1")); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took >= a.FailureFloor {
		t.Errorf("a successful login waited %v: the floor is for failures only", took)
	}
}

// Token claims are checked strictly (issue 12, RFC 7519/7515).
func TestTokenStrictness(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	secret := []byte("strict-secret-strict-secret-strict")
	a := &Authenticator{Admins: admins{"root@example.org": {Username: "root@example.org", Superadmin: true}},
		Passwords: pwhash.MustParse(pwhash.Default), Secrets: [][]byte{secret}, MaxLifetime: time.Hour,
		Issuer: "https://idp.example.org", Audience: "postfixadmin-scim", Now: func() time.Time { return now }}
	good := jwt.MapClaims{"sub": "root@example.org", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"iss": "https://idp.example.org", "aud": "postfixadmin-scim"}
	with := func(change func(jwt.MapClaims, map[string]any)) string {
		c := jwt.MapClaims{}
		maps.Copy(c, good)
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		change(c, tok.Header)
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + s
	}
	tests := []struct {
		name   string
		change func(c jwt.MapClaims, h map[string]any)
		ok     bool
	}{
		{"all claims right", func(jwt.MapClaims, map[string]any) {}, true},
		{"iat within the leeway", func(c jwt.MapClaims, _ map[string]any) { c["iat"] = now.Add(20 * time.Second).Unix() }, true},
		// RFC 7519 §4.1.6: iat "identifies the time at which the JWT was issued".
		{"iat in the future", func(c jwt.MapClaims, _ map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() }, false},
		// RFC 7519 §4.1.4: exp's value "MUST be a number containing a NumericDate value".
		{"exp as a string", func(c jwt.MapClaims, _ map[string]any) { c["exp"] = strconv.FormatInt(now.Add(time.Hour).Unix(), 10) }, false},
		{"iat as a string", func(c jwt.MapClaims, _ map[string]any) { c["iat"] = strconv.FormatInt(now.Unix(), 10) }, false},
		{"exp missing", func(c jwt.MapClaims, _ map[string]any) { delete(c, "exp") }, false},
		// RFC 7515 §4.1.11: "If any of the listed extension Header Parameters are
		// not understood and supported by the recipient, then the JWS is invalid."
		{"crit header", func(_ jwt.MapClaims, h map[string]any) { h["crit"] = []string{"exp"} }, false},
		{"other issuer", func(c jwt.MapClaims, _ map[string]any) { c["iss"] = "https://evil.example" }, false},
		{"no issuer", func(c jwt.MapClaims, _ map[string]any) { delete(c, "iss") }, false},
		{"other audience", func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "another-app" }, false},
		{"audience in a list", func(c jwt.MapClaims, _ map[string]any) { c["aud"] = []string{"x", "postfixadmin-scim"} }, true},
		{"nbf in the future", func(c jwt.MapClaims, _ map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Authenticate(context.Background(), with(tt.change))
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && fault.KindOf(err) != fault.Unauthenticated {
				t.Errorf("err = %v, want 401", err)
			}
		})
	}
	tok, err := MintFor(secret, "root@example.org", time.Hour, now, "https://idp.example.org", "postfixadmin-scim")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(context.Background(), "Bearer "+tok); err != nil {
		t.Errorf("a token minted with the configured iss and aud: %v", err)
	}
}
