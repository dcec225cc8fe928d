package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/scimfilter"
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

// SearchAll queries every resource type: Users, then Domains, as one list.
// A filter applies to the types whose attributes it names; a type it cannot
// apply to contributes nothing, and a filter no type accepts is invalid.
func (s *Server) SearchAll(ctx context.Context, req api.SearchAllRequestObject) (api.SearchAllResponseObject, error) {
	lr, err := searchRequest(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	if lr.sortBy != "" {
		return nil, fault.New(fault.Invalid, "sortBy is not supported across resource types; search /Users or /Domains")
	}
	page, start := pageOf(lr.startIndex, lr.count)
	type part struct {
		attrs scimfilter.Attributes
		run   func(context.Context, listRequest) (resourceResponse, error)
	}
	var (
		resources  []any
		total      int
		applicable int
		filterErr  error
	)
	offset, limit := page.Offset, page.Limit
	for _, p := range []part{{s.userFilter(), s.listUsers}, {s.domainFilter(), s.listDomains}} {
		if _, err := p.attrs.Where(lr.filter); err != nil {
			var fe *scimfilter.Error
			if !errors.As(err, &fe) {
				return nil, err
			}
			filterErr = err
			continue
		}
		applicable++
		// Take what remains of the page from this type, after skipping offset of it.
		sub := lr
		sub.startIndex, sub.count = ptr(offset+1), ptr(limit)
		res, err := p.run(ctx, sub)
		if err != nil {
			return nil, err
		}
		n, items := listItems(res.body)
		total += n
		resources = append(resources, items...)
		limit -= len(items)
		offset = max(offset-n, 0)
	}
	if applicable == 0 {
		return nil, filterErr
	}
	proj, err := scim.NewProjection(lr.attributes, lr.excluded)
	if err != nil {
		return nil, err
	}
	body := map[string]any{
		"schemas": []string{scim.ListResponseSchema}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(resources), "Resources": append([]any{}, resources...),
	}
	return resourceResponse{status: http.StatusOK, body: body, list: true, proj: proj}, nil
}

// listItems returns a list response's total and resources.
func listItems(body any) (int, []any) {
	var out []any
	switch b := body.(type) {
	case api.UserListResponse:
		for _, r := range b.Resources {
			out = append(out, r)
		}
		return b.TotalResults, out
	case api.DomainListResponse:
		for _, r := range b.Resources {
			out = append(out, r)
		}
		return b.TotalResults, out
	}
	return 0, nil
}
