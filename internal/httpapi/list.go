package httpapi

import (
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/scimfilter"
	"postfixadmin-scim/internal/store"
)

// listRequest is a query, from URL parameters or a SearchRequest body.
type listRequest struct {
	filter, sortBy, sortOrder string
	startIndex, count         *int
	attributes, excluded      []string
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func list(p *string) []string {
	if p == nil {
		return nil
	}
	return []string{*p}
}

// projection reads the attributes and excludedAttributes URL parameters.
func projection(attributes, excluded *string) (scim.Projection, error) {
	return scim.NewProjection(list(attributes), list(excluded))
}

// query parses a list request, resolving its attribute paths with a
// resource's filter schemas; the store maps them to columns.
func query(schemas scimfilter.Schemas, lr listRequest) (store.Query, int, scim.Projection, error) {
	page, start := pageOf(lr.startIndex, lr.count)
	filter, err := scimfilter.Parse(lr.filter, schemas)
	if err != nil {
		return store.Query{}, 0, scim.Projection{}, err
	}
	sort, err := scimfilter.ParseSort(lr.sortBy, lr.sortOrder, schemas)
	if err != nil {
		return store.Query{}, 0, scim.Projection{}, &fault.Error{Kind: fault.Invalid, Detail: err.Error(), Err: err} // sortBy is not a filter: invalidValue
	}
	proj, err := scim.NewProjection(lr.attributes, lr.excluded)
	if err != nil {
		return store.Query{}, 0, scim.Projection{}, err
	}
	return store.Query{Filter: filter, Sort: sort, Page: page}, start, proj, nil
}
