package scim

// Attribute describes a SCIM attribute (RFC 7643 §7). The tables below are
// the one description of what the server's resources hold; /Schemas is
// generated from them.
type Attribute struct {
	Name          string
	Type          string // string, boolean, integer, dateTime, complex, ...
	MultiValued   bool
	Description   string
	Required      bool
	CaseExact     bool
	Mutability    string // readOnly, readWrite, immutable, writeOnly
	Returned      string // always, never, default, request
	Uniqueness    string // none, server, global
	SubAttributes []Attribute

	// The server's own rules, not RFC 7643 characteristics (never served):
	// Fixed says why PostfixAdmin has no unassigned state for the attribute
	// ("" when it has one: remove and null clear it).
	Fixed string
	// MaxValues bounds a multi-valued attribute's values (0: no bound); an
	// add or replace through a value path that matches none creates a value
	// only below it (RFC 7644 §3.5.2.3 noTarget otherwise).
	MaxValues int
}

// Schema is a SCIM schema definition.
type Schema struct {
	ID, Name, Description string
	Attributes            []Attribute
}

// ResourceType is a SCIM resource type (RFC 7643 §6).
type ResourceType struct {
	ID, Name, Endpoint, Description, Schema string
	Extensions                              []string // optional extension schemas
}

func attr(name, typ, mutability, description string) Attribute {
	return Attribute{Name: name, Type: typ, Mutability: mutability, Returned: "default", Uniqueness: "none", Description: description}
}

func (a Attribute) required() Attribute         { a.Required = true; return a }
func (a Attribute) unique() Attribute           { a.Uniqueness = "server"; return a }
func (a Attribute) returned(r string) Attribute { a.Returned = r; return a }
func (a Attribute) multi(sub ...Attribute) Attribute {
	a.MultiValued, a.SubAttributes = true, sub
	return a
}
func (a Attribute) complex(sub ...Attribute) Attribute { a.SubAttributes = sub; return a }
func (a Attribute) fixed(why string) Attribute         { a.Fixed = why; return a }
func (a Attribute) atMost(n int) Attribute             { a.MaxValues = n; return a }

// multiValueSubAttributes describe emails and phoneNumbers as PostfixAdmin
// keeps them: values only, no labels.
func multiValueSubAttributes(types string) []Attribute {
	return []Attribute{
		attr("value", "string", "readWrite", "The value."),
		attr("type", "string", "readWrite", "Not stored: returned as "+types+". On input it only tells the mailbox address (work) from other values."),
		attr("primary", "boolean", "readOnly", "Not stored: the mailbox address is the primary value."),
		attr("display", "string", "writeOnly", "Not stored: accepted and ignored.").returned("never"),
	}
}

// EnterpriseUserSchema is RFC 7643 §4.3's extension. Entra ID sends it; its
// attributes are accepted and ignored (PostfixAdmin cannot store them).
const EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// IgnoredUserAttributes are the RFC 7643 §4.1 core User attributes
// PostfixAdmin cannot store: accepted (POST, PUT, PATCH) and ignored, never
// returned. Any other attribute no schema defines is refused.
var IgnoredUserAttributes = []string{
	"nickName", "profileUrl", "title", "userType", "preferredLanguage", "locale", "timezone",
	"ims", "photos", "addresses", "entitlements", "roles", "x509Certificates",
}

// ExternalIDStored and ExternalIDNotStored describe externalId in /Schemas,
// depending on whether the companion table exists.
const (
	ExternalIDStored    = "The client's identifier, stored in postfixadmin-scim's companion table; filterable; not unique (RFC 7643 §3.1)."
	ExternalIDNotStored = "Accepted but not stored (PostfixAdmin has no column for it; run \"postfixadmin-scim migrate\" to store it)."
)

var externalIDAttribute = func() Attribute {
	a := attr("externalId", "string", "readWrite", ExternalIDStored)
	a.CaseExact = true
	return a
}()

const domainLimit = "PostfixAdmin limits have no unassigned state; replace the limit (0 = unlimited, -1 = disabled)"

// Schemas are the schemas the server serves, in /Schemas order.
var Schemas = []Schema{
	{
		ID: UserSchema, Name: "User",
		Description: "A PostfixAdmin mailbox. The core User attributes not listed here (nickName, profileUrl, title, " +
			"userType, preferredLanguage, locale, timezone, ims, photos, addresses, entitlements, roles, " +
			"x509Certificates) and the enterprise extension are accepted and ignored: PostfixAdmin cannot store them, " +
			"and they are never returned. Other attributes are refused.",
		Attributes: []Attribute{
			attr("userName", "string", "immutable", "The mailbox address (mailbox.username, lower-cased as PostfixAdmin stores it); returned in the client's spelling when postfixadmin-scim's companion table keeps it.").required().unique(),
			externalIDAttribute,
			attr("name", "complex", "readWrite", "The person's name; PostfixAdmin keeps one (mailbox.name).").complex(
				attr("formatted", "string", "readWrite", "mailbox.name, the same value as displayName."),
				attr("givenName", "string", "readWrite", "Returned as sent while mailbox.name is unchanged when postfixadmin-scim's companion table keeps it, else as the first word of mailbox.name. Composes mailbox.name when neither formatted nor displayName is given (PATCH: when only the parts change)."),
				attr("middleName", "string", "writeOnly", "Composes mailbox.name like givenName; kept (not returned) with the companion table.").returned("never"),
				attr("familyName", "string", "readWrite", "Returned like givenName; derived, it is the rest of mailbox.name after the first word. Composes mailbox.name like givenName."),
				attr("honorificPrefix", "string", "writeOnly", "Composes mailbox.name like givenName; kept (not returned) with the companion table.").returned("never"),
				attr("honorificSuffix", "string", "writeOnly", "Composes mailbox.name like givenName; kept (not returned) with the companion table.").returned("never"),
			),
			attr("displayName", "string", "readWrite", "mailbox.name, the same value as name.formatted."),
			attr("active", "boolean", "readWrite", "mailbox.active and the mailbox's own alias; false is the soft delete.").
				fixed("a mailbox is active or not; replace active with false to disable it"),
			attr("password", "string", "writeOnly", "Hashed as PostfixAdmin's encrypt setting prescribes. Optional on create: without it the mailbox gets an unknown random password and cannot log in until one is set.").
				returned("never").fixed("PostfixAdmin requires a password; replace it to change it"),
			attr("emails", "complex", "readWrite", "The mailbox address (type work, primary; it is userName and cannot change) and at most one other address (mailbox.email_other, type other).").
				multi(multiValueSubAttributes("work for the mailbox address, other for mailbox.email_other")...).atMost(2),
			attr("phoneNumbers", "complex", "readWrite", "mailbox.phone: one number, at most 30 characters.").
				multi(multiValueSubAttributes("work")...).atMost(1),
			attr("groups", "complex", "readOnly", "The Groups (aliases) that deliver to the mailbox. Returned only when asked for with attributes=groups: alias targets are not indexed, so finding them reads every alias. Change membership through /Groups.").
				returned("request").multi(
				attr("value", "string", "readOnly", "The Group's id (the alias address)."),
				attr("$ref", "reference", "readOnly", "The Group's URL."),
				attr("display", "string", "readOnly", "The Group's displayName."),
				attr("type", "string", "readOnly", "Always direct (aliases delivering to aliases are not followed)."),
			),
		},
	},
	{
		ID: ProvisioningSchema, Name: "ProvisioningUser",
		Description: "Mail provisioning attributes of a PostfixAdmin mailbox.",
		Attributes: []Attribute{
			attr("sizeQuota", "integer", "readWrite", "mailbox.quota in bytes, a whole number of PostfixAdmin's quota_multiplier (1 MB); 0 = unlimited, -1 = disabled.").
				fixed("a mailbox always has a quota; replace sizeQuota with 0 for unlimited"),
			attr("usedQuota", "integer", "readOnly", "Bytes in use, as Dovecot reports them (quota2)."),
			attr("maildir", "string", "readOnly", "The maildir path relative to the mail store."),
			attr("forwards", "string", "readWrite", "Addresses the mailbox's own alias also delivers to, as PostfixAdmin's \"edit forward\" screen writes them (alias.goto, before the vacation target and the mailbox itself). PUT without it keeps them.").multi(),
			attr("deliverToMailbox", "boolean", "readWrite", "Whether the mailbox's own alias still delivers to the mailbox (PostfixAdmin's \"deliver to the local mailbox\"); false needs at least one forward.").
				fixed("mail is delivered to the mailbox or not; replace deliverToMailbox with true or false"),
		},
	},
	{
		ID: DomainSchema, Name: "Domain",
		Description: "A PostfixAdmin domain. Limits: 0 = unlimited, -1 = disabled.",
		Attributes: []Attribute{
			attr("domainName", "string", "immutable", "The domain name, lower case.").required().unique(),
			externalIDAttribute,
			attr("description", "string", "readWrite", "Free text."),
			attr("maxAliases", "integer", "readWrite", "Maximum number of aliases.").fixed(domainLimit),
			attr("maxMailboxes", "integer", "readWrite", "Maximum number of mailboxes.").fixed(domainLimit),
			attr("maxQuota", "integer", "readWrite", "Maximum quota of one mailbox, MB.").fixed(domainLimit),
			attr("domainQuota", "integer", "readWrite", "Total quota of all mailboxes, MB.").fixed(domainLimit),
			attr("usedQuota", "integer", "readOnly", "Space used by the domain's mailboxes, MB."),
			attr("transport", "string", "readWrite", "Postfix transport.").fixed("Postfix needs a transport; replace it (PUT without it restores the default)"),
			attr("backupMx", "boolean", "readWrite", "The domain is relayed as backup MX.").fixed("replace backupMx with false instead"),
			attr("passwordExpiry", "integer", "readWrite", "Days until a mailbox password expires; 0 = never.").fixed("replace passwordExpiry with 0 for never"),
			attr("active", "boolean", "readWrite", "Whether the domain is active.").fixed("replace active with false to disable the domain"),
			attr("mailboxCount", "integer", "readOnly", "Number of mailboxes."),
			attr("aliasCount", "integer", "readOnly", "Number of aliases, not counting mailboxes' own."),
			attr("aliasFor", "string", "readWrite", "The domain this one mirrors as a PostfixAdmin alias domain (alias_domain): mail to any address here goes to the same address there. Both must be domains of this server; no chains. PUT without it keeps it; remove ends the mirroring."),
		},
	},
	{
		ID: GroupSchema, Name: "Group",
		Description: "A PostfixAdmin alias (not a mailbox's own alias): its targets that are mailboxes of this server are members, " +
			"the others are the extension's externalMembers. Catch-all aliases (@domain) are reached by id only.",
		Attributes: []Attribute{
			attr("displayName", "string", "readWrite", "alias.description where the layout has it (PostfixAdmin master) and it is set, else the address; on create without the extension's address, the address itself."),
			externalIDAttribute,
			attr("members", "complex", "readWrite", "The alias targets that are mailboxes (Users) of this server, in goto order; adding anything else is refused.").multi(
				attr("value", "string", "immutable", "The member User's id (its mailbox address)."),
				attr("$ref", "reference", "immutable", "The member User's URL."),
				attr("display", "string", "readOnly", "The member's mailbox name."),
				attr("type", "string", "immutable", "Always User."),
			),
		},
	},
	{
		ID: AliasGroupSchema, Name: "AliasGroup",
		Description: "What a PostfixAdmin alias has that the core Group schema cannot say.",
		Attributes: []Attribute{
			attr("address", "string", "immutable", "The alias address (lower case; a catch-all is @domain). Give it on create unless displayName is the address."),
			attr("externalMembers", "string", "readWrite", "The alias targets that are not mailboxes of this server (other addresses, @domain forwards, local accounts), in goto order. Kept by every members operation; PUT without it keeps them.").multi(),
			attr("active", "boolean", "readOnly", "alias.active. A Group without targets is stored as an inactive alias delivering to itself (PostfixAdmin cannot store an empty goto); targets make it active again."),
		},
	},
}

// ResourceTypes are the resource types the server serves.
var ResourceTypes = []ResourceType{
	{ID: "User", Name: "User", Endpoint: "/Users", Description: "PostfixAdmin mailboxes", Schema: UserSchema, Extensions: []string{ProvisioningSchema}},
	{ID: "Domain", Name: "Domain", Endpoint: "/Domains", Description: "PostfixAdmin domains", Schema: DomainSchema},
	{ID: "Group", Name: "Group", Endpoint: "/Groups", Description: "PostfixAdmin aliases", Schema: GroupSchema, Extensions: []string{AliasGroupSchema}},
}
