package httpapi

import (
	"context"
	"errors"
	"strings"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/scimfilter"
	"postfixadmin-scim/internal/store"
)

func searchRequest(scimBody, jsonBody *api.SearchRequest) (listRequest, error) {
	b, err := oneBody(scimBody, jsonBody)
	if err != nil {
		return listRequest{}, err
	}
	ok := false
	for _, s := range b.Schemas {
		ok = ok || strings.EqualFold(s, scim.SearchRequestSchema)
	}
	if !ok {
		return listRequest{}, fault.New(fault.Invalid, "schemas must contain %q", scim.SearchRequestSchema)
	}
	return listRequest{
		filter: deref(b.Filter), sortBy: deref(b.SortBy), sortOrder: string(deref(b.SortOrder)),
		startIndex: b.StartIndex, count: b.Count, attributes: deref(b.Attributes), excluded: deref(b.ExcludedAttributes),
	}, nil
}

func (s *Server) SearchUsers(ctx context.Context, req api.SearchUsersRequestObject) (api.SearchUsersResponseObject, error) {
	lr, err := searchRequest(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	return s.listUsers(ctx, lr)
}

func (s *Server) SearchDomains(ctx context.Context, req api.SearchDomainsRequestObject) (api.SearchDomainsResponseObject, error) {
	lr, err := searchRequest(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	return s.listDomains(ctx, lr)
}

// SearchAll queries every resource type, in registry order, as one list.
// A filter applies to the types whose attributes it names; a type it cannot
// apply to contributes nothing, and a filter no type accepts is invalid.
func (s *Server) SearchAll(ctx context.Context, req api.SearchAllRequestObject) (api.SearchAllResponseObject, error) {
	lr, err := searchRequest(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	if lr.sortBy != "" {
		return nil, fault.New(fault.Invalid, "sortBy is not supported across resource types; search one type's endpoint")
	}
	page, start := pageOf(lr.startIndex, lr.count)
	proj, err := scim.NewProjection(lr.attributes, lr.excluded)
	if err != nil {
		return nil, err
	}
	var (
		resources  []any
		total      int
		applicable int
		filterErr  error
	)
	offset, limit := page.Offset, page.Limit
	for _, rt := range s.resources {
		q, _, _, err := query(rt.filters, lr)
		if err != nil {
			return nil, err
		}
		// Take what remains of the page from this type, after skipping offset of it.
		q.Page = store.Page{Offset: offset, Limit: limit}
		items, n, err := rt.list(ctx, q, proj)
		var fe *scimfilter.Error
		if errors.As(err, &fe) {
			filterErr = err // names attributes this type does not have
			continue
		}
		if err != nil {
			return nil, err
		}
		applicable++
		total += n
		resources = append(resources, items...)
		limit -= len(items)
		offset = max(offset-n, 0)
	}
	if applicable == 0 {
		return nil, filterErr
	}
	return listResult(total, start, resources, proj), nil
}
