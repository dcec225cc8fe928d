// Package pwhash verifies and creates password hashes in the formats
// PostfixAdmin stores in admin.password and mailbox.password (its pacrypt()),
// selected by PostfixAdmin's $CONF['encrypt'] setting.
//
// Crypt formats use golang.org/x/crypto (bcrypt, argon2) and
// github.com/GehirnInc/crypt (md5-crypt, sha256-crypt, sha512-crypt); plain
// digests use the standard library. Not supported, and therefore never
// accepted: traditional DES crypt (13 characters, from the legacy "system" and
// "php_crypt:DES" settings, no maintained Go implementation is available) and
// Dovecot's challenge-response schemes (CRAM-MD5, DIGEST-MD5, SCRAM-*).
package pwhash

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"regexp"
	"slices"
	"strings"

	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/bcrypt"
)

// storedPrefixRE is pacrypt()'s test for a "{SCHEME}" prefix (any case);
// cryptPrefixRE the narrower one php_crypt:<METHOD> splits off before crypt().
var (
	storedPrefixRE = regexp.MustCompile(`^\{([0-9A-Za-z.-]+)\}`)
	cryptPrefixRE  = regexp.MustCompile(`^\{[-A-Z0-9]+\}`)
)

// Verify reports whether password matches the stored hash exactly where
// PostfixAdmin's Login (master/4.0) accepts it under the setting s:
// hash_equals(stored, pacrypt(password, stored)). It follows pacrypt()'s
// decision tree and the hashing library's Crypt::crypt() case by case —
// including their case-sensitive prefix handling — except for the formats
// listed in the package comment, which never match.
func (s Setting) Verify(stored, password string) bool {
	if stored == "" || password == "" {
		return false
	}
	m := s.mechanism
	if s.phpCrypt {
		// crypt($pw, $stored) with an upper-case {PREFIX} split off and put back.
		return verifyCrypt(cryptPrefixRE.ReplaceAllString(stored, ""), password)
	}
	if m == "PHP_CRYPT" || m == "MD5CRYPT" {
		m = "CRYPT"
	}
	if m == "AUTHLIB" {
		return verifyAuthlib(stored, password)
	}
	if p := storedPrefixRE.FindStringSubmatch(stored); p != nil {
		// The stored scheme wins, taken as written, unless the setting
		// names it behind "dovecot:" or "courier:".
		if u := strings.ToUpper(p[1]); m != "DOVECOT:"+u && m != "COURIER:"+u {
			m = p[1]
		}
	}
	if m == "MD5RAW" { // case-sensitive: a stored {md5raw} stays md5raw
		m = "COURIER:MD5RAW"
	}
	if strings.HasPrefix(stored, "$1$") || strings.HasPrefix(stored, "$6$") {
		m = "SYSTEM"
	}
	if m == "SHA512.B64" {
		m = "SHA512-CRYPT.B64"
	}
	if scheme, ok := strings.CutPrefix(m, "DOVECOT:"); ok {
		return verifyDovecot(scheme, stored, password)
	}
	m = strings.ToUpper(m) // Crypt's constructor
	if !slices.Contains(librarySchemes, m) {
		return false // the library throws; Login fails
	}
	return verifyLibrary(m, stored, password)
}

// verifyLibrary is hash_equals($stored, Crypt($m)->crypt($pw, $stored)).
// Each scheme writes its own upper-case prefix, so a stored prefix in
// another case never compares equal.
func verifyLibrary(m, stored, password string) bool {
	switch m {
	case "SHA1", "SHA1.B64":
		return digestEquals(stored, "{"+m+"}", sha1.New(), password, base64.StdEncoding.EncodeToString)
	case "SHA1.HEX":
		return digestEquals(stored, "{SHA1.HEX}", sha1.New(), password, hex.EncodeToString)
	case "SHA256", "COURIER:SHA256":
		return digestEquals(stored, "{SHA256}", sha256.New(), password, base64.StdEncoding.EncodeToString)
	case "SHA512":
		return digestEquals(stored, "{SHA512}", sha512.New(), password, base64.StdEncoding.EncodeToString)
	case "PLAIN-MD5":
		return digestEquals(stored, "{PLAIN-MD5}", md5.New(), password, hex.EncodeToString)
	case "MD5":
		return digestEquals(stored, "", md5.New(), password, hex.EncodeToString)
	case "COURIER:MD5":
		return digestEquals(stored, "{MD5}", md5.New(), password, base64.StdEncoding.EncodeToString)
	case "COURIER:MD5RAW":
		return digestEquals(stored, "{MD5RAW}", md5.New(), password, hex.EncodeToString)
	case "SSHA", "COURIER:SSHA":
		return saltedEquals(stored, "{SSHA}", sha1.New(), password)
	case "SSHA512":
		return saltedEquals(stored, "{SSHA512}", sha512.New(), password)
	case "CLEAR", "PLAIN", "CLEARTEXT":
		// The library answers "{M}pw" when that is stored, else the bare pw.
		return constantEqual(stored, "{"+m+"}"+password) || constantEqual(stored, password)
	case "CRYPT":
		return verifyCrypt(strings.TrimPrefix(stored, "{CRYPT}"), password)
	case "SYSTEM":
		return verifyCrypt(stored, password)
	case "MD5-CRYPT":
		rest, ok := strings.CutPrefix(stored, "{MD5-CRYPT}")
		return ok && verifyCrypt(rest, password)
	case "ARGON2I", "ARGON2I.B64", "ARGON2ID", "ARGON2ID.B64":
		// password_verify() takes any hash PHP knows, not only argon2.
		return verifyWrapped(stored, m, password, verifyPasswordHash)
	default: // BLF-CRYPT, SHA256-CRYPT, SHA512-CRYPT and their .B64 forms
		return verifyWrapped(stored, m, password, verifyCrypt)
	}
}

// verifyWrapped checks "{M}" + crypt string, or "{M.B64}" + its base64.
func verifyWrapped(stored, m, password string, verify func(h, pw string) bool) bool {
	rest, ok := strings.CutPrefix(stored, "{"+m+"}")
	if !ok {
		return false
	}
	if strings.HasSuffix(m, ".B64") {
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || base64.StdEncoding.EncodeToString(raw) != rest {
			return false
		}
		rest = string(raw)
	}
	return verify(rest, password)
}

// verifyAuthlib is _pacrypt_authlib(): the flavor is what the stored braces
// hold, matched by its start in any case, and written back as it was.
func verifyAuthlib(stored, password string) bool {
	if !strings.HasPrefix(stored, "{") {
		return false // the default flavor writes a prefix, so no bare hash equals
	}
	flavor, _, ok := strings.Cut(stored[1:], "}")
	if !ok {
		return false
	}
	prefix := "{" + flavor + "}"
	f := strings.ToLower(flavor)
	switch {
	case strings.HasPrefix(f, "md5raw"):
		return digestEquals(stored, prefix, md5.New(), password, hex.EncodeToString)
	case strings.HasPrefix(f, "md5"):
		return digestEquals(stored, prefix, md5.New(), password, base64.StdEncoding.EncodeToString)
	case strings.HasPrefix(f, "sha"):
		return digestEquals(stored, prefix, sha1.New(), password, base64.StdEncoding.EncodeToString)
	}
	return false // {crypt} is DES crypt: unsupported
}

// verifyDovecot is _pacrypt_dovecot() with doveadm's verification done
// natively: salted schemes are checked by "doveadm pw -t" (its own scheme
// parsing), unsalted ones are hashed again and compared.
func verifyDovecot(scheme, stored, password string) bool {
	if !strings.HasPrefix(stored, "{") {
		// Only the unsalted schemes can match a bare stored value: pacrypt()
		// drops the prefix of doveadm's answer before comparing.
		if encode, ok := dovecotUnsalted[scheme]; ok {
			return constantEqual(stored, encode(password))
		}
		return false
	}
	p := storedPrefixRE.FindStringSubmatch(stored)
	if p == nil {
		return false
	}
	rest := stored[len(p[0]):]
	switch strings.ToUpper(p[1]) {
	case "SHA512-CRYPT", "SHA256-CRYPT", "MD5-CRYPT", "BLF-CRYPT", "CRYPT":
		return verifyCrypt(rest, password)
	case "ARGON2I", "ARGON2ID":
		return verifyArgon2(rest, password)
	case "SSHA":
		return verifySalted(sha1.New(), rest, password)
	case "SSHA256":
		return verifySalted(sha256.New(), rest, password)
	case "SSHA512":
		return verifySalted(sha512.New(), rest, password)
	}
	if encode, ok := dovecotUnsalted[strings.ToUpper(p[1])]; ok {
		return constantEqual(stored, "{"+strings.ToUpper(p[1])+"}"+encode(password))
	}
	return false
}

// dovecotUnsalted are the unsalted schemes this package writes for
// dovecot:<S>, as doveadm encodes them (without the prefix).
var dovecotUnsalted = map[string]func(string) string{
	"SHA1":      digestString(sha1.New, base64.StdEncoding.EncodeToString),
	"SHA256":    digestString(sha256.New, base64.StdEncoding.EncodeToString),
	"SHA512":    digestString(sha512.New, base64.StdEncoding.EncodeToString),
	"PLAIN-MD5": digestString(md5.New, hex.EncodeToString),
	"CLEAR":     func(pw string) string { return pw },
	"CLEARTEXT": func(pw string) string { return pw },
	"PLAIN":     func(pw string) string { return pw },
}

func digestString(newHash func() hash.Hash, encode func([]byte) string) func(string) string {
	return func(pw string) string {
		d := newHash()
		d.Write([]byte(pw))
		return encode(d.Sum(nil))
	}
}

// digestEquals compares stored with prefix + encode(digest(password)), as
// PHP's hash_equals does: byte for byte, in constant time.
func digestEquals(stored, prefix string, d hash.Hash, password string, encode func([]byte) string) bool {
	d.Write([]byte(password))
	return constantEqual(stored, prefix+encode(d.Sum(nil)))
}

// saltedEquals is the library's salted SHA: the salt is what follows the
// digest in the stored value, and the whole string must come out the same
// (so only canonical base64 compares equal).
func saltedEquals(stored, prefix string, d hash.Hash, password string) bool {
	rest, ok := strings.CutPrefix(stored, prefix)
	if !ok {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && base64.StdEncoding.EncodeToString(raw) == rest && verifySalted(d, rest, password)
}

// verifyPasswordHash is PHP's password_verify(): argon2 or any crypt string.
func verifyPasswordHash(h, password string) bool {
	if strings.HasPrefix(h, "$argon2") {
		return verifyArgon2(h, password)
	}
	return verifyCrypt(h, password)
}

// verifySalted checks base64(digest(password || salt) || salt).
func verifySalted(d hash.Hash, rest, password string) bool {
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || d == nil || len(raw) <= d.Size() {
		return false
	}
	sum, salt := raw[:d.Size()], raw[d.Size():]
	d.Write([]byte(password))
	d.Write(salt)
	return subtle.ConstantTimeCompare(sum, d.Sum(nil)) == 1
}

// verifyCrypt is crypt(3) as PHP's crypt() checks it.
func verifyCrypt(h, password string) bool {
	var err error
	switch {
	case strings.HasPrefix(h, "$1$"):
		err = md5_crypt.New().Verify(h, []byte(password))
	case strings.HasPrefix(h, "$5$"):
		err = sha256_crypt.New().Verify(h, []byte(password))
	case strings.HasPrefix(h, "$6$"):
		err = sha512_crypt.New().Verify(h, []byte(password))
	case strings.HasPrefix(h, "$2a$"), strings.HasPrefix(h, "$2b$"), strings.HasPrefix(h, "$2y$"):
		err = bcrypt.CompareHashAndPassword([]byte(h), []byte(password))
	default: // PHP's crypt() knows no argon2; DES is unsupported here
		return false
	}
	return err == nil
}

func constantEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
