package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
)

func (s *Server) ListGroups(ctx context.Context, req api.ListGroupsRequestObject) (api.ListGroupsResponseObject, error) {
	p := req.Params
	return s.list(ctx, s.resourceOf("Group"), listRequest{
		filter: deref(p.Filter), sortBy: deref(p.SortBy), sortOrder: string(deref(p.SortOrder)),
		startIndex: p.StartIndex, count: p.Count, attributes: list(p.Attributes), excluded: list(p.ExcludedAttributes),
	})
}

func (s *Server) SearchGroups(ctx context.Context, req api.SearchGroupsRequestObject) (api.SearchGroupsResponseObject, error) {
	lr, err := searchRequest(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	return s.list(ctx, s.resourceOf("Group"), lr)
}

func (s *Server) listGroupItems(ctx context.Context, q store.Query, _ scim.Projection) ([]any, int, error) {
	items, total, err := s.opts.Store.ListGroups(ctx, q)
	out := make([]any, len(items))
	for i, g := range items {
		out[i] = groupResource(ctx, g)
	}
	return out, total, err
}

func (s *Server) GetGroup(ctx context.Context, req api.GetGroupRequestObject) (api.GetGroupResponseObject, error) {
	proj, err := projection(req.Params.Attributes, req.Params.ExcludedAttributes)
	if err != nil {
		return nil, err
	}
	g, err := s.opts.Store.GetGroup(ctx, groupID(req.Id))
	if err != nil {
		return nil, err
	}
	if r, ok := notModified(req.Params.IfNoneMatch, scim.GroupVersion(g)); ok {
		return r, nil
	}
	return groupResponse(ctx, http.StatusOK, g, proj), nil
}

func groupResponse(ctx context.Context, status int, g store.Group, proj scim.Projection) resourceResponse {
	res := groupResource(ctx, g)
	return reply(status, res, res.Meta, proj)
}

func (s *Server) CreateGroup(ctx context.Context, req api.CreateGroupRequestObject) (api.CreateGroupResponseObject, error) {
	proj, body, err := writeRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	w, err := scim.NewGroup(groupInput(body))
	if err != nil {
		return nil, err
	}
	if err := s.opts.Store.CreateGroup(ctx, actor(ctx), w); err != nil {
		return nil, err
	}
	g, err := s.opts.Store.GetGroup(ctx, w.Address)
	if err != nil {
		return nil, err
	}
	return groupResponse(ctx, http.StatusCreated, g, proj), nil
}

func (s *Server) ReplaceGroup(ctx context.Context, req api.ReplaceGroupRequestObject) (api.ReplaceGroupResponseObject, error) {
	proj, body, err := writeRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	in := groupInput(body)
	g, err := s.updateGroup(ctx, groupID(req.Id), req.Params.IfMatch, func(cur store.Group) (store.GroupWrite, error) {
		return scim.ReplaceGroup(cur, in)
	})
	if err != nil {
		return nil, err
	}
	return groupResponse(ctx, http.StatusOK, g, proj), nil
}

func (s *Server) PatchGroup(ctx context.Context, req api.PatchGroupRequestObject) (api.PatchGroupResponseObject, error) {
	proj, ops, err := patchRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	g, err := s.updateGroup(ctx, groupID(req.Id), req.Params.IfMatch, func(cur store.Group) (store.GroupWrite, error) {
		res, err := asMap(groupResource(ctx, cur))
		if err != nil {
			return store.GroupWrite{}, err
		}
		if err := scim.PatchGroup(res, ops); err != nil {
			return store.GroupWrite{}, err
		}
		var b api.Group
		if err := fromMap(res, &b); err != nil {
			return store.GroupWrite{}, err
		}
		in := groupInput(b)
		// A patched Group is the whole new state: what the operations
		// removed is gone (PUT would keep omitted externalMembers).
		if in.ExternalMembers == nil {
			in.ExternalMembers = &[]string{}
		}
		if in.ExternalID == nil {
			in.ExternalID = ptr("")
		}
		return scim.ReplaceGroup(cur, in)
	})
	if err != nil {
		return nil, err
	}
	if preferMinimal(ctx) {
		return emptyResponse{status: http.StatusNoContent, etag: scim.GroupVersion(g)}, nil
	}
	return groupResponse(ctx, http.StatusOK, g, proj), nil
}

// updateGroup runs a PUT or PATCH under the store's lock (see updateUser).
func (s *Server) updateGroup(ctx context.Context, address string, ifMatch *string, change func(cur store.Group) (store.GroupWrite, error)) (store.Group, error) {
	return s.opts.Store.UpdateGroup(ctx, actor(ctx), address, func(cur store.Group) (store.GroupWrite, error) {
		if err := scim.CheckIfMatch(ifMatch, scim.GroupVersion(cur)); err != nil {
			return store.GroupWrite{}, err
		}
		return change(cur)
	})
}

func (s *Server) DeleteGroup(ctx context.Context, req api.DeleteGroupRequestObject) (api.DeleteGroupResponseObject, error) {
	err := s.opts.Store.DeleteGroup(ctx, actor(ctx), groupID(req.Id), func(cur store.Group) error {
		return scim.CheckIfMatch(req.Params.IfMatch, scim.GroupVersion(cur))
	})
	if err != nil {
		return nil, err
	}
	return api.DeleteGroup204Response{}, nil
}

// groupID is the lookup key for a path id: PostfixAdmin stores addresses lower-cased.
func groupID(id string) string {
	a, _, err := scim.NormalizeAliasAddress(id)
	if err != nil {
		return "" // matches no row: 404
	}
	return a
}

func groupInput(b api.Group) scim.GroupInput {
	in := scim.GroupInput{Schemas: b.Schemas, DisplayName: b.DisplayName, ExternalID: b.ExternalId}
	if b.Members != nil {
		for _, m := range *b.Members {
			if v := deref(m.Value); v != "" {
				in.Members = append(in.Members, v)
			}
		}
	}
	if b.Alias != nil {
		in.Address, in.ExternalMembers = b.Alias.Address, b.Alias.ExternalMembers
	}
	return in
}

func groupResource(ctx context.Context, g store.Group) api.Group {
	base := scopeFrom(ctx).baseURL
	display := g.Address
	if g.Description != "" {
		display = g.Description
	}
	var members []api.GroupMember
	external := []string{}
	for _, t := range g.Targets {
		if !t.Mailbox {
			external = append(external, t.Address)
			continue
		}
		m := api.GroupMember{Value: ptr(t.Address), Ref: ptr(base + "/Users/" + url.PathEscape(t.Address)), Type: ptr("User")}
		m.Display = nonEmpty(t.Name)
		members = append(members, m)
	}
	res := api.Group{
		Schemas:     []string{scim.GroupSchema, scim.AliasGroupSchema},
		Id:          &g.Address,
		DisplayName: &display,
		Alias:       &api.AliasGroup{Address: &g.Address, Active: &g.Active},
		Meta: &api.Meta{
			ResourceType: ptr("Group"),
			Created:      timePtr(g.Created),
			LastModified: timePtr(g.Modified),
			Location:     ptr(base + "/Groups/" + url.PathEscape(g.Address)),
			Version:      ptr(scim.GroupVersion(g)),
		},
	}
	if len(members) > 0 {
		res.Members = &members // unassigned when empty (RFC 7643 §2.5)
	}
	if len(external) > 0 {
		res.Alias.ExternalMembers = &external
	}
	if g.ExternalID != "" {
		res.ExternalId = &g.ExternalID
	}
	return res
}
