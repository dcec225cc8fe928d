package scim

import (
	"strings"

	"postfixadmin-scim/internal/scimfilter"
)

// The filterable attributes of each resource, mapped to the columns of the
// list and count queries (sql/*/query: mailbox m; domain d). Names
// follow the attribute tables in schema.go; a test keeps the two in step.

var provisioningURNs = []string{ProvisioningSchema, provisioningCodeAlias, provisioningReadmeAlias}

const (
	provisioningCodeAlias   = "urn:ietf:params:scim:schemas:extension:audriga:provisioning:2.0:User"
	provisioningReadmeAlias = "urn:ietf:params:scim:schemas:audriga:provisioning:2.0:User"
)

// UserFilter is the whitelist for filters and sortBy on Users.
var UserFilter = func() scimfilter.Attributes {
	username := scimfilter.Field{Column: "m.username", Type: scimfilter.String, Lowered: true}
	a := scimfilter.Attributes{
		Schemas: []string{strings.ToLower(UserSchema)},
		Fields: map[string]scimfilter.Field{
			"id":                username,
			"username":          username,
			"name.formatted":    {Column: "m.name", Type: scimfilter.String},
			"displayname":       {Column: "m.name", Type: scimfilter.String},
			"active":            {Column: "m.active", Type: scimfilter.Bool},
			"meta.created":      {Column: "m.created", Type: scimfilter.Time},
			"meta.lastmodified": {Column: "m.modified", Type: scimfilter.Time},
		},
		Multi: map[string][]scimfilter.Element{
			"emails": {
				{Fields: map[string]scimfilter.Field{
					"value":   username,
					"type":    {Const: "work", Type: scimfilter.String},
					"primary": {Const: true, Type: scimfilter.Bool},
				}},
				{Exists: "m.email_other <> ''", Fields: map[string]scimfilter.Field{
					"value":   {Column: "m.email_other", Type: scimfilter.String},
					"type":    {Const: "other", Type: scimfilter.String},
					"primary": {Const: false, Type: scimfilter.Bool},
				}},
			},
			"phonenumbers": {
				{Exists: "m.phone <> ''", Fields: map[string]scimfilter.Field{
					"value": {Column: "m.phone", Type: scimfilter.String},
					"type":  {Const: "work", Type: scimfilter.String},
				}},
			},
		},
	}
	for _, urn := range provisioningURNs {
		p := strings.ToLower(urn) + ":"
		a.Fields[p+"sizequota"] = scimfilter.Field{Column: "m.quota", Type: scimfilter.Int}
		a.Fields[p+"usedquota"] = scimfilter.Field{Column: "COALESCE((SELECT q2.bytes FROM quota2 q2 WHERE q2.username = m.username), 0)", Type: scimfilter.Int}
		a.Fields[p+"maildir"] = scimfilter.Field{Column: "m.maildir", Type: scimfilter.String, CaseExact: true}
	}
	return a
}()

// WithExternalID adds externalId to a whitelist, for when the companion
// table exists; resourceType and idColumn name the resource.
func WithExternalID(a scimfilter.Attributes, resourceType, idColumn string) scimfilter.Attributes {
	fields := make(map[string]scimfilter.Field, len(a.Fields)+1)
	for k, v := range a.Fields {
		fields[k] = v
	}
	fields["externalid"] = scimfilter.Field{
		Column:    "COALESCE((SELECT e.external_id FROM scim_external_id e WHERE e.resource_type = '" + resourceType + "' AND e.resource_id = " + idColumn + "), '')",
		Type:      scimfilter.String,
		CaseExact: true,
		// eq, what clients send, goes through the table's unique index.
		Eq: idColumn + " IN (SELECT e.resource_id FROM scim_external_id e WHERE e.resource_type = '" + resourceType + "' AND e.external_id = ?)",
	}
	a.Fields = fields
	return a
}

// DomainFilter is the whitelist for filters and sortBy on Domains.
var DomainFilter = func() scimfilter.Attributes {
	name := scimfilter.Field{Column: "d.domain", Type: scimfilter.String, Lowered: true}
	return scimfilter.Attributes{
		Schemas: []string{strings.ToLower(DomainSchema), strings.ToLower(domainSchemaAliases[0])},
		Fields: map[string]scimfilter.Field{
			"id":                name,
			"domainname":        name,
			"description":       {Column: "d.description", Type: scimfilter.String},
			"maxaliases":        {Column: "d.aliases", Type: scimfilter.Int},
			"maxmailboxes":      {Column: "d.mailboxes", Type: scimfilter.Int},
			"maxquota":          {Column: "d.maxquota", Type: scimfilter.Int},
			"domainquota":       {Column: "d.quota", Type: scimfilter.Int},
			"transport":         {Column: "d.transport", Type: scimfilter.String},
			"backupmx":          {Column: "d.backupmx", Type: scimfilter.Bool},
			"passwordexpiry":    {Column: "d.password_expiry", Type: scimfilter.Int},
			"active":            {Column: "d.active", Type: scimfilter.Bool},
			"meta.created":      {Column: "d.created", Type: scimfilter.Time},
			"meta.lastmodified": {Column: "d.modified", Type: scimfilter.Time},
		},
	}
}()
