package sqlstore

import (
	"context"
	"fmt"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scimfilter"
	"postfixadmin-scim/internal/sqltemplate"
	"postfixadmin-scim/internal/store"
)

// The filterable attributes of each resource, by canonical key (lower-cased
// path; extension attributes carry their prefix from internal/scim's filter
// schemas), mapped to the columns of the list and count queries
// (sql/*/query: mailbox m, domain d, alias a). A test in internal/scim keeps
// these keys and the attribute tables in step.

// userAttributes is the whitelist for filters and sortBy on Users.
// isTarget writes the engine's goto membership condition (Store.isTarget).
func userAttributes(externalIDs bool, isTarget func(target, gotoCol string) string) scimfilter.Attributes {
	username := scimfilter.Field{Column: "m.username", Type: scimfilter.String, Lowered: true}
	a := scimfilter.Attributes{
		Fields: map[string]scimfilter.Field{
			"id":                     username,
			"username":               username,
			"name.formatted":         {Column: "m.name", Type: scimfilter.String},
			"displayname":            {Column: "m.name", Type: scimfilter.String},
			"active":                 {Column: "m.active", Type: scimfilter.Bool},
			"meta.created":           {Column: "m.created", Type: scimfilter.Time},
			"meta.lastmodified":      {Column: "m.modified", Type: scimfilter.Time},
			"provisioning:sizequota": {Column: "m.quota", Type: scimfilter.Int},
			"provisioning:usedquota": {Column: "COALESCE((SELECT q2.bytes FROM quota2 q2 WHERE q2.username = m.username), 0)", Type: scimfilter.Int},
			"provisioning:maildir":   {Column: "m.maildir", Type: scimfilter.String, CaseExact: true, Latin1: true},
			// The mailbox's own alias, by primary key.
			"provisioning:forwards": {Column: "m.username", Type: scimfilter.String, Lowered: true, EqOnly: true,
				Eq: "EXISTS (SELECT 1 FROM alias sa WHERE sa.address = m.username AND " + isTarget("?", "sa.goto") + ")"},
			"provisioning:delivertomailbox": {Column: "(EXISTS (SELECT 1 FROM alias sa WHERE sa.address = m.username AND " + isTarget("m.username", "sa.goto") + "))", Type: scimfilter.Bool},
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
	if externalIDs {
		withExternalID(a, "User", "m.username")
	}
	return a
}

// domainAttributes is the whitelist for filters and sortBy on Domains.
func domainAttributes(externalIDs bool) scimfilter.Attributes {
	name := scimfilter.Field{Column: "d.domain", Type: scimfilter.String, Lowered: true}
	a := scimfilter.Attributes{
		Fields: map[string]scimfilter.Field{
			"id":                name,
			"domainname":        name,
			"description":       {Column: "d.description", Type: scimfilter.String},
			"maxaliases":        {Column: "d.aliases", Type: scimfilter.Int},
			"maxmailboxes":      {Column: "d.mailboxes", Type: scimfilter.Int},
			"maxquota":          {Column: "d.maxquota", Type: scimfilter.Int},
			"domainquota":       {Column: "d.quota", Type: scimfilter.Int},
			"transport":         {Column: "d.transport", Type: scimfilter.String, Latin1: true},
			"backupmx":          {Column: "d.backupmx", Type: scimfilter.Bool},
			"passwordexpiry":    {Column: "d.password_expiry", Type: scimfilter.Int},
			"active":            {Column: "d.active", Type: scimfilter.Bool},
			"aliasfor":          {Column: "COALESCE((SELECT ad.target_domain FROM alias_domain ad WHERE ad.alias_domain = d.domain), '')", Type: scimfilter.String, Lowered: true},
			"meta.created":      {Column: "d.created", Type: scimfilter.Time},
			"meta.lastmodified": {Column: "d.modified", Type: scimfilter.Time},
		},
	}
	if externalIDs {
		withExternalID(a, "Domain", "d.domain")
	}
	return a
}

// withExternalID adds externalId to a whitelist, for when the companion
// table exists; resourceType and idColumn name the resource.
func withExternalID(a scimfilter.Attributes, resourceType, idColumn string) {
	a.Fields["externalid"] = scimfilter.Field{
		Column:    "COALESCE((SELECT e.external_id FROM scim_external_id e WHERE e.resource_type = '" + resourceType + "' AND e.resource_id = " + idColumn + "), '')",
		Type:      scimfilter.String,
		CaseExact: true,
		// eq, what clients send, goes through the table's index.
		Eq: idColumn + " IN (SELECT e.resource_id FROM scim_external_id e WHERE e.resource_type = '" + resourceType + "' AND e.external_id = ?)",
	}
}

// listQuery is a list request translated for one resource's queries.
type listQuery struct {
	ctx      context.Context // carries the where and order templates
	countKey string
	page     store.Page
}

// translate turns q into the where and order templates of a resource's
// list and count queries; tie is the id column that keeps the order stable.
// An attribute the whitelist does not name is the client's mistake.
func translate(ctx context.Context, resource string, attrs scimfilter.Attributes, tie string, q store.Query) (listQuery, error) {
	where, err := attrs.Where(q.Filter)
	if err != nil {
		return listQuery{}, err // *scimfilter.Error: invalidFilter
	}
	order, err := attrs.OrderBy(q.Sort, tie)
	if err != nil {
		return listQuery{}, &fault.Error{Kind: fault.Invalid, Detail: fmt.Sprint(err), Err: err}
	}
	frags := map[string]sqltemplate.Fragment{"where": where, "order": {SQL: order}}
	if outer, ok := sqltemplate.From(ctx); ok {
		for k, v := range outer {
			frags[k] = v
		}
	}
	ctx = sqltemplate.With(ctx, frags)
	return listQuery{ctx: ctx, countKey: countKey(resource, where.SQL, where.Args), page: q.Page}, nil
}
