package pwhash

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/bcrypt"

	"postfixadmin-scim/internal/fault"
)

type family int

const (
	familyOther     family = iota
	familyCrypt            // php_crypt, md5crypt, crypt: every bare crypt() string verifies
	familyAuthlib          // only authlib hashes verify
	familyBareMD5          // "md5": bare hex MD5 verifies
	familyCleartext        // "cleartext": a bare password (3.3) verifies
)

// Default is PostfixAdmin's default setting since 4.0 ("php_crypt", bcrypt $2y$10$).
const Default = "php_crypt"

// Setting is a parsed $CONF['encrypt'] value.
type Setting struct {
	name   string
	family family
	hash   func(password string) (string, error)
}

func (s Setting) String() string { return s.name }

// Hash returns a new hash of password in exactly the format PostfixAdmin
// stores under this setting (salts are random).
func (s Setting) Hash(password string) (string, error) {
	h, err := s.hash(password)
	if errors.Is(err, bcrypt.ErrPasswordTooLong) {
		// PHP would silently cut the password at 72 bytes; refuse instead.
		return "", &fault.Error{Kind: fault.Invalid, Detail: "password is longer than the 72 bytes bcrypt can store", Err: err}
	}
	return h, err
}

// Parse reads a $CONF['encrypt'] value. Settings this package cannot write
// (DES-based ones, external doveadm schemes it does not know) are an error.
func Parse(setting string) (Setting, error) {
	s := Setting{name: setting}
	upper := strings.ToUpper(strings.TrimSpace(setting))
	var err error
	switch {
	case upper == "PHP_CRYPT" || upper == "MD5CRYPT" || upper == "CRYPT":
		// On PostfixAdmin 4.0+ both php_crypt and md5crypt write bcrypt.
		s.family, s.hash = familyCrypt, bcryptHash(10, "")
	case strings.HasPrefix(upper, "PHP_CRYPT:"):
		s.family = familyCrypt
		s.hash, err = phpCrypt(strings.Split(strings.TrimSpace(setting), ":")[1:])
	case upper == "AUTHLIB":
		s.family, s.hash = familyAuthlib, digestHash("{md5raw}", md5.New, hex.EncodeToString)
	case upper == "MD5":
		s.family, s.hash = familyBareMD5, digestHash("", md5.New, hex.EncodeToString)
	case upper == "CLEARTEXT":
		s.family, s.hash = familyCleartext, plain("{CLEARTEXT}")
	case strings.HasPrefix(upper, "DOVECOT:"):
		s.hash, err = dovecotScheme(strings.TrimPrefix(upper, "DOVECOT:"))
	case strings.HasPrefix(upper, "COURIER:"):
		s.hash, err = courierScheme(strings.TrimPrefix(upper, "COURIER:"))
	case upper == "SHA512.B64":
		s.hash, err = libraryScheme("SHA512-CRYPT.B64")
	default:
		s.hash, err = libraryScheme(upper)
	}
	if err != nil {
		return Setting{}, fmt.Errorf("password scheme %q: %w", setting, err)
	}
	return s, nil
}

// MustParse is Parse for settings known to be valid.
func MustParse(setting string) Setting {
	s, err := Parse(setting)
	if err != nil {
		panic(err)
	}
	return s
}

// libraryScheme covers the schemes of PostfixAdmin's hashing library
// (postfixadmin/pacrypt Crypt), with their ".B64" variants.
func libraryScheme(scheme string) (func(string) (string, error), error) {
	if base, ok := strings.CutSuffix(scheme, ".B64"); ok && base != "SHA1" {
		inner, err := libraryScheme(base)
		if err != nil {
			return nil, err
		}
		return func(pw string) (string, error) {
			h, err := inner(pw)
			if err != nil {
				return "", err
			}
			_, crypted, _ := strings.Cut(h, "}")
			return "{" + scheme + "}" + base64.StdEncoding.EncodeToString([]byte(crypted)), nil
		}, nil
	}
	switch scheme {
	case "SHA512-CRYPT":
		return shaCrypt("{SHA512-CRYPT}", "$6$", hexSalt(16)), nil
	case "SHA256-CRYPT":
		return shaCrypt("{SHA256-CRYPT}", "$5$", hexSalt(16)), nil
	case "MD5-CRYPT":
		return shaCrypt("{MD5-CRYPT}", "$1$", hexSalt(8)), nil
	case "BLF-CRYPT":
		return bcryptHash(10, "{BLF-CRYPT}"), nil
	case "ARGON2I":
		return argon2Hash("{ARGON2I}", argon2Params{memory: 65536, time: 4, threads: 1}), nil
	case "ARGON2ID":
		return argon2Hash("{ARGON2ID}", argon2Params{id: true, memory: 65536, time: 4, threads: 1}), nil
	case "SSHA":
		return saltedHash("{SSHA}", sha1.New, 4), nil
	case "SSHA256":
		return saltedHash("{SSHA256}", sha256.New, 4), nil
	case "SSHA512":
		return saltedHash("{SSHA512}", sha512.New, 24), nil
	case "SHA1", "SHA1.B64":
		return digestHash("{"+scheme+"}", sha1.New, base64.StdEncoding.EncodeToString), nil
	case "SHA1.HEX":
		return digestHash("{SHA1.HEX}", sha1.New, hex.EncodeToString), nil
	case "SHA256":
		return digestHash("{SHA256}", sha256.New, base64.StdEncoding.EncodeToString), nil
	case "SHA512":
		return digestHash("{SHA512}", sha512.New, base64.StdEncoding.EncodeToString), nil
	case "PLAIN-MD5":
		return digestHash("{PLAIN-MD5}", md5.New, hex.EncodeToString), nil
	case "MD5RAW":
		return digestHash("{MD5RAW}", md5.New, hex.EncodeToString), nil
	case "CLEAR", "PLAIN":
		return plain("{" + scheme + "}"), nil
	}
	return nil, fmt.Errorf("not supported")
}

// dovecotScheme reproduces what "doveadm pw -s <scheme>" writes.
func dovecotScheme(scheme string) (func(string) (string, error), error) {
	switch scheme {
	case "SHA512-CRYPT":
		return shaCrypt("{SHA512-CRYPT}", "$6$", cryptSalt(16)), nil
	case "SHA256-CRYPT":
		return shaCrypt("{SHA256-CRYPT}", "$5$", cryptSalt(16)), nil
	case "MD5-CRYPT":
		return shaCrypt("{MD5-CRYPT}", "$1$", cryptSalt(8)), nil
	case "BLF-CRYPT":
		return bcryptHash(5, "{BLF-CRYPT}"), nil
	case "ARGON2I":
		return argon2Hash("{ARGON2I}", argon2Params{memory: 65536, time: 3, threads: 1}), nil
	case "ARGON2ID":
		return argon2Hash("{ARGON2ID}", argon2Params{id: true, memory: 65536, time: 3, threads: 1}), nil
	}
	return libraryScheme(scheme)
}

func courierScheme(scheme string) (func(string) (string, error), error) {
	switch scheme {
	case "MD5":
		return digestHash("{MD5}", md5.New, base64.StdEncoding.EncodeToString), nil
	case "MD5RAW":
		return digestHash("{MD5RAW}", md5.New, hex.EncodeToString), nil
	case "SHA1":
		return digestHash("{SHA}", sha1.New, base64.StdEncoding.EncodeToString), nil
	case "SSHA", "SHA256":
		return libraryScheme(scheme)
	}
	return nil, fmt.Errorf("not supported")
}

// phpCrypt handles "php_crypt:<ALGO>[:<cost or rounds>[:<{PREFIX}>]]".
func phpCrypt(parts []string) (func(string) (string, error), error) {
	algo := strings.ToUpper(parts[0])
	cost := 0
	if len(parts) > 1 && parts[1] != "" {
		n, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, fmt.Errorf("bad cost %q", parts[1])
		}
		cost = n
	}
	prefix := ""
	if len(parts) > 2 {
		prefix = parts[2]
	}
	switch algo {
	case "BLOWFISH":
		if cost == 0 {
			cost = 10
		}
		return bcryptHash(cost, prefix), nil
	case "SHA512", "SHA256":
		id := map[string]string{"SHA512": "$6$", "SHA256": "$5$"}[algo]
		if cost > 0 {
			id += fmt.Sprintf("rounds=%d$", cost)
		}
		return shaCrypt(prefix, id, cryptSalt(16)), nil
	case "MD5":
		return shaCrypt(prefix, "$1$", cryptSalt(8)), nil
	}
	return nil, fmt.Errorf("algorithm %s not supported", algo)
}

func bcryptHash(cost int, prefix string) func(string) (string, error) {
	return func(pw string) (string, error) {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
		if err != nil {
			return "", err
		}
		// Same algorithm; PHP writes the "$2y$" identifier.
		return prefix + "$2y$" + string(h[4:]), nil
	}
}

func shaCrypt(prefix, id string, salt func() string) func(string) (string, error) {
	return func(pw string) (string, error) {
		var gen interface {
			Generate(key, salt []byte) (string, error)
		}
		switch {
		case strings.HasPrefix(id, "$6$"):
			gen = sha512_crypt.New()
		case strings.HasPrefix(id, "$5$"):
			gen = sha256_crypt.New()
		default:
			gen = md5_crypt.New()
		}
		h, err := gen.Generate([]byte(pw), []byte(id+salt()))
		return prefix + h, err
	}
}

func argon2Hash(prefix string, p argon2Params) func(string) (string, error) {
	return func(pw string) (string, error) {
		return prefix + p.hash(pw, randomBytes(16)), nil
	}
}

func saltedHash(prefix string, newHash func() hash.Hash, saltLen int) func(string) (string, error) {
	return func(pw string) (string, error) {
		salt := []byte(cryptSalt(saltLen)())
		d := newHash()
		d.Write([]byte(pw))
		d.Write(salt)
		return prefix + base64.StdEncoding.EncodeToString(append(d.Sum(nil), salt...)), nil
	}
}

func digestHash(prefix string, newHash func() hash.Hash, encode func([]byte) string) func(string) (string, error) {
	return func(pw string) (string, error) {
		d := newHash()
		d.Write([]byte(pw))
		return prefix + encode(d.Sum(nil)), nil
	}
}

func plain(prefix string) func(string) (string, error) {
	return func(pw string) (string, error) { return prefix + pw, nil }
}

// hexSalt is PostfixAdmin's library salt: hex characters.
func hexSalt(n int) func() string {
	return func() string { return hex.EncodeToString(randomBytes(n))[:n] }
}

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// cryptSalt draws from crypt(3)'s alphabet, as PHP's crypt callers and doveadm do.
func cryptSalt(n int) func() string {
	return func() string {
		b := randomBytes(n)
		for i := range b {
			b[i] = cryptAlphabet[int(b[i])%len(cryptAlphabet)]
		}
		return string(b)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}
