package scim

import (
	"regexp"
	"strings"

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

// UserInput is a SCIM User as sent by a client; nil means "not given".
type UserInput struct {
	Schemas     []string
	UserName    string
	Name        NameInput
	DisplayName *string
	Active      *bool
	Emails      []string // values, primary first
	Phones      []string // values, primary first
	Password    *string
	SizeQuota   *int64  // from the provisioning extension under any accepted key
	ExternalID  *string // nil keeps the stored one
}

// NameInput is the SCIM name complex attribute.
type NameInput struct {
	Formatted, GivenName, MiddleName, FamilyName, HonorificPrefix, HonorificSuffix *string
}

// MailboxRules are the PostfixAdmin settings that shape mailbox rows.
type MailboxRules struct {
	DomainPath      bool // $CONF['domain_path']
	DomainInMailbox bool // $CONF['domain_in_mailbox']
}

// NewMailbox builds the mailbox PostfixAdmin's MailboxHandler writes for in.
func (r MailboxRules) NewMailbox(in UserInput) (store.MailboxWrite, error) {
	if err := CheckUserSchemas(in.Schemas); err != nil {
		return store.MailboxWrite{}, err
	}
	user, local, domain, err := NormalizeAddress(in.UserName)
	if err != nil {
		return store.MailboxWrite{}, err
	}
	m := store.Mailbox{Username: user, LocalPart: local, Domain: domain, Maildir: r.maildir(user, local, domain), Active: true}
	w := store.MailboxWrite{Mailbox: m, QuotaUnset: in.SizeQuota == nil}
	if err := applyUser(&w.Mailbox, in); err != nil {
		return store.MailboxWrite{}, err
	}
	if in.SizeQuota != nil {
		w.QuotaBytes = *in.SizeQuota
	}
	return w, nil
}

// ReplaceMailbox applies a PUT (RFC 7644 §3.5.1): the given attributes replace
// the stored ones; omitted active and sizeQuota keep their values (the password
// changes only when one is given); userName cannot change.
func (r MailboxRules) ReplaceMailbox(cur store.Mailbox, in UserInput) (store.MailboxWrite, error) {
	if err := CheckUserSchemas(in.Schemas); err != nil {
		return store.MailboxWrite{}, err
	}
	if !strings.EqualFold(strings.TrimSpace(in.UserName), cur.Username) {
		return store.MailboxWrite{}, fault.New(fault.Mutability, "userName is immutable: PostfixAdmin cannot rename mailbox %s", cur.Username)
	}
	m := cur
	m.Name, m.Phone, m.EmailOther = "", "", ""
	if err := applyUser(&m, in); err != nil {
		return store.MailboxWrite{}, err
	}
	if in.SizeQuota != nil {
		m.QuotaBytes = *in.SizeQuota
	}
	return store.MailboxWrite{Mailbox: m}, nil
}

func applyUser(m *store.Mailbox, in UserInput) error {
	m.Name = displayName(in)
	if len(m.Name) > 255 {
		return fault.New(fault.Invalid, "name is longer than PostfixAdmin's 255 characters")
	}
	set(&m.Active, in.Active)
	for _, e := range in.Emails {
		if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, m.Username) {
			if len(e) > 255 {
				return fault.New(fault.Invalid, "emails: %q is longer than 255 characters", e)
			}
			m.EmailOther = e // the first email that is not the address itself
			break
		}
	}
	if len(in.Phones) > 0 {
		m.Phone = strings.TrimSpace(in.Phones[0])
		if len(m.Phone) > 30 {
			return fault.New(fault.Invalid, "phoneNumbers: PostfixAdmin stores at most 30 characters")
		}
	}
	set(&m.ExternalID, in.ExternalID)
	if len(m.ExternalID) > 255 {
		return fault.New(fault.Invalid, "externalId is longer than 255 characters")
	}
	if in.SizeQuota != nil && *in.SizeQuota < -1 {
		return fault.New(fault.Invalid, "sizeQuota must be 0 (unlimited), -1 (disabled) or a positive number of bytes")
	}
	return nil
}

// displayName is mailbox.name: name.formatted, else the name composed from
// its parts (as the original did), else displayName.
func displayName(in UserInput) string {
	if in.Name.Formatted != nil && strings.TrimSpace(*in.Name.Formatted) != "" {
		return strings.TrimSpace(*in.Name.Formatted)
	}
	var parts []string
	for _, p := range []*string{in.Name.HonorificPrefix, in.Name.GivenName, in.Name.MiddleName, in.Name.FamilyName, in.Name.HonorificSuffix} {
		if p != nil && strings.TrimSpace(*p) != "" {
			parts = append(parts, strings.TrimSpace(*p))
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " ")
	}
	if in.DisplayName != nil {
		return strings.TrimSpace(*in.DisplayName)
	}
	return ""
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
