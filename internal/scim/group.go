package scim

import (
	"regexp"
	"strings"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

const (
	GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	// AliasGroupSchema is this server's Group extension: what an alias has
	// that the core Group schema cannot say.
	AliasGroupSchema = "urn:postfixadmin-scim:schemas:extension:alias:2.0:Group"
	// EntraGroupSchema is the extension URN Entra ID puts in every Group it
	// sends; it carries nothing PostfixAdmin stores.
	EntraGroupSchema = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
)

// AliasKeyPrefix starts the canonical filter keys of the alias extension.
const AliasKeyPrefix = "alias:"

// GroupFilterSchemas resolves filter attribute paths on Groups.
var GroupFilterSchemas = map[string]string{strings.ToLower(GroupSchema): "", strings.ToLower(AliasGroupSchema): AliasKeyPrefix}

// GroupInput is a SCIM Group as sent by a client (or, for PATCH, the Group
// after the operations); nil means "not given".
type GroupInput struct {
	Schemas         []string
	DisplayName     *string
	Members         []string  // member values (User ids)
	ExternalMembers *[]string // nil keeps the stored ones (PUT)
	Address         *string   // the extension's address (create only)
	ExternalID      *string   // nil keeps the stored one (PUT)
}

// CheckGroupSchemas requires the core Group schema in schemas.
func CheckGroupSchemas(schemas []string) error {
	for _, s := range schemas {
		if strings.EqualFold(s, GroupSchema) {
			return nil
		}
	}
	return fault.New(fault.Invalid, "schemas must contain %q", GroupSchema)
}

// NormalizeAliasAddress lower-cases an alias address as AliasHandler does;
// a catch-all ("*@domain" or "@domain") is stored as "@domain".
func NormalizeAliasAddress(addr string) (address, domain string, err error) {
	a := strings.ToLower(strings.TrimSpace(addr))
	if rest, ok := strings.CutPrefix(a, "*@"); ok {
		a = "@" + rest
	}
	if rest, ok := strings.CutPrefix(a, "@"); ok {
		d, err := NormalizeDomainName(rest)
		if err != nil {
			return "", "", fault.New(fault.Invalid, "%q is not a valid alias address", addr)
		}
		return "@" + d, d, nil
	}
	u, _, d, err := NormalizeAddress(a)
	if err != nil {
		return "", "", fault.New(fault.Invalid, "%q is not a valid alias address", addr)
	}
	return u, d, nil
}

// localAccountRE is the bare local system account AliasHandler accepts as a target.
var localAccountRE = regexp.MustCompile(`^[a-z0-9]+$`)

// normalizeTarget checks one goto target of alias as AliasHandler does: an
// address, "@domain" (a catch-all forwarding to a domain) or a local system
// account; never the alias itself, never a comma (goto's separator).
func normalizeTarget(alias, target string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(target))
	switch {
	case strings.HasPrefix(t, "@"):
		if _, err := NormalizeDomainName(t[1:]); err != nil {
			return "", fault.New(fault.Invalid, "target %q is not a valid address", target)
		}
	case localAccountRE.MatchString(t):
	default:
		u, _, _, err := NormalizeAddress(t)
		if err != nil {
			return "", fault.New(fault.Invalid, "target %q is not a valid address", target)
		}
		t = u
	}
	if t == alias {
		return "", fault.New(fault.Invalid, "an alias cannot deliver to itself (%s)", alias)
	}
	return t, nil
}

// groupDescription is the alias.description for a displayName: none when it
// is the address (which a Group without description shows).
func groupDescription(address string, displayName *string) (string, error) {
	if displayName == nil {
		return "", nil
	}
	d := strings.TrimSpace(*displayName)
	if strings.EqualFold(d, address) {
		return "", nil
	}
	return d, nil // its length is checked against the live column by the store
}

// NewGroup derives the alias of a POST. The address is the extension's, or
// displayName when that is an address (Entra ID and Okta send only a name).
func NewGroup(in GroupInput) (store.GroupWrite, error) {
	if err := CheckGroupSchemas(in.Schemas); err != nil {
		return store.GroupWrite{}, err
	}
	raw := ""
	switch {
	case in.Address != nil:
		raw = *in.Address
	case in.DisplayName != nil && strings.Contains(*in.DisplayName, "@"):
		raw = *in.DisplayName
	default:
		return store.GroupWrite{}, fault.New(fault.Invalid,
			"a Group is a PostfixAdmin alias and needs an address: give it in %s:address, or make displayName the address (e.g. sales@example.org)", AliasGroupSchema)
	}
	address, domain, err := NormalizeAliasAddress(raw)
	if err != nil {
		return store.GroupWrite{}, err
	}
	w := store.GroupWrite{Address: address, Domain: domain}
	return w, applyGroup(&w, nil, in)
}

// ReplaceGroup derives the alias of a PUT (and of a patched Group): members
// and displayName as given; externalMembers and externalId, when not given,
// keep their stored values.
func ReplaceGroup(cur store.Group, in GroupInput) (store.GroupWrite, error) {
	if err := CheckGroupSchemas(in.Schemas); err != nil {
		return store.GroupWrite{}, err
	}
	if in.Address != nil {
		if a, _, err := NormalizeAliasAddress(*in.Address); err != nil || a != cur.Address {
			return store.GroupWrite{}, fault.New(fault.Mutability, "address is immutable (%s)", cur.Address)
		}
	}
	w := store.GroupWrite{Address: cur.Address, Domain: cur.Domain, ExternalID: cur.ExternalID}
	return w, applyGroup(&w, &cur, in)
}

func applyGroup(w *store.GroupWrite, cur *store.Group, in GroupInput) error {
	var err error
	if w.Description, err = groupDescription(w.Address, in.DisplayName); err != nil {
		return err
	}
	if in.ExternalID != nil {
		w.ExternalID = *in.ExternalID
	}
	seen := map[string]bool{}
	for _, m := range in.Members {
		u, _, _, err := NormalizeAddress(m)
		if err != nil {
			return fault.New(fault.Invalid, "member %q is not a User id of this server (a mailbox address)", m)
		}
		if u == w.Address {
			return fault.New(fault.Invalid, "an alias cannot deliver to itself (%s)", u)
		}
		if !seen[u] {
			seen[u] = true
			w.Members = append(w.Members, u)
		}
	}
	external := []string{}
	switch {
	case in.ExternalMembers != nil:
		external = *in.ExternalMembers
	case cur != nil:
		for _, t := range cur.Targets {
			if !t.Mailbox {
				external = append(external, t.Address)
			}
		}
	}
	for _, e := range external {
		t, err := normalizeTarget(w.Address, e)
		if err != nil {
			return err
		}
		if !seen[t] {
			seen[t] = true
			w.External = append(w.External, t)
		}
	}
	var before []string
	if cur != nil {
		before = cur.Goto()
	}
	w.Goto = store.MergeGoto(before, append(append([]string{}, w.Members...), w.External...))
	return nil
}

// GroupVersion is a group's meta.version and ETag.
func GroupVersion(g store.Group) string {
	return Version(g.Address, g.Description, strings.Join(g.Goto(), ","), g.Active, g.ExternalID, g.Modified.UnixNano())
}
