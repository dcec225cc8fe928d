package scim

import (
	"strings"

	"postfixadmin-scim/internal/fault"
)

// Projection applies attributes / excludedAttributes (RFC 7644 §3.4.2.5) to a
// resource encoded as a JSON object. id and schemas are always returned.
type Projection struct {
	include, exclude []string // lower-cased attribute paths
}

// alwaysReturned are attributes no projection removes.
var alwaysReturned = map[string]bool{"id": true, "schemas": true}

// NewProjection reads the two (comma-separated) parameters; RFC 7644 allows
// only one of them per request.
func NewProjection(attributes, excluded []string) (Projection, error) {
	p := Projection{include: splitPaths(attributes), exclude: splitPaths(excluded)}
	if len(p.include) > 0 && len(p.exclude) > 0 {
		return Projection{}, fault.New(fault.Invalid, "attributes and excludedAttributes cannot be combined")
	}
	return p, nil
}

func splitPaths(lists []string) []string {
	var out []string
	for _, l := range lists {
		for _, a := range strings.Split(l, ",") {
			if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
				out = append(out, a)
			}
		}
	}
	return out
}

// Requests reports whether the attributes parameter names attribute (of the
// core schema coreURN) or one of its sub-attributes: the way to ask for an
// attribute returned only on request (RFC 7643 §7 "request").
func (p Projection) Requests(coreURN, attribute string) bool {
	a := strings.ToLower(attribute)
	for _, path := range p.include {
		path = strings.TrimPrefix(path, strings.ToLower(coreURN)+":")
		if path == a || strings.HasPrefix(path, a+".") {
			return true
		}
	}
	return false
}

// Empty reports whether the projection leaves resources as they are.
func (p Projection) Empty() bool { return len(p.include) == 0 && len(p.exclude) == 0 }

// Apply projects res in place. Attribute names may be qualified with the
// resource's core schema URN (its first "schemas" entry) or an extension URN.
func (p Projection) Apply(res map[string]any) {
	if p.Empty() {
		return
	}
	core := "\x00" // matches no path
	if schemas, ok := res["schemas"].([]any); ok && len(schemas) > 0 {
		if s, ok := schemas[0].(string); ok {
			core = strings.ToLower(s) + ":"
		}
	}
	if len(p.include) > 0 {
		keep := map[string][]string{} // top-level key -> sub-attributes (nil: all)
		for _, path := range p.include {
			key, sub := resolve(res, strings.TrimPrefix(path, core))
			if key == "" {
				continue
			}
			if sub == "" {
				keep[key] = nil
			} else if subs, seen := keep[key]; !seen || subs != nil {
				keep[key] = append(subs, sub)
			}
		}
		for k, v := range res {
			subs, ok := keep[k]
			switch {
			case alwaysReturned[k]:
			case !ok:
				delete(res, k)
			case subs != nil:
				res[k] = onlySubs(v, subs)
			}
		}
		return
	}
	for _, path := range p.exclude {
		key, sub := resolve(res, strings.TrimPrefix(path, core))
		switch {
		case key == "" || alwaysReturned[key]:
		case sub == "":
			delete(res, key)
		default:
			res[key] = withoutSub(res[key], sub)
		}
	}
}

// resolve finds the top-level key (an attribute or an extension URN) and the
// sub-attribute a lower-cased path names in res.
func resolve(res map[string]any, path string) (key, sub string) {
	for k := range res {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "urn:") {
			if path == lk {
				return k, ""
			}
			if rest, ok := strings.CutPrefix(path, lk+":"); ok {
				return k, rest
			}
			continue
		}
		name, rest, _ := strings.Cut(path, ".")
		if name == lk {
			return k, rest
		}
	}
	return "", ""
}

// onlySubs keeps the named sub-attributes of a complex or multi-valued value.
func onlySubs(v any, subs []string) any {
	switch v := v.(type) {
	case map[string]any:
		for k := range v {
			if !containsFold(subs, k) {
				delete(v, k)
			}
		}
	case []any:
		for _, e := range v {
			onlySubs(e, subs)
		}
	}
	return v
}

func withoutSub(v any, sub string) any {
	switch v := v.(type) {
	case map[string]any:
		for k := range v {
			if strings.EqualFold(k, sub) {
				delete(v, k)
			}
		}
	case []any:
		for _, e := range v {
			withoutSub(e, sub)
		}
	}
	return v
}

func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}
