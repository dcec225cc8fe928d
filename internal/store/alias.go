package store

import (
	"slices"
	"strings"
	"time"

	"postfixadmin-scim/internal/fault"
)

// Group is an alias row that is not a mailbox's self-alias, with its goto
// targets told apart: mailboxes of this server and everything else.
type Group struct {
	Address     string // lower case; a catch-all is "@domain"
	Domain      string
	Description string // alias.description (PostfixAdmin master layouts only)
	Active      bool
	Targets     []Target // goto, in order; none for an empty group
	Created     time.Time
	Modified    time.Time
	ExternalID  string // SCIM externalId, in the optional companion table
}

// Target is one goto entry of an alias.
type Target struct {
	Address string
	Mailbox bool   // a mailbox of this server
	Name    string // the mailbox's name
}

// Goto lists the targets' addresses, in order.
func (g Group) Goto() []string {
	out := make([]string, len(g.Targets))
	for i, t := range g.Targets {
		out[i] = t.Address
	}
	return out
}

// GroupRef names a Group a mailbox belongs to.
type GroupRef struct{ Address, Description string }

// GroupWrite is an alias to create or update.
type GroupWrite struct {
	Address, Domain, Description string
	Goto                         []string // the targets in order; empty: an empty group
	ExternalID                   string
	// Members must be mailboxes of this server, External must not be; both
	// are checked under the domain's lock, with the goto they make up.
	Members, External []string
}

// Changes reports whether writing w over cur changes a stored column.
func (w GroupWrite) Changes(cur Group) bool {
	return w.Description != cur.Description || w.ExternalID != cur.ExternalID || !slices.Equal(w.Goto, cur.Goto())
}

// PostfixAdmin's goto column holds comma-separated targets without spaces.
// A non-mailbox alias never has itself as a target (AliasHandler refuses
// it), so this server marks an alias with no targets — which PostfixAdmin
// cannot store — as goto = its own address with active = 0: Postfix's maps
// (active = 1) ignore it, so mail to it bounces as to an unknown address,
// and PostfixAdmin's UI shows it as an inactive alias.

// EncodeGoto is the goto column and active flag of an alias with targets;
// active is the flag to keep when there are targets.
func EncodeGoto(address string, targets []string, active bool) (string, bool) {
	if len(targets) == 0 {
		return address, false
	}
	return strings.Join(targets, ","), active
}

// DecodeGoto splits a goto column; the empty-group mark has no targets.
func DecodeGoto(address, column string) []string {
	if column == "" || column == address {
		return nil
	}
	var out []string
	for _, t := range strings.Split(column, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// WasEmpty reports whether a stored alias is the empty-group mark, whose
// active flag is the mark's and not the administrator's.
func WasEmpty(address, column string) bool { return column == address }

// MergeGoto keeps the order of cur for the targets that stay and appends new
// ones in the order given, so an edit moves no existing target (PostfixAdmin
// keeps goto in the order it was written).
func MergeGoto(cur, want []string) []string {
	keep := make(map[string]bool, len(want))
	for _, t := range want {
		keep[t] = true
	}
	var out []string
	seen := make(map[string]bool, len(want))
	for _, t := range cur {
		if keep[t] && !seen[t] {
			out = append(out, t)
			seen[t] = true
		}
	}
	for _, t := range want {
		if !seen[t] {
			out = append(out, t)
			seen[t] = true
		}
	}
	return out
}

// CheckAliasCount applies domain.aliases to a domain that has aliasRows
// alias rows and mailboxes mailboxes, as AliasHandler's create check does:
// 0 unlimited, negative none, else (aliases − mailboxes) must stay below it.
func CheckAliasCount(d Domain, aliasRows, mailboxes int64) error {
	switch n := aliasRows - mailboxes; {
	case d.MaxAliases == 0:
		return nil
	case d.MaxAliases < 0:
		return fault.New(fault.Refused, "domain %s does not allow aliases (maxAliases -1)", d.Name)
	case n >= d.MaxAliases:
		return fault.New(fault.Refused, "domain %s already has %d of its %d aliases (maxAliases)", d.Name, n, d.MaxAliases)
	}
	return nil
}

// CheckDomainDeletable applies DomainHandler::delete()'s refusal (a domain
// that is the target of alias domains) and, unless cascade, this server's
// own: a domain that still has mailboxes, or aliases other than the
// untouched default aliases that came with it, is kept (nothing is lost).
func CheckDomainDeletable(name string, u DomainUsage, aliasDomainTargets, untouchedDefaults int64, cascade bool) error {
	switch {
	case aliasDomainTargets > 0:
		return fault.New(fault.Refused, "domain %s is the target of %d alias domain(s); delete those first", name, aliasDomainTargets)
	case cascade:
		return nil
	case u.Mailboxes > 0 || u.Aliases-untouchedDefaults > 0:
		return fault.New(fault.Refused, "domain %s still has %d mailbox(es) and %d alias(es) besides its unchanged default aliases; delete them first", name, u.Mailboxes, u.Aliases-untouchedDefaults)
	}
	return nil
}
