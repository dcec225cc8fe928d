package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

var rules = DomainRules{
	Defaults:       store.Domain{MaxAliases: 10, MaxMailboxes: 10, MaxQuotaMB: 10, QuotaMB: 2048, Transport: "virtual", PasswordExpiryDays: 365},
	DefaultAliases: map[string]string{"postmaster": "root", "Abuse": "abuse@elsewhere.example"},
	VacationDomain: "autoreply.example.org",
}

func ptr[T any](v T) *T { return &v }

func TestNormalizeDomainName(t *testing.T) {
	for in, want := range map[string]string{"Example.ORG": "example.org", " a-b.example.co.uk ": "a-b.example.co.uk", "xn--bcher-kva.example": "xn--bcher-kva.example"} {
		if got, err := NormalizeDomainName(in); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "ALL", "all", "localhost", "a..b", "a b.com", "bücher.example", "x.toolongtldnamehere", "-"} {
		if _, err := NormalizeDomainName(bad); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}

func TestNewDomainTakesDefaults(t *testing.T) {
	d, err := rules.NewDomain(DomainInput{Schemas: []string{DomainSchema}, Name: "New.Example", MaxQuotaMB: ptr[int64](-1), Active: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Domain{Name: "new.example", MaxAliases: 10, MaxMailboxes: 10, MaxQuotaMB: -1, QuotaMB: 2048, Transport: "virtual", PasswordExpiryDays: 365}
	if d != want {
		t.Errorf("got %+v\nwant %+v", d, want)
	}
	for name, in := range map[string]DomainInput{
		"no schema":       {Name: "a.example"},
		"wrong schema":    {Schemas: []string{"urn:x"}, Name: "a.example"},
		"vacation domain": {Schemas: []string{DomainSchema}, Name: "autoreply.example.org"},
		"invalid name":    {Schemas: []string{DomainSchema}, Name: "nope"},
	} {
		if _, err := rules.NewDomain(in); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReplaceDomain(t *testing.T) {
	cur := store.Domain{Name: "a.example", Description: "old", MaxAliases: 99, MaxMailboxes: 5, MaxQuotaMB: 1, QuotaMB: 1,
		Transport: "relay", BackupMX: true, Active: false, PasswordExpiryDays: 7}
	d, err := rules.ReplaceDomain(cur, DomainInput{Schemas: []string{"urn:ietf:params:scim:schema:audriga:core:2.0:Domain"}, Name: "A.example", MaxMailboxes: ptr[int64](0)})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Domain{Name: "a.example", MaxAliases: 10, MaxMailboxes: 0, MaxQuotaMB: 10, QuotaMB: 2048, Transport: "virtual", Active: false, PasswordExpiryDays: 365}
	if d != want {
		t.Errorf("got %+v\nwant %+v", d, want)
	}
	if _, err := rules.ReplaceDomain(cur, DomainInput{Schemas: []string{DomainSchema}, Name: "b.example"}); fault.KindOf(err) != fault.Mutability {
		t.Errorf("rename: %v", err)
	}
}

func TestDefaultAliasesFor(t *testing.T) {
	got := rules.DefaultAliasesFor("d.example")
	want := []store.Alias{
		{Address: "abuse@d.example", Goto: "abuse@elsewhere.example", Domain: "d.example", Active: true},
		{Address: "postmaster@d.example", Goto: "root@d.example", Domain: "d.example", Active: true},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v", got)
	}
}

func TestVersionChangesWithEveryField(t *testing.T) {
	if Version("a", 1) == Version("a", 2) || Version("a", 1) != Version("a", 1) || Version("ab", "c") == Version("a", "bc") {
		t.Error("Version does not track its inputs")
	}
}

// Version writes each field as fmt's %v would, so the fast encoding keeps
// every ETag clients already hold.
func TestVersionAsFmt(t *testing.T) {
	fields := []any{"alice@example.org", "Alice Example", int64(51200000), true, false, int64(-1), "", int64(1732675810000000000)}
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%v\x00", f)
	}
	if want := `W/"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`; Version(fields...) != want {
		t.Errorf("Version = %s, want %s", Version(fields...), want)
	}
}

// The domain row's int4 columns bound its limits, and a transport is
// printable ASCII (string lengths are the store's: see sqlstore's TestColumnLimits).
func TestCheckDomain(t *testing.T) {
	ok := store.Domain{Name: "a.example", MaxAliases: -1, MaxQuotaMB: 2147483647, Transport: "relay:[mx.example.com]", Description: strings.Repeat("é", 255)}
	if err := CheckDomain(ok); err != nil {
		t.Errorf("valid domain refused: %v", err)
	}
	for name, d := range map[string]store.Domain{
		"limit beyond int4":        {MaxMailboxes: 2147483648},
		"limit below -1":           {MaxAliases: -2},
		"negative password expiry": {PasswordExpiryDays: -1},
		"emoji in transport":       {Transport: "relay:[\U0001F600]"},
		"control in transport":     {Transport: "virtual\n"},
	} {
		if err := CheckDomain(d); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}
