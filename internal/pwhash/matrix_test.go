package pwhash

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

// The settings of the format × setting table: every $CONF['encrypt'] value
// PostfixAdmin master accepts that this package can write.
var (
	phpCryptMethods = []string{"php_crypt:MD5", "php_crypt:SHA256", "php_crypt:SHA512", "php_crypt:BLOWFISH"}
	cryptSettings   = []string{"php_crypt", "md5crypt", "crypt"}
	librarySettings = []string{"SHA512-CRYPT", "SHA512-CRYPT.B64", "sha512.b64", "SHA256-CRYPT", "SHA256-CRYPT.B64",
		"BLF-CRYPT", "BLF-CRYPT.B64", "MD5-CRYPT", "ARGON2I", "ARGON2I.B64", "ARGON2ID", "ARGON2ID.B64",
		"SSHA", "SSHA512", "SHA1", "SHA1.B64", "SHA1.HEX", "SHA256", "SHA512", "PLAIN-MD5", "md5", "md5raw",
		"COURIER:MD5", "COURIER:MD5RAW", "COURIER:SSHA", "COURIER:SHA256", "cleartext", "CLEAR", "PLAIN"}
	dovecotSettings = []string{"dovecot:SHA512-CRYPT", "dovecot:BLF-CRYPT", "dovecot:ARGON2ID"}
	authlib         = []string{"authlib"}
)

func union(sets ...[]string) []string { return slices.Concat(sets...) }

// Every stored format × every setting: does PostfixAdmin master's Login
// accept the right password? The expected sets follow pacrypt()
// (functions.inc.php) and postfixadmin/pacrypt's Crypt::crypt() at the tag
// PostfixAdmin 4.0/master require, read step by step:
//   - "php_crypt:<METHOD>" matches /^PHP_CRYPT:(DES|MD5|BLOWFISH|SHA256|SHA512):?/
//     first: an upper-case {PREFIX} is split off and crypt() gets the rest,
//     so only crypt strings verify there;
//   - "authlib" returns from _pacrypt_authlib(): flavor md5raw/md5/SHA by the
//     start of what the braces hold, so {SHA1} and {MD5RAW} verify there too;
//   - a stored {X} (any case) replaces the setting, taken as written, unless
//     the setting is "dovecot:X" or "courier:X" — so under php_crypt, {SHA1.B64}
//     goes to the library (which writes "{SHA1.B64}" + base64(sha1)) and
//     verifies, while {MD5} goes to the library's bare-hex MD5 and does not;
//   - "MD5RAW" (case-sensitive) becomes COURIER:MD5RAW, a stored $1$ or $6$
//     makes it SYSTEM (plain crypt()), "SHA512.B64" becomes SHA512-CRYPT.B64
//     (so a stored {SHA512.B64} never verifies);
//   - Crypt's constructor throws outside Crypt::SUPPORTED ({SHA}, {SMD5},
//     {LDAP-MD5}, {SSHA256}, {md5raw}), and each scheme compares its own
//     upper-case prefix, so {ssha} fails;
//   - CLEAR/PLAIN/CLEARTEXT answer the bare password when "{M}pw" is not
//     stored, so a bare stored password verifies under those settings.
func TestFormatSettingMatrix(t *testing.T) {
	const pw = "Matrix-Pw-1"
	// bcrypt and argon2 at their lowest costs: 1 600 cells must stay quick.
	cheap := map[string]func(string) (string, error){
		"php_crypt": bcryptHash(4, ""),
		"BLF-CRYPT": bcryptHash(4, "{BLF-CRYPT}"),
		"ARGON2I":   argon2Hash("{ARGON2I}", argon2Params{memory: 64, time: 1, threads: 1}),
		"ARGON2ID":  argon2Hash("{ARGON2ID}", argon2Params{id: true, memory: 64, time: 1, threads: 1}),
	}
	hashed := func(setting string) string {
		hash := MustParse(setting).hash
		if base, ok := strings.CutSuffix(setting, ".B64"); ok && cheap[base] != nil {
			hash = func(pw string) (string, error) {
				h, err := cheap[base](pw)
				return "{" + setting + "}" + base64.StdEncoding.EncodeToString([]byte(strings.TrimPrefix(h, "{"+base+"}"))), err
			}
		} else if cheap[setting] != nil {
			hash = cheap[setting]
		}
		h, err := hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	md5hex := hex.EncodeToString(md5Sum(pw))
	md5b64 := base64.StdEncoding.EncodeToString(md5Sum(pw))
	sha1b64 := base64.StdEncoding.EncodeToString(sha1Sum(pw))
	prefixed := union(cryptSettings, librarySettings, dovecotSettings) // take the scheme from the stored prefix
	allButAuthlib := union(phpCryptMethods, prefixed)
	formats := []struct {
		name, stored string
		accepted     []string
	}{
		{"bare bcrypt", hashed("php_crypt"), union(phpCryptMethods, cryptSettings)},
		{"bare sha256-crypt", hashed("php_crypt:SHA256"), union(phpCryptMethods, cryptSettings)},
		{"bare sha512-crypt", hashed("php_crypt:SHA512"), allButAuthlib},
		{"bare md5-crypt", hashed("php_crypt:MD5"), allButAuthlib},
		{"bare argon2id", hashed("ARGON2ID")[len("{ARGON2ID}"):], nil},
		{"{SHA512-CRYPT}", hashed("SHA512-CRYPT"), allButAuthlib},
		{"{SHA256-CRYPT}", hashed("SHA256-CRYPT"), allButAuthlib},
		{"{BLF-CRYPT}", hashed("BLF-CRYPT"), allButAuthlib},
		{"{MD5-CRYPT}", hashed("MD5-CRYPT"), allButAuthlib},
		{"{CRYPT}", "{CRYPT}" + hashed("php_crypt"), allButAuthlib},
		{"{SHA512-CRYPT.B64}", hashed("SHA512-CRYPT.B64"), prefixed},
		{"{SHA256-CRYPT.B64}", hashed("SHA256-CRYPT.B64"), prefixed},
		{"{BLF-CRYPT.B64}", hashed("BLF-CRYPT.B64"), prefixed},
		{"{ARGON2I}", hashed("ARGON2I"), prefixed},
		{"{ARGON2I.B64}", hashed("ARGON2I.B64"), prefixed},
		{"{ARGON2ID}", hashed("ARGON2ID"), prefixed},
		{"{ARGON2ID.B64}", hashed("ARGON2ID.B64"), prefixed},
		{"{SSHA}", hashed("SSHA"), prefixed},
		{"{SSHA512}", hashed("SSHA512"), prefixed},
		{"{SHA1.HEX}", hashed("SHA1.HEX"), prefixed},
		{"{SHA256}", hashed("SHA256"), prefixed},
		{"{SHA512}", hashed("SHA512"), prefixed},
		{"{PLAIN-MD5}", hashed("PLAIN-MD5"), prefixed},
		{"{CLEARTEXT}", hashed("cleartext"), prefixed},
		{"{CLEAR}", hashed("CLEAR"), prefixed},
		{"{PLAIN}", hashed("PLAIN"), prefixed},
		{"{SHA1}", hashed("SHA1"), union(prefixed, authlib)},
		{"{SHA1.B64}", hashed("SHA1.B64"), union(prefixed, authlib)},
		{"{MD5RAW}", hashed("COURIER:MD5RAW"), union(prefixed, authlib)},
		{"{MD5} (courier)", hashed("COURIER:MD5"), union([]string{"COURIER:MD5"}, authlib)},
		{"{md5raw} (authlib)", hashed("authlib"), authlib},
		{"{md5} (authlib)", "{md5}" + md5b64, authlib},
		{"{SHA} (authlib)", "{SHA}" + sha1b64, authlib},
		{"bare md5 hex", md5hex, []string{"md5"}},
		{"bare password (3.3 cleartext)", pw, []string{"cleartext", "CLEAR", "PLAIN"}},
		{"{SMD5} (not in the library)", "{SMD5}" + md5b64, nil},
		{"{LDAP-MD5} (not in the library)", "{LDAP-MD5}" + md5b64, nil},
		{"{SSHA256} (not in the library)", "{SSHA256}" + hashed("SSHA")[len("{SSHA}"):], nil},
		{"{SHA512.B64} (read as SHA512-CRYPT.B64)", "{SHA512.B64}" + hashed("SHA512")[len("{SHA512}"):], nil},
		{"{ssha} (lower case)", "{ssha}" + hashed("SSHA")[len("{SSHA}"):], nil},
		{"{PLAIN-MD5} upper-case hex", "{PLAIN-MD5}" + upperHex(md5hex), nil},
	}
	settings := union(allButAuthlib, authlib)
	cells, accepted := 0, 0
	for _, f := range formats {
		for _, name := range settings {
			s := MustParse(name)
			want := slices.Contains(f.accepted, name)
			if got := s.Verify(f.stored, pw); got != want {
				t.Errorf("%s under %q: verify = %v, PostfixAdmin's Login %v (stored %q)", f.name, name, got, want, f.stored)
			}
			if s.Verify(f.stored, pw+"x") {
				t.Errorf("%s under %q: a wrong password verified", f.name, name)
			}
			cells++
			if want {
				accepted++
			}
		}
	}
	t.Logf("%d formats × %d settings = %d cells, %d accept", len(formats), len(settings), cells, accepted)
}

// PostfixAdmin refuses these settings (Crypt's constructor throws, or
// pacrypt() dies), so the server refuses to start with them rather than
// store hashes PostfixAdmin cannot verify.
func TestSettingsPostfixAdminRefuses(t *testing.T) {
	for _, s := range []string{"SSHA256", "courier:SHA1", "courier:SSHA512", "SHA256.B64", "SMD5", "LDAP-MD5",
		"dovecot:DIGEST-MD5", "php_crypt:FOO", "system", "php_crypt:DES", "dovecot:CRAM-MD5", "nonsense", ""} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted a setting PostfixAdmin (or this package) cannot use", s)
		}
	}
}

func md5Sum(s string) []byte  { h := md5.Sum([]byte(s)); return h[:] }
func sha1Sum(s string) []byte { h := sha1.Sum([]byte(s)); return h[:] }

func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
