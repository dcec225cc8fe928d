package scim

import (
	"encoding/json"
	"fmt"
	"strings"
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

// Group PATCH then the mapping never fails outside the error vocabulary, and
// what it derives is a goto PostfixAdmin can hold: no empty, duplicate or
// comma-carrying target, never the alias itself.
func FuzzPatchGroup(f *testing.F) {
	for _, seed := range []string{
		`[{"op":"Add","path":"members","value":[{"$ref":null,"value":"bob@example.org"}]}]`,
		`[{"op":"remove","path":"members[value eq \"alice@example.org\"]"}]`,
		`[{"op":"Remove","path":"members","value":[{"value":"alice@example.org"}]}]`,
		`[{"op":"replace","value":{"id":"info@example.org","displayName":"Info"}}]`,
		`[{"op":"replace","path":"members","value":[]}]`,
		`[{"op":"add","path":"urn:postfixadmin-scim:schemas:extension:alias:2.0:Group:externalMembers","value":["x@y.org"]}]`,
	} {
		f.Add(seed)
	}
	cur := store.Group{Address: "info@example.org", Domain: "example.org", Targets: []store.Target{
		{Address: "alice@example.org", Mailbox: true}, {Address: "someone@external.example"},
	}}
	f.Fuzz(func(t *testing.T, raw string) {
		var in []struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			Value any    `json:"value"`
		}
		if json.Unmarshal([]byte(raw), &in) != nil {
			return
		}
		var ops []PatchOp
		for _, o := range in {
			ops = append(ops, PatchOp{Op: o.Op, Path: o.Path, Value: o.Value, HasValue: o.Value != nil})
		}
		res := map[string]any{
			"schemas": []any{GroupSchema, AliasGroupSchema}, "id": cur.Address, "displayName": cur.Address,
			"members":        []any{map[string]any{"value": "alice@example.org", "type": "User"}},
			AliasGroupSchema: map[string]any{"address": cur.Address, "externalMembers": []any{"someone@external.example"}},
		}
		err := PatchGroup(res, ops)
		if err != nil {
			if fault.KindOf(err) == fault.Internal {
				t.Fatalf("error outside the vocabulary: %v", err)
			}
			return
		}
		gi := GroupInput{Schemas: []string{GroupSchema}}
		if d, ok := res["displayName"].(string); ok {
			gi.DisplayName = &d
		}
		ms, _ := res["members"].([]any)
		for _, m := range ms {
			if v, ok := m.(map[string]any)["value"].(string); ok {
				gi.Members = append(gi.Members, v)
			}
		}
		ext := []string{}
		if e, ok := res[AliasGroupSchema].(map[string]any); ok {
			if list, ok := e["externalMembers"].([]any); ok {
				for _, v := range list {
					ext = append(ext, v.(string))
				}
			}
		}
		gi.ExternalMembers = &ext
		w, err := ReplaceGroup(cur, gi)
		if err != nil {
			if fault.KindOf(err) == fault.Internal {
				t.Fatalf("error outside the vocabulary: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, g := range w.Goto {
			if g == "" || g == cur.Address || strings.Contains(g, ",") || seen[g] {
				t.Fatalf("goto %q from %s", w.Goto, raw)
			}
			seen[g] = true
		}
	})
}
