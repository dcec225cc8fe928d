package scimfilter

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var testAttrs = Attributes{
	Fields: map[string]Field{
		"username":          {Column: "m.username", Type: String, Lowered: true},
		"name.formatted":    {Column: "m.name", Type: String},
		"title":             {Column: "m.title", Type: String},
		"usertype":          {Column: "m.type", Type: String, CaseExact: true},
		"active":            {Column: "m.active", Type: Bool},
		"meta.lastmodified": {Column: "m.modified", Type: Time},
		"x:quota":           {Column: "m.quota", Type: Int},
	},
	Multi: map[string][]Element{
		"emails": {
			{Fields: map[string]Field{"value": {Column: "m.username", Type: String, Lowered: true}, "type": {Const: "work", Type: String}}},
			{Exists: "m.other <> ''", Fields: map[string]Field{"value": {Column: "m.other", Type: String}, "type": {Const: "other", Type: String}}},
		},
	},
}

func TestWhere(t *testing.T) {
	ts := time.Date(2011, 5, 13, 4, 42, 34, 0, time.UTC)
	tests := []struct {
		filter string
		sql    string
		args   []any
	}{
		// The filter examples of RFC 7644 §3.4.2.2 that name attributes we have.
		{`userName eq "bjensen"`, `m.username = ?`, []any{"bjensen"}},
		{`name.formatted co "O'Malley"`, `LOWER(m.name) LIKE ? ESCAPE '!'`, []any{"%o'malley%"}},
		{`userName sw "J"`, `m.username LIKE ? ESCAPE '!'`, []any{"j%"}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, `m.username LIKE ? ESCAPE '!'`, []any{"j%"}},
		{`title pr`, `(m.title IS NOT NULL AND m.title <> '')`, nil},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, `m.modified > ?`, []any{ts}},
		{`meta.lastModified ge "2011-05-13T06:42:34+02:00"`, `m.modified >= ?`, []any{ts}},
		{`title pr and userType eq "Employee"`, `((m.title IS NOT NULL AND m.title <> '') AND m.type = ?)`, []any{"Employee"}},
		{`title pr or userType eq "Intern"`, `((m.title IS NOT NULL AND m.title <> '') OR m.type = ?)`, []any{"Intern"}},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
			`(m.type = ? AND (((m.username LIKE ? ESCAPE '!') OR (m.other <> '' AND LOWER(m.other) LIKE ? ESCAPE '!')) OR ((m.username LIKE ? ESCAPE '!') OR (m.other <> '' AND LOWER(m.other) LIKE ? ESCAPE '!'))))`,
			[]any{"Employee", "%example.com%", "%example.com%", "%example.org%", "%example.org%"}},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
			`(m.type <> ? AND NOT ((((m.username LIKE ? ESCAPE '!') OR (m.other <> '' AND LOWER(m.other) LIKE ? ESCAPE '!')) OR ((m.username LIKE ? ESCAPE '!') OR (m.other <> '' AND LOWER(m.other) LIKE ? ESCAPE '!')))))`,
			[]any{"Employee", "%example.com%", "%example.com%", "%example.org%", "%example.org%"}},
		{`userType eq "Employee" and (emails.type eq "work")`, `(m.type = ? AND ((1 = 1) OR (m.other <> '' AND 1 = 0)))`, []any{"Employee"}},
		{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
			`(m.type = ? AND (((1 = 1 AND m.username LIKE ? ESCAPE '!')) OR (m.other <> '' AND (1 = 0 AND LOWER(m.other) LIKE ? ESCAPE '!'))))`,
			[]any{"Employee", "%@example.com%", "%@example.com%"}},
		// Case-insensitive names and operators, typed values, escaping.
		{`USERNAME EQ "Alice@Example.ORG"`, `m.username = ?`, []any{"alice@example.org"}},
		{`active eq false`, `m.active = ?`, []any{false}},
		{`urn:x:ext:2.0:User:quota gt 12345678901234567`, `m.quota > ?`, []any{int64(12345678901234567)}},
		{`userName co "50%_off!"`, `m.username LIKE ? ESCAPE '!'`, []any{"%50!%!_off!!%"}},
		{`userName eq "a\"b"`, `m.username = ?`, []any{`a"b`}},
		{``, `1 = 1`, nil},
		// Microsoft Entra ID's value-path form with a trailing sub-attribute.
		{`emails[type eq "work"].value eq "A@x.org"`,
			`(((1 = 1 AND m.username = ?)) OR (m.other <> '' AND (1 = 0 AND LOWER(m.other) = ?)))`, []any{"a@x.org", "a@x.org"}},
		{`emails[type eq "work"].value pr and emails[type eq "x]."].value eq "]"`,
			`((((1 = 1 AND (m.username IS NOT NULL AND m.username <> ''))) OR (m.other <> '' AND (1 = 0 AND (m.other IS NOT NULL AND m.other <> '')))) AND (((1 = 0 AND m.username = ?)) OR (m.other <> '' AND (1 = 0 AND LOWER(m.other) = ?))))`, []any{"]", "]"}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := where(testAttrs, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if f.SQL != tt.sql || !sameArgs(f.Args, tt.args) {
				t.Errorf("got  %s %v\nwant %s %v", f.SQL, f.Args, tt.sql, tt.args)
			}
		})
	}
}

var testSchemas = Schemas{"urn:ietf:params:scim:schemas:core:2.0:user": "", "urn:x:ext:2.0:user": "x:"}

// where parses and translates, as a list request does.
func where(a Attributes, raw string) (Fragment, error) {
	f, err := Parse(raw, testSchemas)
	if err != nil {
		return Fragment{}, err
	}
	return a.Where(f)
}

func orderBy(a Attributes, by, order, tie string) (string, error) {
	s, err := ParseSort(by, order, testSchemas)
	if err != nil {
		return "", err
	}
	return a.OrderBy(s, tie)
}

func sameArgs(a, b []any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestWhereRejects(t *testing.T) {
	for filter, want := range map[string]string{
		`password eq "x"`:                  "cannot be filtered",
		`userName eq`:                      "malformed",
		`userName eq "a" and`:              "malformed",
		`(userName eq "a"`:                 "malformed",
		`active eq "yes"`:                  "boolean",
		`active gt true`:                   "boolean",
		`urn:x:ext:2.0:User:quota co 1`:    "string attribute",
		`urn:x:ext:2.0:User:quota eq 1.5`:  "not an integer",
		`urn:x:ext:2.0:User:quota eq "1"`:  "integer",
		`meta.lastModified gt "yesterday"`: "RFC 3339",
		`userName eq 5`:                    "string",
		`emails.display eq "x"`:            "cannot be filtered",
		`ims[type eq "x"]`:                 "cannot be filtered",
		`urn:other:User:userName eq "x"`:   "cannot be filtered",
		`x:quota eq 1`:                     "cannot be filtered", // a canonical key is not a path clients can write
		strings.Repeat("not (", 70) + `userName eq "a"` + strings.Repeat(")", 70): "nested",
		strings.Repeat("x", MaxLength+1):                                          "longer",
	} {
		_, err := where(testAttrs, filter)
		var fe *Error
		if !errors.As(err, &fe) || !strings.Contains(fe.Detail, want) {
			t.Errorf("%.60s: err %v, want an Error mentioning %q", filter, err, want)
		}
	}
}

func TestOrderBy(t *testing.T) {
	tests := []struct{ by, order, want string }{
		{"", "", "m.id ASC"},
		{"userName", "descending", "m.username DESC, m.id DESC"},
		{"name.formatted", "ascending", "LOWER(m.name) ASC, m.id ASC"},
		{"emails", "", "m.username ASC, m.id ASC"},
		{"urn:x:ext:2.0:User:quota", "", "m.quota ASC, m.id ASC"},
	}
	for _, tt := range tests {
		got, err := orderBy(testAttrs, tt.by, tt.order, "m.id")
		if err != nil || got != tt.want {
			t.Errorf("OrderBy(%q, %q) = %q, %v; want %q", tt.by, tt.order, got, err, tt.want)
		}
	}
	for _, bad := range [][2]string{{"password", ""}, {"userName", "sideways"}, {"emails.type", ""}, {"a b", ""}} {
		if _, err := orderBy(testAttrs, bad[0], bad[1], "m.id"); err == nil {
			t.Errorf("OrderBy(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// sqlVocabulary is everything Where may write: whitelisted columns and
// conditions, placeholders and SQL keywords; never text from the filter.
var sqlVocabulary = regexp.MustCompile(`^(\s+|\(|\)|\?|=|<>|<=|>=|<|>|1|0|AND|OR|NOT|LIKE|ESCAPE|'!'|''|IS|NULL|LOWER|m\.(username|name|title|type|active|modified|quota|other))`)

func FuzzWhere(f *testing.F) {
	for _, seed := range []string{`userName eq "bjensen"`, `emails[type eq "work" and value co "@x"]`, `not (active eq true) or urn:x:ext:2.0:User:quota ge 3`, `title pr`, `meta.lastModified gt "2011-05-13T04:42:34Z"`, `userName co "'); DROP TABLE mailbox; --"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		// The fast path reads exactly what the general parser reads.
		if fast, ok := simpleComparison(filter); ok && utf8.ValidString(filter) {
			slow, err := parse(filter)
			if err != nil || !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%q: fast path %#v, parser %#v (%v)", filter, fast, slow, err)
			}
		}
		frag, err := where(testAttrs, filter)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for rest := frag.SQL; rest != ""; {
			m := sqlVocabulary.FindString(rest)
			if m == "" {
				t.Fatalf("SQL %q carries input text at %q", frag.SQL, rest)
			}
			rest = rest[len(m):]
		}
		if strings.Count(frag.SQL, "?") != len(frag.Args) {
			t.Fatalf("%d placeholders, %d args", strings.Count(frag.SQL, "?"), len(frag.Args))
		}
	})
}
