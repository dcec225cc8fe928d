package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
)

func patchOps(scimBody, jsonBody *api.PatchOp) ([]scim.PatchOp, error) {
	b, err := oneBody(scimBody, jsonBody)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, s := range b.Schemas {
		ok = ok || strings.EqualFold(s, scim.PatchOpSchema)
	}
	if !ok {
		return nil, fault.New(fault.Invalid, "schemas must contain %q", scim.PatchOpSchema)
	}
	ops := make([]scim.PatchOp, len(b.Operations))
	for i, o := range b.Operations {
		ops[i] = scim.PatchOp{Op: o.Op, Path: strings.TrimSpace(deref(o.Path)), Value: o.Value, HasValue: o.Value != nil}
	}
	return ops, nil
}

// asMap is a resource in its JSON form, the form PATCH paths address.
func asMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	return m, dec.Decode(&m)
}

// fromMap decodes a patched resource; a value of the wrong type is the
// client's mistake.
func fromMap(m map[string]any, v any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fault.New(fault.Invalid, "the patched resource is not valid JSON")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &fault.Error{Kind: fault.Invalid, Detail: "a patched attribute has the wrong type", Err: err}
	}
	return nil
}

// preferMinimal reports a "Prefer: return=minimal" request (RFC 7240): the
// client wants no body back.
func preferMinimal(ctx context.Context) bool { return scopeFrom(ctx).preferMinimal }
