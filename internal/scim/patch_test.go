package scim

import (
	"encoding/json"
	"testing"

	"postfixadmin-scim/internal/fault"
)

func user() map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"bjensen@example.com",
		"userName":"bjensen@example.com","displayName":"Babs Jensen","name":{"formatted":"Babs Jensen"},"active":true,
		"emails":[{"value":"bjensen@example.com","type":"work","primary":true}],
		"urn:audriga:params:scim:schemas:extension:provisioning:2.0:User":{"sizeQuota":100}}`), &m)
	return m
}

func ops(t *testing.T, raw string) []PatchOp {
	t.Helper()
	var in []struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		t.Fatal(err)
	}
	out := make([]PatchOp, len(in))
	for i, o := range in {
		out[i] = PatchOp{Op: o.Op, Path: o.Path, Value: o.Value, HasValue: o.Value != nil}
	}
	return out
}

// The examples of RFC 7644 §3.5.2, on a User as PostfixAdmin holds it.
func TestPatchRFCExamples(t *testing.T) {
	tests := []struct {
		name, ops, want string // want: JSON of the changed attribute(s)
		check           func(map[string]any) string
	}{
		{"3.5.2.1 add emails", `[{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home"}]}]`,
			`[{"primary":true,"type":"work","value":"bjensen@example.com"},{"type":"home","value":"babs@jensen.org"}]`, func(m map[string]any) string { return js(m["emails"]) }},
		{"3.5.2.1 add without path", `[{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}]`,
			`[{"primary":true,"type":"work","value":"bjensen@example.com"},{"type":"home","value":"babs@jensen.org"}]`, func(m map[string]any) string { return js(m["emails"]) }},
		{"3.5.2.2 remove a single-valued attribute", `[{"op":"remove","path":"displayName"}]`, `null`, func(m map[string]any) string { return js(m["displayName"]) }},
		{"3.5.2.2 remove by value filter", `[{"op":"remove","path":"emails[type eq \"work\" and value ew \"example.com\"]"}]`, `[]`, func(m map[string]any) string { return js(m["emails"]) }},
		{"3.5.2.3 replace a sub-attribute by filter", `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"bj@example.com"}]`,
			`[{"primary":true,"type":"work","value":"bj@example.com"}]`, func(m map[string]any) string { return js(m["emails"]) }},
		{"3.5.2.3 replace without path", `[{"op":"replace","value":{"displayName":"Barbara","active":false}}]`, `["Barbara",false]`,
			func(m map[string]any) string { return js([]any{m["displayName"], m["active"]}) }},
		{"3.5.2.3 replace a multi-valued attribute", `[{"op":"replace","path":"emails","value":[{"value":"x@example.com","type":"work"}]}]`,
			`[{"type":"work","value":"x@example.com"}]`, func(m map[string]any) string { return js(m["emails"]) }},
		{"extension by full path", `[{"op":"replace","path":"urn:audriga:params:scim:schemas:extension:provisioning:2.0:User:sizeQuota","value":5}]`,
			`{"sizeQuota":5}`, func(m map[string]any) string { return js(m[ProvisioningSchema]) }},
		{"whole extension object", `[{"op":"replace","path":"urn:audriga:params:scim:schemas:extension:provisioning:2.0:User","value":{"sizeQuota":7}}]`,
			`{"sizeQuota":7}`, func(m map[string]any) string { return js(m[ProvisioningSchema]) }},
		{"core URN prefix", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"B"}]`, `"B"`,
			func(m map[string]any) string { return js(m["displayName"]) }},
		{"case-insensitive names and op", `[{"op":"REPLACE","path":"DISPLAYNAME","value":"C"}]`, `"C"`, func(m map[string]any) string { return js(m["displayName"]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := user()
			if err := userPatch.apply(m, ops(t, tt.ops)); err != nil {
				t.Fatal(err)
			}
			if got := tt.check(m); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPatchErrors(t *testing.T) {
	for raw, kind := range map[string]fault.Kind{
		`[{"op":"move","path":"displayName","value":"x"}]`:       fault.Syntax,
		`[{"op":"add","path":"displayName"}]`:                    fault.Syntax,
		`[{"op":"remove"}]`:                                      fault.NoTarget,
		`[{"op":"remove","path":"emails[type eq \"fax\"]"}]`:     fault.NoTarget,
		`[{"op":"replace","path":"emails[type eq","value":"x"}]`: fault.InvalidPath,
		`[{"op":"replace","path":"meta.created","value":"x"}]`:   fault.Mutability,
		`[{"op":"remove","path":"userName"}]`:                    fault.Mutability,
		`[{"op":"replace","path":"active","value":"perhaps"}]`:   fault.Invalid,
		`[{"op":"replace","path":"displayName","value":5}]`:      fault.Invalid,
		`[{"op":"replace","path":"name.formatted","value":[]}]`:  fault.Invalid,
		`[{"op":"add","path":"emails","value":[1]}]`:             fault.Invalid,
		`[{"op":"replace","path":"urn:audriga:params:scim:schemas:extension:provisioning:2.0:User:usedQuota","value":1}]`: fault.Mutability,
		// RFC 7644 §3.5.2.2: a removed attribute "SHALL be unassigned"; these have no unassigned state.
		`[{"op":"remove","path":"active"}]`:   fault.Mutability,
		`[{"op":"remove","path":"password"}]`: fault.Mutability,
		`[{"op":"remove","path":"urn:audriga:params:scim:schemas:extension:provisioning:2.0:User:sizeQuota"}]`: fault.Mutability,
		`[{"op":"replace","value":{"active":null}}]`:                                                           fault.Mutability,
		// No schema defines it (RFC 7644 §3.5.2: "invalidPath").
		`[{"op":"replace","path":"noSuchAttr","value":"x"}]`:                      fault.InvalidPath,
		`[{"op":"add","value":{"noSuchAttr":"x"}}]`:                               fault.InvalidPath,
		`[{"op":"add","path":"emails","value":[{"value":"a@b.c","colour":"x"}]}]`: fault.InvalidPath,
		// §3.5.2.3: "If the target location is a multi-valued attribute for which a value
		// selection filter ("valuePath") has been supplied and no record match was made,
		// the service provider SHALL indicate failure ... "noTarget"" — where no value can be created.
		`[{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"1"},{"op":"replace","path":"phoneNumbers[type eq \"fax\"].value","value":"2"}]`: fault.NoTarget,
	} {
		err := userPatch.apply(user(), ops(t, raw))
		if fault.KindOf(err) != kind {
			t.Errorf("%s: %v (kind %v), want kind %v", raw, err, fault.KindOf(err), kind)
		}
	}
	if err := domainPatch.apply(map[string]any{}, ops(t, `[{"op":"replace","path":"colour","value":"x"}]`)); fault.KindOf(err) != fault.InvalidPath {
		t.Errorf("unknown Domain attribute: %v", err)
	}
	for _, path := range []string{"maxMailboxes", "maxAliases", "maxQuota", "domainQuota", "transport", "backupMx", "passwordExpiry", "active"} {
		if err := domainPatch.apply(map[string]any{path: 1}, ops(t, `[{"op":"remove","path":"`+path+`"}]`)); fault.KindOf(err) != fault.Mutability {
			t.Errorf("remove Domain %s: %v, want mutability", path, err)
		}
	}
}

// Attributes a schema defines but PostfixAdmin cannot store are accepted and
// change nothing, in every spelling Entra ID and Microsoft's collections use.
func TestPatchIgnoredAttributes(t *testing.T) {
	for _, raw := range []string{
		`[{"op":"add","path":"nickName","value":"Babs"}]`,
		`[{"op":"replace","path":"Title","value":"Boss"}]`,
		`[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"271"}]`,
		`[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"271"}]`,
		`[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department","value":"IT"}]`,
		`[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}]`,
		`[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"IT"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter":"4"}}]`,
	} {
		m := user()
		if err := userPatch.apply(m, ops(t, raw)); err != nil {
			t.Errorf("%s: %v", raw, err)
		} else if js(m) != js(user()) {
			t.Errorf("%s changed the user: %s", raw, js(m))
		}
	}
}

// A null value unassigns (RFC 7643 §2.5), inside path-less values and complex values too.
func TestPatchNullIsRemove(t *testing.T) {
	m := user()
	if err := userPatch.apply(m, ops(t, `[{"op":"replace","value":{"displayName":null,"name":{"formatted":null}}}]`)); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["displayName"]; ok || js(m["name"]) != `{}` {
		t.Errorf("displayName %v, name %v", m["displayName"], m["name"])
	}
}

// No PATCH document makes the patcher panic or fail outside the fault vocabulary.
func FuzzPatchUser(f *testing.F) {
	for _, seed := range []string{
		`[{"op":"add","path":"emails","value":[{"value":"a@b.c","type":"home"}]}]`,
		`[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x"}]`,
		`[{"op":"replace","value":{"name.givenName":"A","urn:audriga:params:scim:schemas:extension:provisioning:2.0:User:sizeQuota":1}}]`,
		`[{"op":"remove","path":"emails","value":[{"value":"x"}]}]`,
		`[{"op":"remove","path":"name[givenName eq \"x\"]"}]`,
		`[{"op":"replace","path":"Password","value":"a"},{"op":"add","value":{"PASSWORD":"b"}}]`,
		`[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"c"}]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var in []struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			Value any    `json:"value"`
		}
		if json.Unmarshal([]byte(raw), &in) != nil {
			return
		}
		var list []PatchOp
		for _, o := range in {
			list = append(list, PatchOp{Op: o.Op, Path: o.Path, Value: o.Value, HasValue: o.Value != nil})
		}
		m := user()
		err := PatchUser(m, list)
		if err != nil && fault.KindOf(err) == fault.Internal {
			t.Fatalf("error outside the vocabulary: %v", err)
		}
		// The password hashed ahead of the transaction is the one written.
		if pw, ok := m["password"].(string); err == nil && ok {
			if got := PatchedPassword(list); got == nil || *got != pw {
				t.Fatalf("operations set password %q, PatchedPassword found %v", pw, got)
			}
		}
	})
}
