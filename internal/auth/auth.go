// Package auth decides who may use the API: active PostfixAdmin superadmins,
// proven by HTTP Basic (their PostfixAdmin password) or by an HS256 JWT naming
// them. It also mints such tokens. Everyone else gets fault.Unauthenticated.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/pwhash"
	"postfixadmin-scim/internal/store"
)

// AdminFinder is the part of store.Store that authentication reads.
type AdminFinder interface {
	ActiveAdmin(ctx context.Context, username string) (store.Admin, error)
}

// Authenticator checks credentials against PostfixAdmin's admin table (read
// through an AdminCache of at most 2 s in the server, so deactivating or
// demoting an admin takes effect within that time).
type Authenticator struct {
	Admins      AdminFinder
	Passwords   pwhash.Setting // PostfixAdmin's $CONF['encrypt']
	Secrets     [][]byte       // accepted HS256 keys
	MaxLifetime time.Duration  // longest accepted token lifetime
	Now         func() time.Time

	verified verifiedCache
	tokens   tokenCache
}

// Principal is an authenticated superadmin.
type Principal struct {
	Username string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of an authenticated request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// dummyHash keeps the cost of an unknown username equal to a known one, as
// PostfixAdmin's login does.
var dummyHash, _ = pwhash.MustParse(pwhash.Default).Hash("timing-equaliser")

// Authenticate checks an Authorization header value.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (Principal, error) {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(header), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case header == "":
		return Principal{}, unauthenticated("Authentication required: HTTP Basic (PostfixAdmin superadmin) or a Bearer token.")
	case strings.EqualFold(scheme, "Basic"):
		return a.basic(ctx, cred)
	case strings.EqualFold(scheme, "Bearer"):
		return a.bearer(ctx, cred)
	}
	return Principal{}, unauthenticated("Unsupported authorization scheme.")
}

func (a *Authenticator) basic(ctx context.Context, cred string) (Principal, error) {
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return Principal{}, unauthenticated("Malformed Basic credentials.")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	user = strings.TrimSpace(user) // PostfixAdmin trims but does not lower-case
	if !ok || user == "" || pass == "" {
		return Principal{}, unauthenticated("Malformed Basic credentials.")
	}
	// No PostfixAdmin username holds a NUL or bytes that are not UTF-8, and
	// such text must not reach the database (PostgreSQL refuses it).
	if !utf8.ValidString(user) || strings.ContainsRune(user, 0) {
		a.Passwords.Verify(dummyHash, pass)
		return Principal{}, unauthenticated("Invalid username or password.")
	}
	admin, err := a.Admins.ActiveAdmin(ctx, user)
	if err != nil {
		if fault.KindOf(err) != fault.NotFound {
			return Principal{}, err
		}
		a.Passwords.Verify(dummyHash, pass)
		return Principal{}, unauthenticated("Invalid username or password.")
	}
	// Basic clients send the password with every request; a slow hash
	// (bcrypt, argon2) is checked once per password and stored hash.
	key := verifiedKey(admin, pass)
	if !a.verified.has(key, a.now()) {
		if !a.Passwords.Verify(admin.PasswordHash, pass) {
			return Principal{}, unauthenticated("Invalid username or password.")
		}
		a.verified.add(key, a.now())
	}
	return superadmin(admin)
}

func (a *Authenticator) bearer(ctx context.Context, token string) (Principal, error) {
	if len(a.Secrets) == 0 {
		return Principal{}, unauthenticated("Bearer tokens are not enabled on this server.")
	}
	// A client sends one token with every request: its signature and
	// claims are checked once, its expiry every time, its admin every time.
	key := sha256.Sum256([]byte(token))
	user, ok := a.tokens.get(key, a.now())
	if !ok {
		var exp time.Time
		var err error
		if user, exp, err = a.verifyToken(token); err != nil {
			return Principal{}, err
		}
		a.tokens.add(key, user, exp)
	}
	admin, err := a.Admins.ActiveAdmin(ctx, user)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return Principal{}, unauthenticated("Token user is not an active PostfixAdmin superadmin.")
		}
		return Principal{}, err
	}
	return superadmin(admin)
}

// verifyToken checks a token's signature and claims and returns its user
// and expiry.
func (a *Authenticator) verifyToken(token string) (string, time.Time, error) {
	var claims tokenClaims
	var lastErr error
	for _, secret := range a.Secrets {
		claims = tokenClaims{}
		p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithExpirationRequired(), jwt.WithTimeFunc(a.now), jwt.WithLeeway(30*time.Second))
		_, lastErr = p.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return secret, nil })
		if lastErr == nil || !errors.Is(lastErr, jwt.ErrTokenSignatureInvalid) {
			break
		}
	}
	if lastErr != nil {
		return "", time.Time{}, unauthenticated("Invalid or expired token.")
	}
	// Bound the lifetime, so a token minted for years is not honoured.
	if claims.ExpiresAt.Sub(a.now()) > a.MaxLifetime+time.Minute ||
		(claims.IssuedAt != nil && claims.ExpiresAt.Sub(claims.IssuedAt.Time) > a.MaxLifetime+time.Minute) {
		return "", time.Time{}, unauthenticated("Token lifetime exceeds the server's maximum.")
	}
	user := claims.Subject
	if user == "" {
		user = claims.User // tokens of the PHP original's generate_jwt.php
	}
	if user == "" {
		return "", time.Time{}, unauthenticated("Token names no user.")
	}
	return user, claims.ExpiresAt.Time, nil
}

// superadmin applies PostfixAdmin's rule: admin.superadmin = 1 gives the
// global-admin role (login.php); domain admins are refused.
func superadmin(a store.Admin) (Principal, error) {
	if !a.Superadmin {
		return Principal{}, unauthenticated("Only PostfixAdmin superadmins may use this API.")
	}
	return Principal{Username: a.Username}, nil
}

func unauthenticated(detail string) error {
	return fault.New(fault.Unauthenticated, "%s", detail)
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

type tokenClaims struct {
	jwt.RegisteredClaims
	User string `json:"user,omitempty"`
}

// Mint signs an HS256 token naming username, valid for lifetime.
func Mint(secret []byte, username string, lifetime time.Duration, now time.Time) (string, error) {
	if username == "" || len(secret) == 0 || lifetime <= 0 {
		return "", errors.New("mint: username, secret and a positive lifetime are required")
	}
	claims := tokenClaims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   username,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
