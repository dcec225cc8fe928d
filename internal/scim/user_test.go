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

// What PostfixAdmin cannot keep as the client wrote it (the address's case,
// the parts of the one name) is kept in the companion table and returned
// while mailbox.name is still the name it went with; what mailbox.name gives
// back by itself is not kept.
func TestSpelling(t *testing.T) {
	in := UserInput{Schemas: []string{UserSchema}, UserName: "Daniel.McGee@Example.com",
		Name: NameInput{Formatted: sp("Daniel Mcgee"), GivenName: sp("Daniel"), FamilyName: sp("OMalley")}}
	w, err := MailboxRules{}.NewMailbox(in)
	if err != nil {
		t.Fatal(err)
	}
	if w.Username != "daniel.mcgee@example.com" || w.Name != "Daniel Mcgee" {
		t.Fatalf("row %q %q", w.Username, w.Name)
	}
	if got := ShownName(w.Mailbox); got.FamilyName != "OMalley" || got.GivenName != "Daniel" {
		t.Errorf("shown parts %+v, want the client's", got)
	}
	if ShownUserName(w.Mailbox) != "Daniel.McGee@Example.com" {
		t.Errorf("shown userName %q", ShownUserName(w.Mailbox))
	}
	renamed := w.Mailbox
	renamed.Name = "Dan Mcgee" // edited in PostfixAdmin's UI
	if got := ShownName(renamed); got.GivenName != "Dan" || got.FamilyName != "Mcgee" {
		t.Errorf("stale parts shown: %+v", got)
	}
	w, _ = MailboxRules{}.NewMailbox(UserInput{Schemas: []string{UserSchema}, UserName: "ab@example.com", Name: NameInput{GivenName: sp("A"), FamilyName: sp("B")}})
	if w.Spelling != (store.Spelling{}) {
		t.Errorf("derivable spelling kept: %+v", w.Spelling)
	}
	// A PATCH of the name alone drops parts that went with the old name.
	cur := store.Mailbox{Username: "x@example.com", Name: "Mary Ann Smith", Spelling: store.Spelling{Name: store.NameParts{GivenName: "Mary Ann", MiddleName: "Q", FamilyName: "Smith"}, ForName: "Mary Ann Smith"}}
	before := UserInput{Schemas: []string{UserSchema}, UserName: cur.Username, DisplayName: sp(cur.Name), Name: NameInput{Formatted: sp(cur.Name), GivenName: sp("Mary Ann"), FamilyName: sp("Smith")}}
	after := before
	after.Active = new(bool)
	if w, _ := (MailboxRules{}).PatchMailbox(cur, before, after); w.Spelling != cur.Spelling {
		t.Errorf("a PATCH not about the name changed the spelling: %+v", w.Spelling)
	}
	after.DisplayName, after.Name.Formatted = sp("Mary Jones"), sp("Mary Jones")
	if w, _ := (MailboxRules{}).PatchMailbox(cur, before, after); w.Spelling.Name != (store.NameParts{}) {
		t.Errorf("stale parts kept: %+v", w.Spelling)
	}
}
