package httpapi

import (
	"context"
	"net/http"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/scimfilter"
	"postfixadmin-scim/internal/store"
)

// resourceType is one SCIM resource type as the HTTP edge lists it: what a
// list, /.search and a type's own /.search need. The per-operation handlers
// (users.go, domains.go, groups.go) implement the generated interface; the
// shared steps (list, search across types) loop over the registry, so a
// new resource type is one entry here plus its handlers.
type resourceType struct {
	name    string             // as in meta.resourceType and /ResourceTypes
	filters scimfilter.Schemas // resolves filter and sortBy attribute paths
	// list reads one page of the type's resources, as API values; proj may
	// ask for attributes returned only on request.
	list func(ctx context.Context, q store.Query, proj scim.Projection) (items []any, total int, err error)
}

// registry lists the server's resource types, in /.search order.
func (s *Server) registry() []resourceType {
	return []resourceType{
		{name: "User", filters: scim.UserFilterSchemas, list: s.listUserItems},
		{name: "Domain", filters: scim.DomainFilterSchemas, list: s.listDomainItems},
		{name: "Group", filters: scim.GroupFilterSchemas, list: s.listGroupItems},
	}
}

// resourceOf returns the registry entry of a type.
func (s *Server) resourceOf(name string) resourceType {
	for _, rt := range s.resources {
		if rt.name == name {
			return rt
		}
	}
	panic("httpapi: no resource type " + name)
}

// listResponse is a ListResponse (RFC 7644 §3.4.2) of any resource type.
type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// list answers a list request for one resource type.
func (s *Server) list(ctx context.Context, rt resourceType, lr listRequest) (resourceResponse, error) {
	q, start, proj, err := query(rt.filters, lr)
	if err != nil {
		return resourceResponse{}, err
	}
	items, total, err := rt.list(ctx, q, proj)
	if err != nil {
		return resourceResponse{}, err
	}
	return listResult(total, start, items, proj), nil
}

func listResult(total, start int, items []any, proj scim.Projection) resourceResponse {
	if items == nil {
		items = []any{}
	}
	body := listResponse{Schemas: []string{scim.ListResponseSchema}, TotalResults: total, StartIndex: start, ItemsPerPage: len(items), Resources: items}
	return resourceResponse{status: http.StatusOK, body: body, list: true, proj: proj}
}
