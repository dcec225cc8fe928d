package store

import (
	"fmt"
	"testing"

	"postfixadmin-scim/internal/fault"
)

func TestGotoEncoding(t *testing.T) {
	for _, tt := range []struct {
		targets    []string
		active     bool
		wantGoto   string
		wantActive bool
	}{
		{[]string{"a@x.org", "b@y.org"}, true, "a@x.org,b@y.org", true},
		{[]string{"a@x.org"}, false, "a@x.org", false}, // an inactive alias stays inactive
		// No targets: PostfixAdmin cannot store an empty goto; the alias
		// delivers to itself, inactive, which Postfix's maps ignore.
		{nil, true, "g@x.org", false},
	} {
		gotoCol, active := EncodeGoto("g@x.org", tt.targets, tt.active)
		if gotoCol != tt.wantGoto || active != tt.wantActive {
			t.Errorf("EncodeGoto(%v, %v) = %q, %v", tt.targets, tt.active, gotoCol, active)
		}
		if back := DecodeGoto("g@x.org", gotoCol); fmt.Sprint(back) != fmt.Sprint(tt.targets) {
			t.Errorf("DecodeGoto(%q) = %v, want %v", gotoCol, back, tt.targets)
		}
	}
	// What PostfixAdmin wrote: spaces and empty entries are not targets.
	if got := DecodeGoto("info@x.org", "a@x.org, b@x.org,,"); fmt.Sprint(got) != "[a@x.org b@x.org]" {
		t.Errorf("DecodeGoto = %v", got)
	}
}

func TestMergeGotoKeepsOrder(t *testing.T) {
	for _, tt := range []struct{ cur, want, out []string }{
		{[]string{"a", "b", "c"}, []string{"c", "a"}, []string{"a", "c"}},
		{[]string{"a", "b"}, []string{"d", "b", "a", "d"}, []string{"a", "b", "d"}},
		{nil, []string{"x", "y"}, []string{"x", "y"}},
		{[]string{"a"}, nil, nil},
	} {
		if got := MergeGoto(tt.cur, tt.want); fmt.Sprint(got) != fmt.Sprint(tt.out) {
			t.Errorf("MergeGoto(%v, %v) = %v, want %v", tt.cur, tt.want, got, tt.out)
		}
	}
}

// AliasHandler: "aliases 0 → ok, <0 → refuse, else refuse if (#alias rows in
// domain − #mailboxes in domain) ≥ limit" (postfixadmin-semantics.md §5.6).
func TestCheckAliasCount(t *testing.T) {
	for _, tt := range []struct {
		limit, rows, mailboxes int64
		ok                     bool
	}{
		{0, 1000, 0, true}, {-1, 0, 0, false}, {6, 17, 12, true}, {6, 18, 12, false}, {1, 3, 3, true},
	} {
		err := CheckAliasCount(Domain{Name: "x.org", MaxAliases: tt.limit}, tt.rows, tt.mailboxes)
		if (err == nil) != tt.ok || (err != nil && fault.KindOf(err) != fault.Refused) {
			t.Errorf("limit %d, %d rows, %d mailboxes: %v", tt.limit, tt.rows, tt.mailboxes, err)
		}
	}
}

func TestCheckDomainDeletable(t *testing.T) {
	for _, tt := range []struct {
		usage              DomainUsage
		targets, untouched int64
		cascade, ok        bool
	}{
		{DomainUsage{}, 0, 0, false, true},
		{DomainUsage{Aliases: 4}, 0, 4, false, true}, // only the default aliases it came with
		{DomainUsage{Aliases: 4}, 0, 3, false, false},
		{DomainUsage{Mailboxes: 1}, 0, 0, false, false},
		{DomainUsage{Mailboxes: 1, Aliases: 9}, 0, 0, true, true},
		{DomainUsage{}, 1, 0, true, false}, // PostfixAdmin refuses an alias domain's target even then
	} {
		err := CheckDomainDeletable("x.org", tt.usage, tt.targets, tt.untouched, tt.cascade)
		if (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt, err)
		}
	}
}
