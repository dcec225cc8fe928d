package scim

import (
	"reflect"
	"strings"

	"postfixadmin-scim/internal/fault"
)

// BodyKind names what a request body holds.
type BodyKind int

const (
	UserBody BodyKind = iota
	DomainBody
	GroupBody
	PatchOpBody
	SearchRequestBody
)

// member is one attribute of a body: its canonical name and, for complex
// attributes, its sub-attributes.
type member struct {
	name  string
	multi bool
	subs  []member
}

// shape describes the members a body may carry.
type shape struct {
	what       string   // for details: "the User schema"
	members    []member // canonical names, looked up case-insensitively
	ignored    []string // accepted and dropped (attributes PostfixAdmin cannot store)
	extensions []extension
}

// extension is a schema extension: its canonical URN, the aliases accepted
// for it, and its attributes (nil members: accepted and ignored).
type extension struct {
	urn     string
	aliases []string
	members []member
	ignored bool
}

func members(attrs []Attribute) []member {
	out := make([]member, len(attrs))
	for i, a := range attrs {
		out[i] = member{name: a.Name, multi: a.MultiValued, subs: members(a.SubAttributes)}
	}
	return out
}

func names(ns ...string) []member {
	out := make([]member, len(ns))
	for i, n := range ns {
		out[i] = member{name: n}
	}
	return out
}

// common are the members every resource has (RFC 7643 §3.1); id and meta are
// read-only and ignored on input, but must be well-formed.
var common = append(names("schemas", "id"),
	member{name: "meta", subs: names("resourceType", "created", "lastModified", "location", "version")})

var shapes = map[BodyKind]shape{
	UserBody: {
		what:    "the User schema (" + UserSchema + ")",
		members: append(append([]member{}, common...), members(schemaByID(UserSchema).Attributes)...),
		ignored: IgnoredUserAttributes,
		extensions: []extension{
			{urn: ProvisioningSchema, aliases: provisioningURNs[1:], members: members(schemaByID(ProvisioningSchema).Attributes)},
			{urn: EnterpriseUserSchema, ignored: true},
		},
	},
	DomainBody: {
		what:    "the Domain schema (" + DomainSchema + ")",
		members: append(append([]member{}, common...), members(schemaByID(DomainSchema).Attributes)...),
	},
	GroupBody: {
		what:    "the Group schema (" + GroupSchema + ")",
		members: append(append([]member{}, common...), members(schemaByID(GroupSchema).Attributes)...),
		extensions: []extension{
			{urn: AliasGroupSchema, members: members(schemaByID(AliasGroupSchema).Attributes)},
			{urn: EntraGroupSchema, ignored: true},
		},
	},
	PatchOpBody: {
		what:    "a PatchOp (" + PatchOpSchema + ")",
		members: []member{{name: "schemas"}, {name: "Operations", multi: true, subs: names("op", "path", "value")}},
	},
	SearchRequestBody: {
		what:    "a SearchRequest (" + SearchRequestSchema + ")",
		members: names("schemas", "attributes", "excludedAttributes", "filter", "sortBy", "sortOrder", "startIndex", "count"),
	},
}

// Canonicalize rewrites a decoded request body in place, before it is
// validated against the API contract:
//   - attribute names take their canonical spelling: "Attribute names are
//     case insensitive" (RFC 7643 §2.1), and so are the members of PatchOp and
//     SearchRequest messages;
//   - null members are dropped: "Unassigned attributes, the null value, or
//     empty array ... SHALL be considered to be equivalent in state" (RFC 7643
//     §2.5); a PATCH add or replace whose value is null is a remove;
//   - the provisioning extension's aliases merge into its canonical URN;
//   - attributes PostfixAdmin cannot store are dropped when a schema defines
//     them (IgnoredUserAttributes, the enterprise extension), and refused
//     when none does.
//
// PATCH values are left to the PATCH engine, which resolves names the same way.
func Canonicalize(kind BodyKind, body map[string]any) error {
	sh := shapes[kind]
	if err := sh.canonical(body); err != nil {
		return err
	}
	if kind == PatchOpBody {
		if ops, ok := body["Operations"].([]any); ok {
			for _, o := range ops {
				nullValueIsRemove(o)
			}
		}
	}
	return nil
}

// nullValueIsRemove turns {"op": "replace", "path": p, "value": null} into a
// remove of p: after it the attribute is unassigned either way.
func nullValueIsRemove(o any) {
	m, ok := o.(map[string]any)
	if !ok {
		return
	}
	v, has := m["value"]
	if _, hasPath := m["path"]; has && v == nil && hasPath {
		m["op"] = "remove"
		delete(m, "value")
	}
}

func (sh shape) canonical(body map[string]any) error {
	out := make(map[string]any, len(body))
	for k, v := range body {
		if v == nil {
			continue // unassigned
		}
		if ext, ok := sh.extension(k); ok {
			if ext.ignored {
				continue
			}
			obj, ok := v.(map[string]any)
			if !ok {
				return fault.New(fault.Invalid, "%s must be an object of extension attributes", k)
			}
			sub, err := canonicalObject(ext.urn, ext.members, obj)
			if err != nil {
				return err
			}
			if err := mergeInto(out, ext.urn, sub); err != nil {
				return err
			}
			continue
		}
		if containsFold(sh.ignored, k) {
			continue
		}
		m, ok := lookupMember(sh.members, k)
		if !ok {
			return fault.New(fault.Invalid, "%q is not an attribute of %s or of an extension this server knows", k, sh.what)
		}
		cv, err := canonicalValue(m.name, m, v)
		if err != nil {
			return err
		}
		if err := put(out, m.name, cv); err != nil {
			return err
		}
	}
	clear(body)
	for k, v := range out {
		body[k] = v
	}
	return nil
}

// extension finds the extension a member key names, by its URN or an alias.
func (sh shape) extension(key string) (extension, bool) {
	for _, e := range sh.extensions {
		if strings.EqualFold(key, e.urn) || containsFold(e.aliases, key) {
			return e, true
		}
	}
	return extension{}, false
}

func canonicalValue(path string, m member, v any) (any, error) {
	switch {
	case len(m.subs) == 0:
		return v, nil
	case m.multi:
		list, ok := v.([]any)
		if !ok {
			return v, nil // the contract check names the wrong type
		}
		out := make([]any, 0, len(list))
		for _, e := range list {
			if e == nil {
				continue
			}
			if obj, ok := e.(map[string]any); ok {
				c, err := canonicalObject(path, m.subs, obj)
				if err != nil {
					return nil, err
				}
				e = c
			}
			out = append(out, e)
		}
		return out, nil
	}
	if obj, ok := v.(map[string]any); ok {
		return canonicalObject(path, m.subs, obj)
	}
	return v, nil
}

func canonicalObject(path string, subs []member, obj map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if v == nil && path != "Operations" { // an operation's null value is a remove (nullValueIsRemove)
			continue
		}
		m, ok := lookupMember(subs, k)
		if !ok {
			return nil, fault.New(fault.Invalid, "%q is not an attribute of %s", k, path)
		}
		cv, err := canonicalValue(path+"."+m.name, m, v)
		if err != nil {
			return nil, err
		}
		if err := put(out, m.name, cv); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// put sets a canonical member; two spellings of one attribute must agree.
func put(out map[string]any, name string, v any) error {
	if prev, ok := out[name]; ok && !reflect.DeepEqual(prev, v) {
		return fault.New(fault.Invalid, "%s is given twice with different values (attribute names are case-insensitive)", name)
	}
	out[name] = v
	return nil
}

// mergeInto merges an extension object given under one of its spellings.
func mergeInto(out map[string]any, urn string, sub map[string]any) error {
	cur, _ := out[urn].(map[string]any)
	if cur == nil {
		out[urn] = sub
		return nil
	}
	for k, v := range sub {
		if err := put(cur, k, v); err != nil {
			return err
		}
	}
	return nil
}

func lookupMember(ms []member, name string) (member, bool) {
	for _, m := range ms {
		if strings.EqualFold(m.name, name) {
			return m, true
		}
	}
	return member{}, false
}

// schemaByID returns a schema of the table by its URN.
func schemaByID(id string) Schema {
	for _, s := range Schemas {
		if s.ID == id {
			return s
		}
	}
	panic("scim: no schema " + id)
}
