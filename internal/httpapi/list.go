package httpapi

import (
	"errors"

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

// query translates a list request over a resource's filter whitelist; tie
// is the id column that keeps the order stable.
func query(attrs scimfilter.Attributes, tie string, lr listRequest) (store.Query, int, scim.Projection, error) {
	page, start := pageOf(lr.startIndex, lr.count)
	where, err := attrs.Where(lr.filter)
	if err != nil {
		return store.Query{}, 0, scim.Projection{}, err
	}
	order, err := attrs.OrderBy(lr.sortBy, lr.sortOrder, tie)
	if err != nil {
		var fe *scimfilter.Error
		if errors.As(err, &fe) {
			err = fault.New(fault.Invalid, "%s", fe.Detail)
		}
		return store.Query{}, 0, scim.Projection{}, err
	}
	proj, err := scim.NewProjection(lr.attributes, lr.excluded)
	if err != nil {
		return store.Query{}, 0, scim.Projection{}, err
	}
	return store.Query{Where: store.Fragment(where), OrderBy: order, Page: page}, start, proj, nil
}
