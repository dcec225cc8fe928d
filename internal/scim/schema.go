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

var multiValueSubAttributes = []Attribute{
	attr("value", "string", "readWrite", "The value."),
	attr("type", "string", "readWrite", "A label such as work or other."),
	attr("primary", "boolean", "readWrite", "Whether this is the primary value."),
	attr("display", "string", "readWrite", "Accepted and ignored."),
}

// ExternalIDStored and ExternalIDNotStored describe externalId in /Schemas,
// depending on whether the companion table exists.
const (
	ExternalIDStored    = "The client's identifier, stored in postfixadmin-scim's companion table; unique per resource type; filterable."
	ExternalIDNotStored = "Accepted but not stored (PostfixAdmin has no column for it; run \"postfixadmin-scim migrate\" to store it)."
)

var externalIDAttribute = func() Attribute {
	a := attr("externalId", "string", "readWrite", ExternalIDStored)
	a.CaseExact = true
	return a
}()

// Schemas are the schemas the server serves, in /Schemas order.
var Schemas = []Schema{
	{
		ID: UserSchema, Name: "User",
		Description: "A PostfixAdmin mailbox. Core User attributes not listed here (nickName, title, addresses, " +
			"externalId, ...) and other extensions are accepted and ignored: PostfixAdmin cannot store them, " +
			"and they are never returned.",
		Attributes: []Attribute{
			attr("userName", "string", "immutable", "The mailbox address (mailbox.username), lower-cased as PostfixAdmin stores it.").required().unique(),
			externalIDAttribute,
			attr("name", "complex", "readWrite", "The person's name; formatted is mailbox.name.").complex(
				attr("formatted", "string", "readWrite", "mailbox.name."),
				attr("givenName", "string", "readWrite", "Composes mailbox.name when formatted is absent; returned as the first word of mailbox.name."),
				attr("middleName", "string", "writeOnly", "Composes mailbox.name when formatted is absent.").returned("never"),
				attr("familyName", "string", "readWrite", "Composes mailbox.name when formatted is absent; returned as the rest of mailbox.name."),
				attr("honorificPrefix", "string", "writeOnly", "Composes mailbox.name when formatted is absent.").returned("never"),
				attr("honorificSuffix", "string", "writeOnly", "Composes mailbox.name when formatted is absent.").returned("never"),
			),
			attr("displayName", "string", "readWrite", "mailbox.name (the same value as name.formatted)."),
			attr("active", "boolean", "readWrite", "mailbox.active and the mailbox's own alias; false is the soft delete."),
			attr("password", "string", "writeOnly", "Hashed as PostfixAdmin's encrypt setting prescribes. Optional on create: without it the mailbox gets an unknown random password and cannot log in until one is set.").returned("never"),
			attr("emails", "complex", "readWrite", "The address (primary) and mailbox.email_other.").multi(multiValueSubAttributes...),
			attr("phoneNumbers", "complex", "readWrite", "mailbox.phone (one number, at most 30 characters).").multi(multiValueSubAttributes...),
		},
	},
	{
		ID: ProvisioningSchema, Name: "ProvisioningUser",
		Description: "Mail provisioning attributes of a PostfixAdmin mailbox.",
		Attributes: []Attribute{
			attr("sizeQuota", "integer", "readWrite", "mailbox.quota in bytes; 0 = unlimited, -1 = disabled."),
			attr("usedQuota", "integer", "readOnly", "Bytes in use, as Dovecot reports them (quota2)."),
			attr("maildir", "string", "readOnly", "The maildir path relative to the mail store."),
		},
	},
	{
		ID: DomainSchema, Name: "Domain",
		Description: "A PostfixAdmin domain. Limits: 0 = unlimited, -1 = disabled.",
		Attributes: []Attribute{
			attr("domainName", "string", "immutable", "The domain name, lower case.").required().unique(),
			externalIDAttribute,
			attr("description", "string", "readWrite", "Free text."),
			attr("maxAliases", "integer", "readWrite", "Maximum number of aliases."),
			attr("maxMailboxes", "integer", "readWrite", "Maximum number of mailboxes."),
			attr("maxQuota", "integer", "readWrite", "Maximum quota of one mailbox, MB."),
			attr("domainQuota", "integer", "readWrite", "Total quota of all mailboxes, MB."),
			attr("usedQuota", "integer", "readOnly", "Space used by the domain's mailboxes, MB."),
			attr("transport", "string", "readWrite", "Postfix transport."),
			attr("backupMx", "boolean", "readWrite", "The domain is relayed as backup MX."),
			attr("passwordExpiry", "integer", "readWrite", "Days until a mailbox password expires; 0 = never."),
			attr("active", "boolean", "readWrite", "Whether the domain is active."),
			attr("mailboxCount", "integer", "readOnly", "Number of mailboxes."),
			attr("aliasCount", "integer", "readOnly", "Number of aliases, not counting mailboxes' own."),
		},
	},
}

// ResourceTypes are the resource types the server serves.
var ResourceTypes = []ResourceType{
	{ID: "User", Name: "User", Endpoint: "/Users", Description: "PostfixAdmin mailboxes", Schema: UserSchema, Extensions: []string{ProvisioningSchema}},
	{ID: "Domain", Name: "Domain", Endpoint: "/Domains", Description: "PostfixAdmin domains", Schema: DomainSchema},
}
