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
	"strings"

	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/bcrypt"
)

// prefixRE matches a stored "{SCHEME}" prefix as pacrypt() recognises it.
var prefixRE = regexp.MustCompile(`^\{([0-9A-Za-z.-]+)\}`)

var bareMD5RE = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// Verify reports whether password matches the stored hash, accepting exactly
// what PostfixAdmin (master/4.0) accepts under the setting s, except the
// unsupported formats listed in the package comment, which never match.
func (s Setting) Verify(stored, password string) bool {
	if stored == "" || password == "" {
		return false
	}
	if s.family == familyAuthlib {
		// With authlib configured, PostfixAdmin verifies authlib hashes only.
		m := prefixRE.FindStringSubmatch(stored)
		if m == nil {
			return false
		}
		return verifyAuthlib(m[1], stored[len(m[0]):], password)
	}
	if m := prefixRE.FindStringSubmatch(stored); m != nil {
		if m[1] == "md5raw" {
			// pacrypt() takes the scheme as written; the lower-case authlib
			// flavour is unknown to the hashing library outside authlib.
			return false
		}
		return verifyScheme(strings.ToUpper(m[1]), stored[len(m[0]):], password)
	}
	switch {
	case strings.HasPrefix(stored, "$1$"), strings.HasPrefix(stored, "$6$"):
		return verifyCrypt(stored, password) // pacrypt() step 7: always plain crypt()
	case strings.HasPrefix(stored, "$"):
		// Other bare crypt strings reach crypt() only when the setting is a crypt one.
		return s.family == familyCrypt && verifyCrypt(stored, password)
	case bareMD5RE.MatchString(stored):
		return s.family == familyBareMD5 && equalHex(stored, md5.Sum([]byte(password)))
	default:
		// PostfixAdmin 3.3's "cleartext" stored the bare password.
		return s.family == familyCleartext && constantEqual(stored, password)
	}
}

func verifyAuthlib(flavor, rest, password string) bool {
	switch strings.ToLower(flavor) {
	case "md5raw":
		return equalHex(rest, md5.Sum([]byte(password)))
	case "md5":
		return equalBase64(rest, md5.New(), password, nil)
	case "sha":
		return equalBase64(rest, sha1.New(), password, nil)
	}
	return false // {crypt} is DES crypt: unsupported
}

// verifyScheme checks the part after a {SCHEME} prefix.
func verifyScheme(scheme, rest, password string) bool {
	if base, ok := strings.CutSuffix(scheme, ".B64"); ok {
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return false
		}
		return verifyScheme(base, string(raw), password)
	}
	if base, ok := strings.CutSuffix(scheme, ".HEX"); ok {
		if d := digestOf(base); d != nil {
			d.Write([]byte(password))
			return equalHexBytes(rest, d.Sum(nil))
		}
		return false
	}
	switch scheme {
	case "CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "MD5-CRYPT", "BLF-CRYPT", "SYSTEM":
		return verifyCrypt(rest, password)
	case "ARGON2I", "ARGON2ID":
		return verifyArgon2(rest, password)
	case "CLEARTEXT", "CLEAR", "PLAIN":
		return constantEqual(rest, password)
	case "PLAIN-MD5", "MD5RAW":
		return equalHex(rest, md5.Sum([]byte(password)))
	case "MD5":
		// Dovecot's {MD5} is md5-crypt; Courier's is a base64 MD5 digest.
		if strings.HasPrefix(rest, "$1$") {
			return verifyCrypt(rest, password)
		}
		return equalBase64(rest, md5.New(), password, nil)
	case "LDAP-MD5":
		return equalBase64(rest, md5.New(), password, nil)
	case "SHA", "SHA1", "SHA256", "SHA512":
		return equalBase64(rest, digestOf(scheme), password, nil)
	case "SMD5", "SSHA", "SSHA256", "SSHA512":
		return verifySalted(digestOf(strings.TrimPrefix(scheme, "S")), rest, password)
	}
	return false
}

func digestOf(name string) hash.Hash {
	switch name {
	case "MD5", "PLAIN-MD5":
		return md5.New()
	case "SHA", "SHA1":
		return sha1.New()
	case "SHA256":
		return sha256.New()
	case "SHA512":
		return sha512.New()
	}
	return nil
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

// verifyCrypt checks a crypt(3) string.
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
	case strings.HasPrefix(h, "$argon2"):
		return verifyArgon2(h, password)
	default:
		return false
	}
	return err == nil
}

func equalBase64(stored string, d hash.Hash, password string, salt []byte) bool {
	raw, err := base64.StdEncoding.DecodeString(stored)
	if err != nil || d == nil {
		return false
	}
	d.Write([]byte(password))
	d.Write(salt)
	return subtle.ConstantTimeCompare(raw, d.Sum(nil)) == 1
}

func equalHex(stored string, sum [md5.Size]byte) bool { return equalHexBytes(stored, sum[:]) }

func equalHexBytes(stored string, sum []byte) bool {
	raw, err := hex.DecodeString(stored)
	return err == nil && subtle.ConstantTimeCompare(raw, sum) == 1
}

func constantEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
