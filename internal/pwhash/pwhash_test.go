package pwhash

import (
	"strings"
	"testing"

	"postfixadmin-scim/internal/testfixture"
)

// Every hash PostfixAdmin master wrote in the samples verifies exactly as
// PostfixAdmin's own Login does: under the setting that wrote it and under
// the default setting. A wrong password never verifies.
func TestVerifyMasterSamples(t *testing.T) {
	for engine, accounts := range testfixture.Accounts(t, "") {
		for _, a := range accounts {
			t.Run(engine+"/"+a.Username, func(t *testing.T) {
				same, def := MustParse(a.Setting), MustParse(Default)
				if got := same.Verify(a.StoredHash, a.Plaintext); got != a.OKSameSetting {
					t.Errorf("under %q: verify = %v, PostfixAdmin says %v", a.Setting, got, a.OKSameSetting)
				}
				if got := def.Verify(a.StoredHash, a.Plaintext); got != a.OKDefaultSetup {
					t.Errorf("under default: verify = %v, PostfixAdmin says %v", got, a.OKDefaultSetup)
				}
				for _, s := range []Setting{same, def} {
					if s.Verify(a.StoredHash, a.Plaintext+"x") || s.Verify(a.StoredHash, "") {
						t.Errorf("under %q: a wrong password verified", s)
					}
				}
			})
		}
	}
}

// PostfixAdmin 3.3.16's hashes (constant-salt $1$, $6$, bare cleartext) verify
// under the setting that wrote them.
func TestVerify3316Samples(t *testing.T) {
	for engine, accounts := range testfixture.Accounts(t, "release-3.3.16") {
		for _, a := range accounts {
			s := MustParse(a.Setting)
			if !s.Verify(a.StoredHash, a.Plaintext) {
				t.Errorf("%s/%s under %q: right password rejected", engine, a.Username, a.Setting)
			}
			if s.Verify(a.StoredHash, "wrong-"+a.Plaintext) {
				t.Errorf("%s/%s under %q: wrong password accepted", engine, a.Username, a.Setting)
			}
		}
	}
}

// Each writable setting produces PostfixAdmin's stored format, and the result
// verifies under that setting and (where PostfixAdmin allows) the default.
func TestHashFormats(t *testing.T) {
	tests := []struct {
		setting, prefix string
		length          int // 0: any
		defaultVerifies bool
	}{
		{"php_crypt", "$2y$10$", 60, true},
		{"md5crypt", "$2y$10$", 60, true},
		{"php_crypt:SHA512", "$6$", 0, true},
		{"php_crypt:SHA512:5000", "$6$rounds=5000$", 0, true},
		{"php_crypt:SHA256", "$5$", 0, true},
		{"php_crypt:MD5", "$1$", 34, true},
		{"php_crypt:BLOWFISH:11", "$2y$11$", 60, true},
		{"php_crypt:SHA512::{SHA512-CRYPT}", "{SHA512-CRYPT}$6$", 0, true},
		{"SHA512-CRYPT", "{SHA512-CRYPT}$6$", 14 + 3 + 16 + 1 + 86, true},
		{"SHA512-CRYPT.B64", "{SHA512-CRYPT.B64}JDYk", 0, true},
		{"sha512.b64", "{SHA512-CRYPT.B64}JDYk", 0, true},
		{"SHA256-CRYPT", "{SHA256-CRYPT}$5$", 0, true},
		{"BLF-CRYPT", "{BLF-CRYPT}$2y$10$", 0, true},
		{"MD5-CRYPT", "{MD5-CRYPT}$1$", 0, true},
		{"ARGON2ID", "{ARGON2ID}$argon2id$v=19$m=65536,t=4,p=1$", 0, true},
		{"ARGON2I", "{ARGON2I}$argon2i$v=19$m=65536,t=4,p=1$", 0, true},
		{"SSHA", "{SSHA}", 0, true},
		{"SSHA512", "{SSHA512}", 0, true},
		{"SHA1", "{SHA1}", 0, true},
		{"SHA1.HEX", "{SHA1.HEX}", 10 + 40, true},
		{"SHA256", "{SHA256}", 0, true},
		{"SHA512", "{SHA512}", 0, true},
		{"PLAIN-MD5", "{PLAIN-MD5}", 11 + 32, true},
		{"md5", "", 32, false},
		{"COURIER:MD5", "{MD5}", 5 + 24, false}, // under php_crypt pacrypt() reads {MD5} as the library's bare-hex MD5
		{"COURIER:MD5RAW", "{MD5RAW}", 8 + 32, true},
		{"authlib", "{md5raw}", 8 + 32, false},
		{"cleartext", "{CLEARTEXT}", 0, true},
		{"CLEAR", "{CLEAR}", 0, true},
		{"dovecot:SHA512-CRYPT", "{SHA512-CRYPT}$6$", 0, true},
		{"dovecot:BLF-CRYPT", "{BLF-CRYPT}$2y$05$", 0, true},
		{"dovecot:ARGON2ID", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$", 0, true},
	}
	const pw = "Pässword-1"
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			s := MustParse(tt.setting)
			h, err := s.Hash(pw)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, tt.prefix) || (tt.length > 0 && len(h) != tt.length) {
				t.Fatalf("hash %q: want prefix %q and length %d", h, tt.prefix, tt.length)
			}
			if !s.Verify(h, pw) || s.Verify(h, pw+"!") {
				t.Errorf("own setting does not verify %q correctly", h)
			}
			if got := MustParse(Default).Verify(h, pw); got != tt.defaultVerifies {
				t.Errorf("default setting verify = %v, want %v", got, tt.defaultVerifies)
			}
		})
	}
}

func TestUnsupportedSettings(t *testing.T) {
	for _, s := range []string{"system", "php_crypt:DES", "dovecot:CRAM-MD5", "nonsense"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted a setting it cannot write", s)
		}
	}
}

func TestVerifyRejectsGarbage(t *testing.T) {
	def := MustParse(Default)
	for _, stored := range []string{"", "{SSHA}", "{SSHA}!!!", "$2y$10$short", "$argon2id$v=19$m=999999999,t=1,p=1$AAAA$AAAA", "{ARGON2ID}$argon2id$x", "{UNKNOWN}abc", "{SHA512-CRYPT.B64}%%%"} {
		if def.Verify(stored, "anything") {
			t.Errorf("Verify(%q) accepted", stored)
		}
	}
}
