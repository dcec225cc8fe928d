// Package testfixture locates PostfixAdmin's ground-truth files (schema dumps,
// sample rows and sample-accounts.json, written by PostfixAdmin itself; see
// testdata/postfixadmin/SOURCE.md) for tests and reads the sample accounts.
package testfixture

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the directory holding PostfixAdmin's schema dumps and samples:
// the copy in this package's testdata, or PFA_SCHEMA_DIR when set (to test
// against another PostfixAdmin release's dumps laid out the same way).
func Dir(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("PFA_SCHEMA_DIR")
	if d == "" {
		_, file, _, _ := runtime.Caller(0)
		d = filepath.Join(filepath.Dir(file), "testdata", "postfixadmin")
	}
	if _, err := os.Stat(filepath.Join(d, "sample-accounts.json")); err != nil {
		tb.Fatalf("PostfixAdmin fixtures not found at %s: %v", d, err)
	}
	return d
}

// Path joins parts below Dir.
func Path(tb testing.TB, parts ...string) string {
	return filepath.Join(append([]string{Dir(tb)}, parts...)...)
}

// Account is one row of sample-accounts.json.
type Account struct {
	Table          string `json:"table"`
	Username       string `json:"username"`
	Plaintext      string `json:"plaintext"`
	Setting        string `json:"encrypt_setting_when_written"`
	StoredHash     string `json:"stored_hash"`
	OKSameSetting  bool   `json:"postfixadmin_login_ok_with_same_setting"`
	OKDefaultSetup bool   `json:"postfixadmin_login_ok_with_default_setting"`
}

// Accounts reads sample-accounts.json of a release folder ("" for master),
// keyed by engine: "mysql", "pgsql", "sqlite".
func Accounts(tb testing.TB, release string) map[string][]Account {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, release, "sample-accounts.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var out map[string][]Account
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}
