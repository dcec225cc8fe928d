package scim

import (
	"fmt"
	"testing"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

func TestNormalizeAliasAddress(t *testing.T) {
	for in, want := range map[string]string{
		"Info@Example.ORG": "info@example.org",
		"*@example.org":    "@example.org", // AliasHandler stores a catch-all as @domain
		"@Example.org":     "@example.org",
		"x":                "error",
		"a@b@c.org":        "error",
		"*@":               "error",
	} {
		got, _, err := NormalizeAliasAddress(in)
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("NormalizeAliasAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewGroup(t *testing.T) {
	schemas := []string{GroupSchema}
	s := func(v string) *string { return &v }
	for _, tt := range []struct {
		name string
		in   GroupInput
		want string // the write, or the fault kind
	}{
		// Entra ID and Okta send only displayName.
		{"address from displayName", GroupInput{Schemas: schemas, DisplayName: s("Sales@Example.org")}, "sales@example.org example.org  [] [] []"},
		{"address from the extension", GroupInput{Schemas: schemas, DisplayName: s("Sales"), Address: s("sales@example.org"),
			Members: []string{"Bob@example.org", "bob@example.org"}, ExternalMembers: &[]string{"x@elsewhere.example", "@other.example", "root"}},
			"sales@example.org example.org Sales [bob@example.org x@elsewhere.example @other.example root] [bob@example.org] [x@elsewhere.example @other.example root]"},
		{"no address", GroupInput{Schemas: schemas, DisplayName: s("Sales")}, "invalid value"},
		{"no Group schema", GroupInput{DisplayName: s("a@example.org")}, "invalid value"},
		{"delivers to itself", GroupInput{Schemas: schemas, DisplayName: s("a@example.org"), ExternalMembers: &[]string{"A@example.org"}}, "invalid value"},
		{"comma in a target", GroupInput{Schemas: schemas, DisplayName: s("a@example.org"), ExternalMembers: &[]string{"b@x.org,c@x.org"}}, "invalid value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, err := NewGroup(tt.in)
			got := fmt.Sprintf("%s %s %s %v %v %v", w.Address, w.Domain, w.Description, w.Goto, w.Members, w.External)
			if err != nil {
				got = map[fault.Kind]string{fault.Invalid: "invalid value", fault.Mutability: "mutability"}[fault.KindOf(err)]
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// PUT keeps externalMembers it does not name, and the goto order.
func TestReplaceGroupKeepsWhatItDoesNotName(t *testing.T) {
	cur := store.Group{Address: "info@example.org", Domain: "example.org", Targets: []store.Target{
		{Address: "alice@example.org", Mailbox: true}, {Address: "bob@example.org", Mailbox: true}, {Address: "someone@external.example"},
	}}
	w, err := ReplaceGroup(cur, GroupInput{Schemas: []string{GroupSchema}, Members: []string{"carol@example.org", "alice@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(w.Goto) != "[alice@example.org someone@external.example carol@example.org]" {
		t.Errorf("goto %v", w.Goto)
	}
	a := "other@example.org"
	if _, err := ReplaceGroup(cur, GroupInput{Schemas: []string{GroupSchema}, Address: &a}); fault.KindOf(err) != fault.Mutability {
		t.Errorf("address change: %v", err)
	}
}
