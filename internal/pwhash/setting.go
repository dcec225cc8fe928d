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
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt/md5_crypt"
	"github.com/GehirnInc/crypt/sha256_crypt"
	"github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/bcrypt"

	"postfixadmin-scim/internal/fault"
)

// Default is PostfixAdmin's default setting since 4.0 ("php_crypt", bcrypt $2y$10$).
const Default = "php_crypt"

// Setting is a parsed $CONF['encrypt'] value.
type Setting struct {
	name string
	// mechanism is strtoupper($CONF['encrypt']), where pacrypt() starts.
	mechanism string
	// phpCrypt marks "php_crypt:<METHOD>…", which pacrypt() hands to
	// crypt() before looking at anything else.
	phpCrypt bool
	hash     func(password string) (string, error)
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

// librarySchemes is postfixadmin/pacrypt's Crypt::SUPPORTED: a mechanism
// outside it makes pacrypt() throw, so PostfixAdmin can neither write nor
// verify with it.
var librarySchemes = []string{
	"COURIER:MD5", "COURIER:MD5RAW", "COURIER:SSHA", "COURIER:SHA256",
	"SHA1", "SHA1.HEX", "SHA1.B64", "SSHA", "SSHA512",
	"BLF-CRYPT", "BLF-CRYPT.B64", "SHA512-CRYPT", "SHA512-CRYPT.B64",
	"ARGON2I", "ARGON2I.B64", "ARGON2ID", "ARGON2ID.B64",
	"SHA256", "SHA256-CRYPT", "SHA256-CRYPT.B64", "SHA512", "SHA512.B64",
	"MD5-CRYPT", "PLAIN-MD5", "MD5", "CRYPT", "SYSTEM", "PLAIN", "CLEAR", "CLEARTEXT",
}

// Parse reads a $CONF['encrypt'] value. Settings PostfixAdmin itself
// refuses (its hashing library throws on them) are an error, as are those
// this package cannot write (DES-based ones, doveadm schemes it does not
// know).
func Parse(setting string) (Setting, error) {
	upper := strings.ToUpper(strings.TrimSpace(setting))
	s := Setting{name: setting, mechanism: upper}
	var err error
	switch m := newHashMechanism(upper); {
	case phpCryptRE.MatchString(upper):
		s.phpCrypt = true
		s.hash, err = phpCrypt(strings.Split(strings.TrimSpace(setting), ":")[1:])
	case m == "CRYPT":
		// On PostfixAdmin 4.0+ php_crypt, md5crypt and crypt write bcrypt.
		s.hash = bcryptHash(10, "")
	case m == "AUTHLIB":
		// authlib_default_flavor's default, md5raw.
		s.hash = digestHash("{md5raw}", md5.New, hex.EncodeToString)
	case strings.HasPrefix(m, "DOVECOT:"):
		s.hash, err = dovecotScheme(strings.TrimPrefix(m, "DOVECOT:"))
	case slices.Contains(librarySchemes, m):
		s.hash, err = libraryScheme(m)
	default:
		err = errors.New("PostfixAdmin's pacrypt() does not know it")
	}
	if err != nil {
		return Setting{}, fmt.Errorf("password scheme %q: %w", setting, err)
	}
	return s, nil
}

var phpCryptRE = regexp.MustCompile(`^PHP_CRYPT:(DES|MD5|BLOWFISH|SHA256|SHA512):?`)

// newHashMechanism is the mechanism pacrypt() hashes a new password with:
// its decision tree without a stored hash.
func newHashMechanism(upper string) string {
	switch upper {
	case "PHP_CRYPT", "MD5CRYPT":
		return "CRYPT"
	case "MD5RAW":
		return "COURIER:MD5RAW"
	case "SHA512.B64":
		return "SHA512-CRYPT.B64"
	}
	return upper
}

// MustParse is Parse for settings known to be valid.
func MustParse(setting string) Setting {
	s, err := Parse(setting)
	if err != nil {
		panic(err)
	}
	return s
}

// libraryScheme writes a mechanism of PostfixAdmin's hashing library
// (postfixadmin/pacrypt Crypt::crypt() without a stored hash).
func libraryScheme(scheme string) (func(string) (string, error), error) {
	switch scheme {
	case "SHA512-CRYPT.B64", "SHA256-CRYPT.B64", "BLF-CRYPT.B64", "ARGON2I.B64", "ARGON2ID.B64":
		inner, err := libraryScheme(strings.TrimSuffix(scheme, ".B64"))
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
	case "SSHA", "COURIER:SSHA":
		return saltedHash("{SSHA}", sha1.New, 4), nil
	case "SSHA512":
		return saltedHash("{SSHA512}", sha512.New, 24), nil
	case "SHA1", "SHA1.B64":
		return digestHash("{"+scheme+"}", sha1.New, base64.StdEncoding.EncodeToString), nil
	case "SHA1.HEX":
		return digestHash("{SHA1.HEX}", sha1.New, hex.EncodeToString), nil
	case "SHA256", "COURIER:SHA256":
		return digestHash("{SHA256}", sha256.New, base64.StdEncoding.EncodeToString), nil
	case "SHA512":
		return digestHash("{SHA512}", sha512.New, base64.StdEncoding.EncodeToString), nil
	case "PLAIN-MD5":
		return digestHash("{PLAIN-MD5}", md5.New, hex.EncodeToString), nil
	case "MD5":
		return digestHash("", md5.New, hex.EncodeToString), nil
	case "COURIER:MD5":
		return digestHash("{MD5}", md5.New, base64.StdEncoding.EncodeToString), nil
	case "COURIER:MD5RAW":
		return digestHash("{MD5RAW}", md5.New, hex.EncodeToString), nil
	case "CLEAR", "PLAIN", "CLEARTEXT":
		return plain("{" + scheme + "}"), nil
	}
	return nil, fmt.Errorf("not supported") // SYSTEM: DES crypt
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
	case "SSHA256":
		return saltedHash("{SSHA256}", sha256.New, 4), nil
	case "SHA1", "SHA256", "SHA512", "SSHA", "SSHA512", "PLAIN-MD5", "CLEAR", "CLEARTEXT", "PLAIN":
		return libraryScheme(scheme) // the same strings as doveadm's
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
