package httpapi

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
)

// RFC 7644 §3.8: "SCIM requests and responses are in JSON format and SHALL be
// encoded using UTF-8"; what is not, is refused rather than stored altered.
func TestDecodeBody(t *testing.T) {
	for _, tt := range []struct {
		name, body, contentType string
		kind                    fault.Kind // 0: accepted
	}{
		{"an object", `{"a":"b"}`, "application/scim+json", 0},
		{"whitespace after it", "{\"a\":1}\n\t ", "application/json; charset=utf-8", 0},
		{"a surrogate pair", `{"a":"\ud83d\ude00"}`, "", 0},
		{"an escaped backslash before u", `{"a":"\\ud800"}`, "", 0},
		{"data after it", `{"a":1} x`, "", fault.Syntax},
		{"two objects", `{}{}`, "", fault.Syntax},
		{"an array", `[]`, "", fault.Invalid},
		{"not UTF-8", "{\"a\":\"\xff\"}", "", fault.Syntax},
		{"overlong", "{\"a\":\"\xc0\xaf\"}", "", fault.Syntax},
		{"a lone high surrogate", `{"a":"\ud800"}`, "", fault.Syntax},
		{"a high surrogate before a non-surrogate", `{"a":"\ud800\u0041"}`, "", fault.Syntax},
		{"a lone low surrogate", `{"a":"\udfff"}`, "", fault.Syntax},
		{"a NUL value", `{"a":"x\u0000"}`, "", fault.Invalid},
		{"a NUL key", `{"a\u0000":"x"}`, "", fault.Invalid},
		{"a NUL in an array", `{"a":[{"b":"\u0000"}]}`, "", fault.Invalid},
		{"Latin-1 declared", `{}`, "application/scim+json; charset=ISO-8859-1", fault.UnsupportedMediaType},
	} {
		_, err := decodeBody(tt.contentType, []byte(tt.body))
		if (tt.kind == 0) != (err == nil) || (err != nil && fault.KindOf(err) != tt.kind) {
			t.Errorf("%s: %v, want kind %v", tt.name, err, tt.kind)
		}
	}
}

// No body makes decoding or canonicalisation panic, fail outside the fault
// vocabulary, or hand on text that is not valid UTF-8 JSON.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"UserName":"a@b.c","name":{"givenName":null}}`,
		`{"Operations":[{"OP":"replace","Path":"displayName","Value":null}]}`,
		`{"a":"\ud83d\ude00"} `, "{\"a\":\"\xff\"}", `{"emails":[null,{"VALUE":"x"}]}`,
		`{"urn:ietf:params:scim:schemas:extension:audriga:provisioning:2.0:User":{"sizeQuota":1},"urn:audriga:params:scim:schemas:extension:provisioning:2.0:User":{"sizeQuota":2}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		body, err := decodeBody("application/scim+json", []byte(raw))
		if err != nil {
			if fault.KindOf(err) == fault.Internal {
				t.Fatalf("error outside the vocabulary: %v", err)
			}
			return
		}
		for _, kind := range []scim.BodyKind{scim.UserBody, scim.DomainBody, scim.PatchOpBody, scim.SearchRequestBody} {
			b := copyBody(t, body)
			if err := scim.Canonicalize(kind, b); err != nil {
				if fault.KindOf(err) == fault.Internal {
					t.Fatalf("error outside the vocabulary: %v", err)
				}
				continue
			}
			out, err := json.Marshal(b)
			if err != nil || !utf8.Valid(out) {
				t.Fatalf("canonical form %q: %v", out, err)
			}
		}
	})
}

func copyBody(t *testing.T, m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeBody("", b)
	if err != nil {
		t.Fatalf("re-decoding %s: %v", b, err)
	}
	return out
}
