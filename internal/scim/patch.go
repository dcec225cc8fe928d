package scim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"postfixadmin-scim/internal/fault"
)

// PatchOpSchema is the schema of PATCH bodies (RFC 7644 §3.5.2).
const PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// SearchRequestSchema is the schema of POST .search bodies (RFC 7644 §3.4.3).
const SearchRequestSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// PatchOp is one operation of a PATCH request. Op is taken in any case
// (Entra ID sends "Replace").
type PatchOp struct {
	Op       string
	Path     string
	Value    any
	HasValue bool
}

// patchTarget describes what a PATCH may touch in a resource's JSON form.
type patchTarget struct {
	core       string
	extensions []string // the canonical extension URN first, then accepted aliases
	attrs      []Attribute
	extAttrs   []Attribute
	// ignored are attributes and extension URNs a schema defines but
	// PostfixAdmin cannot store: operations on them are accepted and do nothing.
	ignored, ignoredExtensions []string
}

var (
	userPatch = patchTarget{core: UserSchema, extensions: provisioningURNs,
		attrs: schemaByID(UserSchema).Attributes, extAttrs: schemaByID(ProvisioningSchema).Attributes,
		ignored: IgnoredUserAttributes, ignoredExtensions: []string{EnterpriseUserSchema}}
	domainPatch = patchTarget{core: DomainSchema, attrs: schemaByID(DomainSchema).Attributes}
	groupPatch  = patchTarget{core: GroupSchema, extensions: []string{AliasGroupSchema},
		attrs: schemaByID(GroupSchema).Attributes, extAttrs: schemaByID(AliasGroupSchema).Attributes,
		ignoredExtensions: []string{EntraGroupSchema}}
)

// PatchGroup applies ops to a Group in its JSON form.
func PatchGroup(res map[string]any, ops []PatchOp) error { return groupPatch.apply(res, ops) }

// PatchUser applies ops to a User in its JSON form; what the result means
// for the mailbox is MailboxRules.PatchMailbox's to decide.
func PatchUser(res map[string]any, ops []PatchOp) error { return userPatch.apply(res, ops) }

// PatchedPassword is the password PATCH operations set, if any, found
// before they are applied, so that it can be hashed (slowly) before the
// write transaction takes its locks. The last one set wins, as applying
// the operations in order gives.
func PatchedPassword(ops []PatchOp) *string {
	var pw *string
	take := func(v any) {
		if s, ok := v.(string); ok {
			pw = &s
		}
	}
	for _, op := range ops {
		if k := strings.ToLower(op.Op); k != "add" && k != "replace" {
			continue
		}
		path := strings.ToLower(op.Path)
		path = strings.TrimPrefix(path, strings.ToLower(UserSchema)+":")
		switch obj, isObj := op.Value.(map[string]any); {
		case path == "password":
			take(op.Value)
		case path == "" && isObj:
			for k, v := range obj {
				if strings.EqualFold(k, "password") || strings.EqualFold(k, UserSchema+":password") {
					take(v)
				}
			}
		}
	}
	return pw
}

// PatchDomain applies ops to a Domain in its JSON form.
func PatchDomain(res map[string]any, ops []PatchOp) error { return domainPatch.apply(res, ops) }

func (t patchTarget) apply(res map[string]any, ops []PatchOp) error {
	if len(ops) == 0 {
		return fault.New(fault.Syntax, "Operations must contain at least one operation")
	}
	for i, op := range ops {
		if err := t.one(res, op); err != nil {
			if fe, ok := err.(*fault.Error); ok {
				fe.Detail = fmt.Sprintf("operation %d (%s %s): %s", i+1, strings.ToLower(op.Op), op.Path, fe.Detail)
			}
			return err
		}
	}
	return nil
}

func (t patchTarget) one(res map[string]any, op PatchOp) error {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return fault.New(fault.Syntax, "op must be add, replace or remove")
	}
	if kind != "remove" && !op.HasValue {
		return fault.New(fault.Syntax, "%s needs a value", kind)
	}
	if op.Path == "" {
		if kind == "remove" {
			return fault.New(fault.NoTarget, "remove needs a path")
		}
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return fault.New(fault.Invalid, "without a path the value must be an object of attributes")
		}
		for k, v := range obj {
			if t.isIgnoredExtension(k) {
				continue
			}
			if t.isExtension(k) {
				ext, ok := v.(map[string]any)
				if !ok {
					return fault.New(fault.Invalid, "%s must be an object", k)
				}
				for ek, ev := range ext {
					if err := t.member(res, kind, k+":"+ek, ev); err != nil {
						return err
					}
				}
				continue
			}
			switch strings.ToLower(k) {
			case "id", "meta", "schemas":
				continue // clients echo these back (Okta); they cannot change
			}
			if err := t.member(res, kind, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	return t.at(res, kind, op.Path, op.Value, op.HasValue)
}

// member applies one member of a path-less value; a null member unassigns
// its attribute (RFC 7643 §2.5).
func (t patchTarget) member(res map[string]any, kind, path string, v any) error {
	if v == nil {
		return t.at(res, "remove", path, nil, false)
	}
	return t.at(res, kind, path, v, true)
}

func (t patchTarget) isIgnoredExtension(path string) bool {
	lower := strings.ToLower(path)
	for _, e := range t.ignoredExtensions {
		// Microsoft's collections also write "<urn>.attribute".
		if rest, ok := strings.CutPrefix(lower, strings.ToLower(e)); ok && (rest == "" || rest[0] == ':' || rest[0] == '.') {
			return true
		}
	}
	return false
}

func (t patchTarget) isExtension(k string) bool {
	for _, e := range t.extensions {
		if strings.EqualFold(k, e) {
			return true
		}
	}
	return false
}

// at applies one operation at a path (which may be dotted or URN-qualified).
func (t patchTarget) at(res map[string]any, kind, path string, value any, hasValue bool) error {
	if t.isIgnoredExtension(path) {
		return nil
	}
	lower := strings.ToLower(path)
	for _, e := range t.extensions {
		le := strings.ToLower(e)
		if lower == le {
			return t.wholeExtension(res, kind, value)
		}
		if strings.HasPrefix(lower, le+":") {
			return t.extAttribute(res, kind, path[len(le)+1:], value)
		}
	}
	if strings.HasPrefix(lower, strings.ToLower(t.core)+":") {
		path = path[len(t.core)+1:]
	}
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return fault.New(fault.InvalidPath, "%q is not a valid attribute path", path)
	}
	if p.AttributePath.URIPrefix != nil {
		// Not the core schema (stripped above) nor an extension handled above.
		return fault.New(fault.InvalidPath, "%q names a schema this resource does not have", path)
	}
	switch strings.ToLower(p.AttributePath.AttributeName) {
	case "id", "meta", "schemas":
		return fault.New(fault.Mutability, "%s is read-only", p.AttributePath.AttributeName)
	}
	def, ok := lookup(t.attrs, p.AttributePath.AttributeName)
	if !ok {
		if containsFold(t.ignored, p.AttributePath.AttributeName) {
			return nil // an attribute PostfixAdmin cannot store: accepted and ignored
		}
		return fault.New(fault.InvalidPath, "no attribute %q", p.AttributePath.String())
	}
	if err := removable(def, kind); err != nil {
		return err
	}
	sub := p.AttributePath.SubAttribute
	if p.SubAttribute != nil {
		sub = p.SubAttribute
	}
	switch {
	case def.MultiValued:
		return multi(res, def, kind, p.ValueExpression, sub, value, hasValue)
	case p.ValueExpression != nil:
		return fault.New(fault.InvalidPath, "%s is not multi-valued", def.Name)
	case sub != nil:
		sd, ok := lookup(def.SubAttributes, *sub)
		if !ok {
			return fault.New(fault.InvalidPath, "no attribute %s.%s", def.Name, *sub)
		}
		obj, _ := res[def.Name].(map[string]any)
		if obj == nil {
			if kind == "remove" {
				return nil
			}
			obj = map[string]any{}
			res[def.Name] = obj
		}
		if kind == "remove" {
			delete(obj, sd.Name)
			return nil
		}
		return assign(obj, sd, value)
	case kind == "remove":
		delete(res, def.Name)
		return nil
	case def.Type == "complex":
		obj, ok := value.(map[string]any)
		if !ok {
			return fault.New(fault.Invalid, "%s must be an object", def.Name)
		}
		cur, _ := res[def.Name].(map[string]any)
		if kind == "replace" || cur == nil {
			cur = map[string]any{}
		}
		for k, v := range obj {
			sd, ok := lookup(def.SubAttributes, k)
			if !ok {
				return fault.New(fault.InvalidPath, "no attribute %s.%s", def.Name, k)
			}
			if err := assign(cur, sd, v); err != nil {
				return err
			}
		}
		res[def.Name] = cur
		return nil
	default: // add on a single-valued attribute replaces it (RFC 7644 §3.5.2.1)
		return assign(res, def, value)
	}
}

// removable refuses to unassign what PostfixAdmin cannot hold unassigned:
// RFC 7644 §3.5.2.2 says a removed attribute "SHALL be unassigned", so
// answering 200 with the value kept would misreport the result.
func removable(def Attribute, kind string) error {
	switch {
	case def.Mutability == "readOnly":
		return fault.New(fault.Mutability, "%s is read-only", def.Name)
	case kind != "remove":
		return nil
	case def.Required:
		return fault.New(fault.Mutability, "%s is required and cannot be removed", def.Name)
	case def.Fixed != "":
		return fault.New(fault.Mutability, "%s cannot be unassigned: %s", def.Name, def.Fixed)
	}
	return nil
}

// assign sets an attribute of obj to a checked value; null unassigns it.
func assign(obj map[string]any, def Attribute, value any) error {
	if value == nil {
		delete(obj, def.Name)
		return nil
	}
	v, err := coerce(def, value)
	if err != nil {
		return err
	}
	obj[def.Name] = v
	return nil
}

func (t patchTarget) wholeExtension(res map[string]any, kind string, value any) error {
	if kind == "remove" {
		return fault.New(fault.Mutability, "the provisioning extension cannot be removed")
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return fault.New(fault.Invalid, "the extension value must be an object")
	}
	for k, v := range obj {
		if err := t.extAttribute(res, kind, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (t patchTarget) extAttribute(res map[string]any, kind, name string, value any) error {
	def, ok := lookup(t.extAttrs, name)
	if !ok {
		return fault.New(fault.InvalidPath, "no extension attribute %q", name)
	}
	if err := removable(def, kind); err != nil {
		return err
	}
	canonical := t.extensions[0]
	ext, _ := res[canonical].(map[string]any)
	if ext == nil {
		ext = map[string]any{}
		res[canonical] = ext
	}
	if def.MultiValued && len(def.SubAttributes) == 0 {
		return simpleMulti(ext, def, kind, value)
	}
	if kind == "remove" {
		delete(ext, def.Name)
		return nil
	}
	return assign(ext, def, value)
}

// simpleMulti applies an operation to a multi-valued attribute of plain
// strings (externalMembers): add appends, remove with a value drops those
// values (without one, all), replace sets them.
func simpleMulti(obj map[string]any, def Attribute, kind string, value any) error {
	var given []any
	if value != nil {
		list, ok := value.([]any)
		if !ok {
			list = []any{value}
		}
		for _, v := range list {
			if _, ok := v.(string); !ok {
				return fault.New(fault.Invalid, "%s values must be strings", def.Name)
			}
		}
		given = list
	}
	cur, _ := obj[def.Name].([]any)
	switch kind {
	case "add":
		obj[def.Name] = append(cur, given...)
	case "replace":
		obj[def.Name] = given
	default:
		if value == nil {
			delete(obj, def.Name)
			return nil
		}
		var keep []any
		for _, c := range cur {
			drop := false
			for _, g := range given {
				drop = drop || strings.EqualFold(c.(string), g.(string))
			}
			if !drop {
				keep = append(keep, c)
			}
		}
		obj[def.Name] = keep
	}
	return nil
}

// multi applies an operation to a multi-valued attribute (emails, phoneNumbers).
func multi(res map[string]any, def Attribute, kind string, where filter.Expression, sub *string, value any, hasValue bool) error {
	elems, _ := res[def.Name].([]any)
	var sd Attribute
	if sub != nil {
		var ok bool
		if sd, ok = lookup(def.SubAttributes, *sub); !ok {
			return fault.New(fault.InvalidPath, "no attribute %s.%s", def.Name, *sub)
		}
	}
	if where == nil && sub == nil {
		switch kind {
		case "remove":
			if !hasValue {
				delete(res, def.Name)
				return nil
			}
			// Entra ID: remove the listed values, not all.
			drop, err := elements(def, value)
			if err != nil {
				return err
			}
			var keep []any
			for _, e := range elems {
				if !containsValue(drop, e) {
					keep = append(keep, e)
				}
			}
			res[def.Name] = keep
			return nil
		case "add":
			add, err := elements(def, value)
			res[def.Name] = append(elems, add...)
			return err
		default:
			v, err := elements(def, value)
			res[def.Name] = v
			return err
		}
	}
	var matched []map[string]any
	for _, e := range elems {
		if m, ok := e.(map[string]any); ok && (where == nil || matches(where, m)) {
			matched = append(matched, m)
		}
	}
	if len(matched) == 0 {
		if kind == "remove" {
			return fault.New(fault.NoTarget, "no %s value matches", def.Name)
		}
		// Entra ID: replace or add on emails[type eq "work"].value creates the
		// value; RFC 7644 §3.5.2.3 wants noTarget where none can be created.
		if sub == nil || (def.MaxValues > 0 && len(elems) >= def.MaxValues) {
			return fault.New(fault.NoTarget, "no %s value matches, and PostfixAdmin stores no further %s value", def.Name, def.Name)
		}
		e := equalities(where)
		res[def.Name] = append(elems, e)
		return assign(e, sd, value)
	}
	for _, m := range matched {
		switch {
		case kind == "remove" && sub != nil:
			delete(m, sd.Name)
		case kind == "remove":
			res[def.Name] = removeElement(res[def.Name].([]any), m)
		case sub != nil:
			if err := assign(m, sd, value); err != nil {
				return err
			}
		default:
			obj, ok := value.(map[string]any)
			if !ok {
				return fault.New(fault.Invalid, "%s values are objects", def.Name)
			}
			for k, v := range obj {
				sd, ok := lookup(def.SubAttributes, k)
				if !ok {
					return fault.New(fault.InvalidPath, "no attribute %s.%s", def.Name, k)
				}
				if err := assign(m, sd, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// elements reads a multi-valued attribute's value: an array of objects, or
// one object.
func elements(def Attribute, value any) ([]any, error) {
	list, ok := value.([]any)
	if !ok {
		list = []any{value}
	}
	out := make([]any, 0, len(list))
	for _, v := range list {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fault.New(fault.Invalid, "%s values are objects such as {\"value\": ...}", def.Name)
		}
		e := map[string]any{}
		for k, sv := range obj {
			sd, ok := lookup(def.SubAttributes, k)
			if !ok {
				return nil, fault.New(fault.InvalidPath, "no attribute %s.%s", def.Name, k)
			}
			if err := assign(e, sd, sv); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func containsValue(list []any, e any) bool {
	m, _ := e.(map[string]any)
	if m == nil {
		return false
	}
	want := valueText(m["value"])
	for _, l := range list {
		if lm, ok := l.(map[string]any); ok && strings.EqualFold(valueText(lm["value"]), want) {
			return true
		}
	}
	return false
}

// valueText is a value as compared: strings as they are (the common case,
// and the cheap one for groups of thousands of members).
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// removeElement drops m, one of list's own elements (the same map).
func removeElement(list []any, m map[string]any) []any {
	out := list[:0:0]
	for _, e := range list {
		if em, ok := e.(map[string]any); !ok || !sameMap(em, m) {
			out = append(out, e)
		}
	}
	return out
}

func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// coerce checks a value against an attribute's type, accepting Entra ID's
// string booleans ("True", "False").
func coerce(def Attribute, v any) (any, error) {
	switch def.Type {
	case "boolean":
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			switch strings.ToLower(b) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
		return nil, fault.New(fault.Invalid, "%s must be a boolean", def.Name)
	case "integer":
		switch n := v.(type) {
		case json.Number:
			if _, err := n.Int64(); err == nil {
				return n, nil
			}
		case float64:
			if n == float64(int64(n)) {
				return n, nil
			}
		}
		return nil, fault.New(fault.Invalid, "%s must be an integer", def.Name)
	case "string":
		if _, ok := v.(string); !ok {
			return nil, fault.New(fault.Invalid, "%s must be a string", def.Name)
		}
	}
	return v, nil
}

func lookup(attrs []Attribute, name string) (Attribute, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return Attribute{}, false
}

// matches evaluates a value filter on one value of a multi-valued attribute
// (its few sub-attributes, in memory: this is not a search over rows).
func matches(e filter.Expression, m map[string]any) bool {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			return matches(e.Left, m) && matches(e.Right, m)
		}
		return matches(e.Left, m) || matches(e.Right, m)
	case *filter.NotExpression:
		return !matches(e.Expression, m)
	case *filter.AttributeExpression:
		var got any
		var found bool
		for k, v := range m {
			if strings.EqualFold(k, e.AttributePath.AttributeName) {
				got, found = v, true
			}
		}
		if e.Operator == filter.PR {
			return found && got != nil && got != ""
		}
		return compareValues(got, e.Operator, e.CompareValue)
	}
	return false
}

func compareValues(got any, op filter.CompareOperator, want any) bool {
	if b, ok := got.(bool); ok {
		w := strings.ToLower(fmt.Sprint(want)) // "True" and true alike
		return (op == filter.EQ && fmt.Sprint(b) == w) || (op == filter.NE && fmt.Sprint(b) != w)
	}
	g, w := strings.ToLower(fmt.Sprint(got)), strings.ToLower(fmt.Sprint(want))
	switch op {
	case filter.EQ:
		return g == w
	case filter.NE:
		return g != w
	case filter.CO:
		return strings.Contains(g, w)
	case filter.SW:
		return strings.HasPrefix(g, w)
	case filter.EW:
		return strings.HasSuffix(g, w)
	case filter.GT:
		return g > w
	case filter.GE:
		return g >= w
	case filter.LT:
		return g < w
	case filter.LE:
		return g <= w
	}
	return false
}

// equalities are the attr eq value terms of a value filter: the value a
// PATCH creates when the filter matches none (type eq "work").
func equalities(e filter.Expression) map[string]any {
	out := map[string]any{}
	switch e := e.(type) {
	case *filter.AttributeExpression:
		if e.Operator == filter.EQ {
			out[e.AttributePath.AttributeName] = e.CompareValue
		}
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			for k, v := range equalities(e.Left) {
				out[k] = v
			}
			for k, v := range equalities(e.Right) {
				out[k] = v
			}
		}
	}
	return out
}
