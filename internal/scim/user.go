package scim

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

const (
	UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	// ProvisioningSchema is the extension carrying sizeQuota, spelled as the
	// original's /Schemas advertised it: the canonical spelling here.
	ProvisioningSchema = "urn:audriga:params:scim:schemas:extension:provisioning:2.0:User"
)

// CheckUserSchemas requires the core User schema in schemas.
func CheckUserSchemas(schemas []string) error {
	for _, s := range schemas {
		if strings.EqualFold(s, UserSchema) {
			return nil
		}
	}
	return fault.New(fault.Invalid, "schemas must contain %q", UserSchema)
}

// localPartRE is the local part PostfixAdmin's check_email() accepts.
var localPartRE = regexp.MustCompile(`(?i)^[-!#$%&'*+./0-9=?A-Z^_{|}~]+$`)

// NormalizeAddress lower-cases an address as PostfixAdmin does and validates
// it; it returns the address and its local part and domain.
func NormalizeAddress(addr string) (username, local, domain string, err error) {
	a := strings.ToLower(strings.TrimSpace(addr))
	local, dom, ok := strings.Cut(a, "@")
	if !ok || local == "" || len(local) > 64 || !localPartRE.MatchString(local) ||
		strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", "", "", fault.New(fault.Invalid, "userName %q is not a valid e-mail address", addr)
	}
	if dom, err = NormalizeDomainName(dom); err != nil {
		return "", "", "", fault.New(fault.Invalid, "userName %q: the part after '@' is not a valid domain name", addr)
	}
	return a, local, dom, nil
}

// UserInput is a SCIM User as sent by a client (or, for PATCH, the User
// before and after the operations); nil and empty mean "not given".
type UserInput struct {
	Schemas     []string
	UserName    string
	Name        NameInput
	DisplayName *string
	Active      *bool
	Emails      []Value
	Phones      []Value
	Password    *string
	SizeQuota   *int64  // from the provisioning extension
	ExternalID  *string // nil keeps the stored one (PUT)
	// Forwarding, from the provisioning extension; nil keeps what is stored.
	Forwards         *[]string
	DeliverToMailbox *bool
}

// Value is one value of a multi-valued attribute (emails, phoneNumbers).
type Value struct{ Value, Type string }

// NameInput is the SCIM name complex attribute.
type NameInput struct {
	Formatted, GivenName, MiddleName, FamilyName, HonorificPrefix, HonorificSuffix *string
}

// MailboxRules are the PostfixAdmin settings that shape mailbox rows.
type MailboxRules struct {
	DomainPath      bool // $CONF['domain_path']
	DomainInMailbox bool // $CONF['domain_in_mailbox']
}

// NewMailbox builds the mailbox PostfixAdmin's MailboxHandler writes for a
// POST: what is given is stored; name.formatted and displayName, which are
// both mailbox.name, must agree.
func (r MailboxRules) NewMailbox(in UserInput) (store.MailboxWrite, error) {
	if err := CheckUserSchemas(in.Schemas); err != nil {
		return store.MailboxWrite{}, err
	}
	user, local, domain, err := NormalizeAddress(in.UserName)
	if err != nil {
		return store.MailboxWrite{}, err
	}
	m := store.Mailbox{Username: user, LocalPart: local, Domain: domain, Maildir: r.maildir(user, local, domain), Active: true, DeliverToMailbox: true}
	if m.Name, err = assertedName("", in); err != nil {
		return store.MailboxWrite{}, err
	}
	if err := applyUser(&m, in, fault.Invalid); err != nil {
		return store.MailboxWrite{}, err
	}
	m.Spelling = spellingOf(m, in, parts(in.Name))
	w := store.MailboxWrite{Mailbox: m, QuotaUnset: in.SizeQuota == nil}
	if in.SizeQuota != nil {
		w.QuotaBytes = *in.SizeQuota
	}
	return w, nil
}

// ReplaceMailbox applies a PUT (RFC 7644 §3.5.1): the given attributes replace
// the stored ones; omitted active, sizeQuota and externalId keep their values
// (the password changes only when one is given); userName cannot change.
// Where name.formatted and displayName differ, the one still equal to the
// stored name is the client's stale copy and the other is the change.
func (r MailboxRules) ReplaceMailbox(cur store.Mailbox, in UserInput) (store.MailboxWrite, error) {
	if err := r.sameUser(cur, in); err != nil {
		return store.MailboxWrite{}, err
	}
	m := cur
	m.Phone, m.EmailOther = "", ""
	var err error
	if m.Name, err = assertedName(cur.Name, in); err != nil {
		return store.MailboxWrite{}, err
	}
	if err := applyUser(&m, in, fault.Mutability); err != nil {
		return store.MailboxWrite{}, err
	}
	m.Spelling = spellingOf(m, in, parts(in.Name))
	return store.MailboxWrite{Mailbox: m}, nil
}

// PatchMailbox applies the result of PATCH operations (RFC 7644 §3.5.2):
// before is the User as the client saw it, after the User the operations
// left. What they changed is written: mailbox.name from name.formatted or
// displayName (two different new values are refused), else from changed
// name parts; removing either clears it. The mailbox address cannot leave
// emails. Everything else is after's state.
func (r MailboxRules) PatchMailbox(cur store.Mailbox, before, after UserInput) (store.MailboxWrite, error) {
	if after.Forwards == nil {
		after.Forwards = &[]string{} // removed by the operations (PUT would keep them)
	}
	if err := r.sameUser(cur, after); err != nil {
		return store.MailboxWrite{}, err
	}
	if hasValue(before.Emails, cur.Username) && !hasValue(after.Emails, cur.Username) {
		return store.MailboxWrite{}, fault.New(fault.Mutability, "emails: the mailbox address %s (type work) is userName and cannot be removed", cur.Username)
	}
	m := cur
	m.Phone, m.EmailOther, m.ExternalID = "", "", ""
	var err error
	if m.Name, err = changedName(cur.Name, before, after); err != nil {
		return store.MailboxWrite{}, err
	}
	if err := applyUser(&m, after, fault.Mutability); err != nil {
		return store.MailboxWrite{}, err
	}
	// Parts the operations changed are the client's; parts they left alone
	// stay as kept (with those never returned, such as middleName) while
	// they still go with the name, and are stale once the name changes.
	var kept store.NameParts
	switch {
	case !sameParts(before.Name, after.Name):
		kept = parts(after.Name)
	case m.Name == cur.Name && cur.Spelling.ForName == cur.Name:
		kept = cur.Spelling.Name
	}
	m.Spelling = spellingOf(m, after, kept)
	return store.MailboxWrite{Mailbox: m}, nil
}

func (r MailboxRules) sameUser(cur store.Mailbox, in UserInput) error {
	if err := CheckUserSchemas(in.Schemas); err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimSpace(in.UserName), cur.Username) {
		return fault.New(fault.Mutability, "userName is immutable: PostfixAdmin cannot rename mailbox %s", cur.Username)
	}
	return nil
}

// applyUser sets the attributes other than the name and the password from
// in; workKind is the error for a work email that is not the address
// (Invalid on create, Mutability on a change).
func applyUser(m *store.Mailbox, in UserInput, workKind fault.Kind) error {
	// Lengths and characters of name, phone and email_other are checked by
	// the store against the database's own columns (layouts differ).
	set(&m.Active, in.Active)
	var err error
	if m.EmailOther, err = otherEmail(m.Username, in.Emails, workKind); err != nil {
		return err
	}
	if m.Phone, err = onlyValue("phoneNumbers", "mailbox.phone", in.Phones); err != nil {
		return err
	}
	set(&m.ExternalID, in.ExternalID)
	if utf8.RuneCountInString(m.ExternalID) > 255 {
		return fault.New(fault.Invalid, "externalId is longer than 255 characters")
	}
	if in.SizeQuota != nil {
		m.QuotaBytes = *in.SizeQuota
	}
	if in.Forwards != nil {
		fw := []string{}
		for _, f := range *in.Forwards {
			t, err := normalizeTarget(m.Username, f)
			if err != nil {
				return fault.New(fault.Invalid, "forwards: %v (to keep mail in the mailbox, set deliverToMailbox)", err)
			}
			if !slices.Contains(fw, t) {
				fw = append(fw, t)
			}
		}
		m.Forwards = fw
		if len(fw) == 0 {
			m.Forwards = nil
		}
	}
	set(&m.DeliverToMailbox, in.DeliverToMailbox)
	return nil
}

// otherEmail is mailbox.email_other from a User's emails: the address
// (userName) is implied, and one more address can be stored. A work email
// other than the address would be a second address PostfixAdmin cannot keep.
func otherEmail(username string, emails []Value, workKind fault.Kind) (string, error) {
	var others []Value
	for _, e := range emails {
		switch {
		case strings.EqualFold(e.Value, username):
		case strings.EqualFold(e.Type, "work"):
			return "", fault.New(workKind, "emails: the work email is the mailbox address %s (userName), which PostfixAdmin cannot change; send %q with type \"other\"", username, e.Value)
		default:
			others = append(others, e)
		}
	}
	return onlyValue("emails", "mailbox.email_other, besides the address", others)
}

// onlyValue is the one value PostfixAdmin keeps of a multi-valued attribute;
// more than one is refused, so none is dropped silently.
func onlyValue(attr, column string, vs []Value) (string, error) {
	var out string
	for _, v := range vs {
		switch {
		case out == "":
			out = v.Value
		case !strings.EqualFold(out, v.Value):
			return "", fault.New(fault.Invalid, "%s: PostfixAdmin stores one value (%s); got %q and %q", attr, column, out, v.Value)
		}
	}
	return out, nil
}

func hasValue(vs []Value, v string) bool {
	for _, e := range vs {
		if strings.EqualFold(e.Value, v) {
			return true
		}
	}
	return false
}

// assertedName is mailbox.name as a POST or PUT body asserts it:
// name.formatted or displayName (where they differ, the one equal to the
// stored name is stale), else the name composed from its parts.
func assertedName(stored string, in UserInput) (string, error) {
	f, d := trimmed(in.Name.Formatted), trimmed(in.DisplayName)
	switch {
	case f != "" && d != "" && f != d:
		if f == stored {
			return d, nil
		}
		if d == stored {
			return f, nil
		}
		return "", nameConflict(f, d)
	case f != "":
		return f, nil
	case d != "":
		return d, nil
	}
	return composedName(in.Name), nil
}

// changedName is mailbox.name after PATCH operations: what they changed.
func changedName(stored string, before, after UserInput) (string, error) {
	bf, af := trimmed(before.Name.Formatted), trimmed(after.Name.Formatted)
	bd, ad := trimmed(before.DisplayName), trimmed(after.DisplayName)
	fChanged, dChanged := bf != af, bd != ad
	partsChanged := !sameParts(before.Name, after.Name)
	switch {
	case fChanged && dChanged && af != "" && ad != "" && af != ad:
		return "", nameConflict(af, ad)
	case fChanged && af != "":
		return af, nil
	case dChanged && ad != "":
		return ad, nil
	case partsChanged && composedName(after.Name) != "":
		return composedName(after.Name), nil
	case fChanged || dChanged:
		return "", nil // removed: unassigned
	case partsChanged && af == "" && ad == "":
		return "", nil // every part removed, and no name left
	}
	return stored, nil // the parts are derived from the name, which stays
}

func nameConflict(formatted, display string) error {
	return fault.New(fault.Invalid, "name.formatted %q and displayName %q differ: PostfixAdmin keeps one name (mailbox.name) for both", formatted, display)
}

func nameParts(n NameInput) []*string {
	return []*string{n.HonorificPrefix, n.GivenName, n.MiddleName, n.FamilyName, n.HonorificSuffix}
}

func sameParts(a, b NameInput) bool {
	pa, pb := nameParts(a), nameParts(b)
	for i := range pa {
		if trimmed(pa[i]) != trimmed(pb[i]) {
			return false
		}
	}
	return true
}

// composedName joins the name parts as the original did.
func composedName(n NameInput) string {
	var parts []string
	for _, p := range nameParts(n) {
		if t := trimmed(p); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

// spellingOf is what of the client's spelling the companion table keeps:
// the address in the client's case and name parts that mailbox.name alone
// does not give back (PostfixAdmin keeps the address lower-cased and one name).
func spellingOf(m store.Mailbox, in UserInput, p store.NameParts) store.Spelling {
	var sp store.Spelling
	if u := strings.TrimSpace(in.UserName); u != m.Username {
		sp.UserName = u
	}
	given, family := SplitName(m.Name)
	if p != (store.NameParts{}) && p != (store.NameParts{GivenName: given, FamilyName: family}) {
		sp.Name, sp.ForName = p, m.Name
	}
	return sp
}

func parts(n NameInput) store.NameParts {
	return store.NameParts{GivenName: trimmed(n.GivenName), MiddleName: trimmed(n.MiddleName), FamilyName: trimmed(n.FamilyName),
		HonorificPrefix: trimmed(n.HonorificPrefix), HonorificSuffix: trimmed(n.HonorificSuffix)}
}

// ShownName is a User's name parts as returned: the client's own while
// mailbox.name is still the name they went with (an edit in PostfixAdmin's
// UI makes them stale), else derived from mailbox.name (SplitName).
func ShownName(m store.Mailbox) store.NameParts {
	if m.Spelling.ForName != "" && m.Spelling.ForName == m.Name {
		return m.Spelling.Name
	}
	given, family := SplitName(m.Name)
	return store.NameParts{GivenName: given, FamilyName: family}
}

// ShownUserName is a User's userName as returned: the client's spelling
// where kept, else the address as PostfixAdmin stores it.
func ShownUserName(m store.Mailbox) string {
	if m.Spelling.UserName != "" && strings.EqualFold(m.Spelling.UserName, m.Username) {
		return m.Spelling.UserName
	}
	return m.Username
}

// SplitName is how a User's givenName and familyName are derived from
// mailbox.name, the one name PostfixAdmin keeps: the first word and the rest
// (clients such as Okta require both).
func SplitName(name string) (given, family string) {
	given, family, _ = strings.Cut(name, " ")
	return given, strings.TrimSpace(family)
}

func trimmed(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// maildir is MailboxHandler::_missing_maildir() without a maildir_name_hook.
func (r MailboxRules) maildir(username, local, domain string) string {
	switch {
	case r.DomainPath && r.DomainInMailbox:
		return domain + "/" + username + "/"
	case r.DomainPath:
		return domain + "/" + local + "/"
	}
	return username + "/"
}
