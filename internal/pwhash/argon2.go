package pwhash

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2Params are the cost parameters of a PHC string
// "$argon2id$v=19$m=65536,t=4,p=1$<salt>$<hash>" (PHP's password_hash format).
type argon2Params struct {
	id      bool
	memory  uint32
	time    uint32
	threads uint8
}

var b64 = base64.RawStdEncoding

func verifyArgon2(phc, password string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[2] != "v=19" {
		return false
	}
	p := argon2Params{id: parts[1] == "argon2id"}
	if !p.id && parts[1] != "argon2i" {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	sum, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(sum) == 0 || p.time == 0 || p.threads == 0 || p.memory > 1<<22 {
		return false // a memory cap keeps a hostile hash from exhausting RAM
	}
	got := p.key(password, salt, uint32(len(sum)))
	return subtle.ConstantTimeCompare(sum, got) == 1
}

func (p argon2Params) key(password string, salt []byte, n uint32) []byte {
	if p.id {
		return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, n)
	}
	return argon2.Key([]byte(password), salt, p.time, p.memory, p.threads, n)
}

func (p argon2Params) hash(password string, salt []byte) string {
	name := "argon2i"
	if p.id {
		name = "argon2id"
	}
	sum := p.key(password, salt, 32)
	return fmt.Sprintf("$%s$v=19$m=%d,t=%d,p=%d$%s$%s", name, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}
