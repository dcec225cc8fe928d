// Package auth decides who may use the API: active PostfixAdmin superadmins,
// proven by HTTP Basic (their PostfixAdmin password) or by an HS256 JWT naming
// them. It also mints such tokens. Everyone else gets fault.Unauthenticated.
package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
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
	// Issuer and Audience, when set, must be the token's iss and one of its aud.
	Issuer, Audience string
	// FailureFloor is the least time a failed Basic login takes, so the
	// answer's timing does not tell an unknown user, a domain admin or a
	// wrong password apart, whatever hash the admin row holds.
	FailureFloor time.Duration
	Now          func() time.Time

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

// DefaultFailureFloor is above the cost of every hash PostfixAdmin writes
// by default (bcrypt cost 10, argon2 t=4 m=64 MiB) on common hardware.
const DefaultFailureFloor = 300 * time.Millisecond

// badLogin is the one answer to every failed password login: it never says
// whether the user exists, is a superadmin, or the password was right.
const badLogin = "Invalid username or password, or not a PostfixAdmin superadmin."

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
	start := time.Now() // real time, whatever a.Now says: this is about timing
	p, err := a.checkPassword(ctx, user, pass)
	if fault.KindOf(err) == fault.Unauthenticated {
		a.waitFloor(ctx, start)
	}
	return p, err
}

// checkPassword verifies one password. Every way to fail costs one hash
// check and gives the same answer: an unknown user, a domain admin and an
// inactive admin are checked against a dummy hash.
func (a *Authenticator) checkPassword(ctx context.Context, user, pass string) (Principal, error) {
	// No PostfixAdmin username holds a NUL or bytes that are not UTF-8, and
	// such text must not reach the database (PostgreSQL refuses it).
	if !utf8.ValidString(user) || strings.ContainsRune(user, 0) {
		a.Passwords.Verify(dummyHash, pass)
		return Principal{}, unauthenticated(badLogin)
	}
	admin, err := a.Admins.ActiveAdmin(ctx, user)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return Principal{}, err
	}
	if err != nil || !admin.Superadmin {
		a.Passwords.Verify(dummyHash, pass)
		return Principal{}, unauthenticated(badLogin)
	}
	// Basic clients send the password with every request; a slow hash
	// (bcrypt, argon2) is checked once per password and stored hash.
	key := verifiedKey(admin, pass)
	if !a.verified.has(key, a.now()) {
		if !a.Passwords.Verify(admin.PasswordHash, pass) {
			return Principal{}, unauthenticated(badLogin)
		}
		a.verified.add(key, a.now())
	}
	return Principal{Username: admin.Username}, nil
}

// waitFloor sleeps until FailureFloor has passed since start (or ctx ends).
func (a *Authenticator) waitFloor(ctx context.Context, start time.Time) {
	d := a.FailureFloor - time.Since(start)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// BasicUser is the username Basic credentials name ("" for none, or for
// any other scheme), for throttling by username.
func BasicUser(header string) string {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return ""
	}
	user, _, _ := strings.Cut(string(raw), ":")
	if !utf8.ValidString(user) {
		return ""
	}
	return strings.TrimSpace(user)
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
		var tok *jwt.Token
		tok, lastErr = a.parser().ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return secret, nil })
		if lastErr == nil {
			// RFC 7515 §4.1.11: a "crit" header lists extensions the
			// recipient MUST understand, else reject; this server knows none.
			if _, crit := tok.Header["crit"]; crit {
				lastErr = errors.New("crit header")
			}
			break
		}
		if !errors.Is(lastErr, jwt.ErrTokenSignatureInvalid) {
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

// tokenLeeway is the clock skew tolerated on exp, nbf and iat.
const tokenLeeway = 30 * time.Second

// parser checks HS256 only, a required exp, an iat not in the future
// (RFC 7519 §4.1.6 allows rejecting such tokens; a token from the future
// would outlive its own lifetime bound) and the configured iss and aud.
func (a *Authenticator) parser() *jwt.Parser {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(a.now), jwt.WithLeeway(tokenLeeway)}
	if a.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.Issuer))
	}
	if a.Audience != "" {
		opts = append(opts, jwt.WithAudience(a.Audience))
	}
	return jwt.NewParser(opts...)
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

// UnmarshalJSON refuses times that are not JSON numbers: RFC 7519 §2 makes
// a NumericDate a number, and the library would also take "1700000000".
func (c *tokenClaims) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, name := range []string{"exp", "iat", "nbf"} {
		if v, ok := raw[name]; ok && (len(v) == 0 || !strings.ContainsRune("-0123456789", rune(v[0]))) {
			return fmt.Errorf("claim %s is not a NumericDate", name)
		}
	}
	type plain tokenClaims // without this method
	return json.Unmarshal(b, (*plain)(c))
}

// Mint signs an HS256 token naming username, valid for lifetime.
func Mint(secret []byte, username string, lifetime time.Duration, now time.Time) (string, error) {
	return MintFor(secret, username, lifetime, now, "", "")
}

// MintFor is Mint with an iss and aud claim (each omitted when empty).
func MintFor(secret []byte, username string, lifetime time.Duration, now time.Time, issuer, audience string) (string, error) {
	if username == "" || len(secret) == 0 || lifetime <= 0 {
		return "", errors.New("mint: username, secret and a positive lifetime are required")
	}
	claims := tokenClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   username,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
	}}
	if audience != "" {
		claims.Audience = jwt.ClaimStrings{audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
