// Package scim holds the SCIM semantics that do not depend on HTTP: schema
// URNs, the rules that turn a SCIM Domain into a PostfixAdmin domain row
// (names, defaults, replace semantics) and resource versions.
package scim

import (
	"math"
	"regexp"
	"slices"
	"strings"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

const (
	DomainSchema       = "urn:ietf:params:scim:schemas:audriga:2.0:Domain"
	ErrorSchema        = "urn:ietf:params:scim:api:messages:2.0:Error"
	ListResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
)

// domainSchemaAliases are accepted on input for compatibility: the PHP
// original advertised this URN in /Schemas.
var domainSchemaAliases = []string{"urn:ietf:params:scim:schema:audriga:core:2.0:Domain"}

// CheckDomainSchemas requires the Domain schema (or an accepted alias) in schemas.
func CheckDomainSchemas(schemas []string) error {
	for _, s := range schemas {
		if strings.EqualFold(s, DomainSchema) || slices.ContainsFunc(domainSchemaAliases, func(a string) bool { return strings.EqualFold(a, s) }) {
			return nil
		}
	}
	return fault.New(fault.Invalid, "schemas must contain %q", DomainSchema)
}

// domainRE is PostfixAdmin's check_domain() pattern (case-insensitive).
var domainRE = regexp.MustCompile(`(?i)^([-0-9A-Z]+\.)+([-0-9A-Z]){1,13}$`)

// NormalizeDomainName lower-cases name as PostfixAdmin does and validates it.
func NormalizeDomainName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if len(n) > 255 || !domainRE.MatchString(n) {
		return "", fault.New(fault.Invalid, "domainName %q is not a valid domain name", name)
	}
	if n == strings.ToLower(store.PseudoDomainAll) {
		return "", fault.New(fault.Invalid, "domainName %q is reserved by PostfixAdmin", name)
	}
	return n, nil
}

// DomainInput is a SCIM Domain as sent by a client; nil means "not given".
type DomainInput struct {
	Schemas        []string
	Name           string
	Description    *string
	MaxAliases     *int64
	MaxMailboxes   *int64
	MaxQuotaMB     *int64
	QuotaMB        *int64
	Transport      *string
	BackupMX       *bool
	Active         *bool
	PasswordExpiry *int64
	ExternalID     *string // nil keeps the stored one
	AliasFor       *string // nil keeps the stored one ("" on create)
}

// DomainRules are the PostfixAdmin settings that shape new and replaced domains.
type DomainRules struct {
	Defaults       store.Domain      // limits, transport, password expiry of a new domain
	DefaultAliases map[string]string // local part -> target
	VacationDomain string
}

// NewDomain builds the row PostfixAdmin's DomainHandler writes for a new
// domain: every attribute not given gets its configured default.
func (r DomainRules) NewDomain(in DomainInput) (store.Domain, error) {
	if err := CheckDomainSchemas(in.Schemas); err != nil {
		return store.Domain{}, err
	}
	name, err := NormalizeDomainName(in.Name)
	if err != nil {
		return store.Domain{}, err
	}
	if r.VacationDomain != "" && strings.EqualFold(name, r.VacationDomain) {
		return store.Domain{}, fault.New(fault.Invalid, "domainName %q is PostfixAdmin's vacation domain", name)
	}
	d := r.Defaults
	d.Name = name
	d.Description = ""
	d.Active = true
	d.BackupMX = false
	applyDomain(&d, in)
	if d.AliasFor != "" {
		n, err := NormalizeDomainName(d.AliasFor)
		if err != nil {
			return store.Domain{}, fault.New(fault.Invalid, "aliasFor %q is not a valid domain name", d.AliasFor)
		}
		d.AliasFor = n
	}
	return d, CheckDomain(d)
}

// ReplaceDomain applies a PUT: omitted limits return to their defaults (never
// silently to 0), omitted active keeps the current value, the name cannot change.
func (r DomainRules) ReplaceDomain(cur store.Domain, in DomainInput) (store.Domain, error) {
	if err := CheckDomainSchemas(in.Schemas); err != nil {
		return store.Domain{}, err
	}
	if !strings.EqualFold(strings.TrimSpace(in.Name), cur.Name) {
		return store.Domain{}, fault.New(fault.Mutability, "domainName is immutable (%q cannot become %q)", cur.Name, in.Name)
	}
	d := r.Defaults
	d.Name, d.Created, d.Modified, d.ExternalID, d.AliasFor = cur.Name, cur.Created, cur.Modified, cur.ExternalID, cur.AliasFor
	d.Description = ""
	d.Active = cur.Active
	d.BackupMX = false
	applyDomain(&d, in)
	if d.AliasFor != "" {
		n, err := NormalizeDomainName(d.AliasFor)
		if err != nil {
			return store.Domain{}, fault.New(fault.Invalid, "aliasFor %q is not a valid domain name", d.AliasFor)
		}
		d.AliasFor = n
	}
	return d, CheckDomain(d)
}

// maxDomainInt is the domain table's int4 limits (PostfixAdmin's
// int(10)/integer in every layout).
const maxDomainInt = math.MaxInt32

// CheckDomain refuses limits the domain row cannot hold and transports
// Postfix cannot use, before any write, so that none is stored altered or
// fails in the database. The text columns' lengths and character sets
// differ between layouts: the store checks them against the live schema.
func CheckDomain(d store.Domain) error {
	for _, l := range []struct {
		name string
		v    int64
		min  int64
	}{
		{"maxAliases", d.MaxAliases, -1}, {"maxMailboxes", d.MaxMailboxes, -1}, {"maxQuota", d.MaxQuotaMB, -1},
		{"domainQuota", d.QuotaMB, -1}, {"passwordExpiry", d.PasswordExpiryDays, 0},
	} {
		if l.v < l.min || l.v > maxDomainInt {
			return fault.New(fault.Invalid, "%s must be between %d and %d (PostfixAdmin's column)", l.name, l.min, maxDomainInt)
		}
	}
	for _, r := range d.Transport {
		if r < 0x20 || r > 0x7e {
			return fault.New(fault.Invalid, "transport must be printable ASCII, as Postfix transports are (e.g. virtual, relay:[mx.example.com])")
		}
	}
	return nil
}

func applyDomain(d *store.Domain, in DomainInput) {
	set(&d.Description, in.Description)
	set(&d.MaxAliases, in.MaxAliases)
	set(&d.MaxMailboxes, in.MaxMailboxes)
	set(&d.MaxQuotaMB, in.MaxQuotaMB)
	set(&d.QuotaMB, in.QuotaMB)
	set(&d.Transport, in.Transport)
	set(&d.BackupMX, in.BackupMX)
	set(&d.Active, in.Active)
	set(&d.PasswordExpiryDays, in.PasswordExpiry)
	set(&d.ExternalID, in.ExternalID)
	set(&d.AliasFor, in.AliasFor)
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// DefaultAliasesFor expands the configured default aliases for a domain, as
// DomainHandler does: a target without '@' gets "@<domain>".
func (r DomainRules) DefaultAliasesFor(domain string) []store.Alias {
	locals := make([]string, 0, len(r.DefaultAliases))
	for l := range r.DefaultAliases {
		locals = append(locals, l)
	}
	slices.Sort(locals)
	out := make([]store.Alias, 0, len(locals))
	for _, l := range locals {
		target := r.DefaultAliases[l]
		if !strings.Contains(target, "@") {
			target += "@" + domain
		}
		out = append(out, store.Alias{Address: strings.ToLower(l) + "@" + domain, Goto: target, Domain: domain, Active: true})
	}
	return out
}
