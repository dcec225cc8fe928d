package pwhash

import "testing"

// Verifying a password in the formats admins' hashes come in (make bench):
// what a Basic request costs before the verified-password cache has it.
func BenchmarkVerify(b *testing.B) {
	for _, scheme := range []string{"php_crypt", "php_crypt:SHA512", "dovecot:SHA512-CRYPT", "dovecot:SSHA512", "md5crypt"} {
		s, err := Parse(scheme)
		if err != nil {
			b.Fatal(err)
		}
		h, err := s.Hash("Secret123!")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(scheme, func(b *testing.B) {
			for b.Loop() {
				if !s.Verify(h, "Secret123!") {
					b.Fatal("no match")
				}
			}
		})
	}
}
