package scim

import (
	"testing"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

func sp(s string) *string { return &s }

var stored = store.Mailbox{Username: "bj@example.com", LocalPart: "bj", Domain: "example.com", Name: "Babs Jensen",
	Active: true, EmailOther: "babs@home.example", QuotaBytes: 1024000}

// The User the client saw of stored (what userResource returns).
func seen() UserInput {
	return UserInput{Schemas: []string{UserSchema}, UserName: stored.Username, DisplayName: sp("Babs Jensen"),
		Name:   NameInput{Formatted: sp("Babs Jensen"), GivenName: sp("Babs"), FamilyName: sp("Jensen")},
		Emails: []Value{{stored.Username, "work"}, {"babs@home.example", "other"}}}
}

// PUT and PATCH of mailbox.name, which both name.formatted and displayName
// are. "A change to either of the two must take effect; two different new
// values in one request are 400 invalidValue" (issue #8, point 2).
func TestNameRules(t *testing.T) {
	put := []struct {
		name string
		edit func(*UserInput)
		want string
		kind fault.Kind
	}{
		{"read-modify-write changing displayName", func(u *UserInput) { u.DisplayName = sp("Barbara") }, "Barbara", 0},
		{"read-modify-write changing name.formatted", func(u *UserInput) { u.Name.Formatted = sp("Barbara J") }, "Barbara J", 0},
		{"both changed, differently", func(u *UserInput) { u.DisplayName, u.Name.Formatted = sp("A"), sp("B") }, "", fault.Invalid},
		{"both changed alike", func(u *UserInput) { u.DisplayName, u.Name.Formatted = sp("A"), sp("A") }, "A", 0},
		{"only parts", func(u *UserInput) {
			*u = UserInput{Schemas: u.Schemas, UserName: u.UserName, Name: NameInput{GivenName: sp("Mary Ann"), FamilyName: sp("Smith")}}
		}, "Mary Ann Smith", 0},
		// RFC 7644 §3.5.1: a PUT replaces; a name left out is no name.
		{"no name at all", func(u *UserInput) { u.DisplayName, u.Name = nil, NameInput{} }, "", 0},
	}
	for _, tt := range put {
		in := seen()
		tt.edit(&in)
		w, err := MailboxRules{}.ReplaceMailbox(stored, in)
		if fault.KindOf(err) != tt.kind || (err == nil && w.Name != tt.want) {
			t.Errorf("PUT %s: name %q, err %v", tt.name, w.Name, err)
		}
	}
	patch := []struct {
		name string
		edit func(*UserInput)
		want string
		kind fault.Kind
	}{
		{"displayName replaced", func(u *UserInput) { u.DisplayName = sp("Barbara") }, "Barbara", 0},
		{"familyName replaced (Entra ID)", func(u *UserInput) { u.Name.FamilyName = sp("Smith") }, "Babs Smith", 0},
		// RFC 7644 §3.5.2.2: "the attribute SHALL be unassigned".
		{"displayName removed", func(u *UserInput) { u.DisplayName = nil }, "", 0},
		{"name.formatted removed", func(u *UserInput) { u.Name.Formatted = nil }, "", 0},
		{"name removed", func(u *UserInput) { u.Name = NameInput{} }, "", 0},
		{"displayName removed, formatted replaced", func(u *UserInput) { u.DisplayName, u.Name.Formatted = nil, sp("B") }, "B", 0},
		{"both replaced differently", func(u *UserInput) { u.DisplayName, u.Name.Formatted = sp("A"), sp("B") }, "", fault.Invalid},
		{"nothing about the name", func(u *UserInput) { u.Active = new(bool) }, "Babs Jensen", 0},
		// The parts are derived from mailbox.name: dropping them leaves the name.
		{"name replaced by its formatted value alone", func(u *UserInput) { u.Name = NameInput{Formatted: sp("Babs Jensen")} }, "Babs Jensen", 0},
	}
	for _, tt := range patch {
		after := seen()
		tt.edit(&after)
		w, err := MailboxRules{}.PatchMailbox(stored, seen(), after)
		if fault.KindOf(err) != tt.kind || (err == nil && w.Name != tt.want) {
			t.Errorf("PATCH %s: name %q, err %v", tt.name, w.Name, err)
		}
	}
	if _, err := (MailboxRules{}).NewMailbox(UserInput{Schemas: []string{UserSchema}, UserName: "x@example.com", DisplayName: sp("A"), Name: NameInput{Formatted: sp("B")}}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("POST with two different names: %v", err)
	}
}

// emails: the work address is userName; one other address is mailbox.email_other.
func TestEmailRules(t *testing.T) {
	tests := []struct {
		name   string
		emails []Value
		other  string
		kind   fault.Kind
	}{
		{"unchanged", seen().Emails, "babs@home.example", 0},
		{"the work address changed", []Value{{"new@x.example", "work"}, {"babs@home.example", "other"}}, "", fault.Mutability},
		{"other replaced", []Value{{stored.Username, "work"}, {"b2@home.example", "other"}}, "b2@home.example", 0},
		{"other removed", []Value{{stored.Username, "work"}}, "", 0},
		{"an untyped other", []Value{{"b3@home.example", ""}}, "b3@home.example", 0},
		{"two others", []Value{{"a@x.example", "home"}, {"b@x.example", "other"}}, "", fault.Invalid},
	}
	for _, tt := range tests {
		after := seen()
		after.Emails = tt.emails
		w, err := MailboxRules{}.ReplaceMailbox(stored, after)
		if fault.KindOf(err) != tt.kind || (err == nil && w.EmailOther != tt.other) {
			t.Errorf("%s: email_other %q, err %v", tt.name, w.EmailOther, err)
		}
	}
	after := seen()
	after.Emails = after.Emails[1:]
	if _, err := (MailboxRules{}).PatchMailbox(stored, seen(), after); fault.KindOf(err) != fault.Mutability {
		t.Errorf("PATCH removing the address: %v, want mutability", err)
	}
	if _, err := (MailboxRules{}).NewMailbox(UserInput{Schemas: []string{UserSchema}, UserName: "x@example.com", Emails: []Value{{"y@example.com", "work"}}}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("POST with another work address: %v", err)
	}
	if _, err := (MailboxRules{}).ReplaceMailbox(stored, UserInput{Schemas: []string{UserSchema}, UserName: stored.Username, Phones: []Value{{"1", "work"}, {"2", "mobile"}}}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("two phone numbers: %v", err)
	}
}

// RFC 7644 §3.5.2: the modify timestamp SHALL NOT change when nothing does;
// the store skips such writes.
func TestUnchangedWriteIsNoChange(t *testing.T) {
	w, err := MailboxRules{}.ReplaceMailbox(stored, seen())
	if err != nil || w.Changes(stored) {
		t.Errorf("PUT of what the client saw changes %+v (%v)", w.Mailbox, err)
	}
	w, err = MailboxRules{}.PatchMailbox(stored, seen(), seen())
	if err != nil || w.Changes(stored) {
		t.Errorf("empty PATCH result changes %+v (%v)", w.Mailbox, err)
	}
}
