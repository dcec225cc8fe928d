package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
)

func (s *Server) ListDomains(ctx context.Context, req api.ListDomainsRequestObject) (api.ListDomainsResponseObject, error) {
	p := req.Params
	return s.listDomains(ctx, listRequest{
		filter: deref(p.Filter), sortBy: deref(p.SortBy), sortOrder: string(deref(p.SortOrder)),
		startIndex: p.StartIndex, count: p.Count, attributes: list(p.Attributes), excluded: list(p.ExcludedAttributes),
	})
}

func (s *Server) listDomains(ctx context.Context, lr listRequest) (resourceResponse, error) {
	return s.list(ctx, s.resourceOf("Domain"), lr)
}

func (s *Server) listDomainItems(ctx context.Context, q store.Query, _ scim.Projection) ([]any, int, error) {
	items, total, err := s.opts.Store.ListDomains(ctx, q)
	out := make([]any, len(items))
	for i, d := range items {
		out[i] = s.domainResource(ctx, d)
	}
	return out, total, err
}

func (s *Server) GetDomain(ctx context.Context, req api.GetDomainRequestObject) (api.GetDomainResponseObject, error) {
	proj, err := projection(req.Params.Attributes, req.Params.ExcludedAttributes)
	if err != nil {
		return nil, err
	}
	d, err := s.opts.Store.GetDomain(ctx, domainID(req.Id))
	if err != nil {
		return nil, err
	}
	if r, ok := notModified(req.Params.IfNoneMatch, scim.DomainVersion(d.Domain)); ok {
		return r, nil
	}
	return s.domainResponse(ctx, http.StatusOK, d, proj), nil
}

func (s *Server) domainResponse(ctx context.Context, status int, d store.DomainWithUsage, proj scim.Projection) resourceResponse {
	res := s.domainResource(ctx, d)
	return reply(status, res, res.Meta, proj)
}

func (s *Server) CreateDomain(ctx context.Context, req api.CreateDomainRequestObject) (api.CreateDomainResponseObject, error) {
	proj, body, err := writeRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	in, err := domainInput(body)
	if err != nil {
		return nil, err
	}
	d, err := s.opts.DomainRules.NewDomain(in)
	if err != nil {
		return nil, err
	}
	if err := s.opts.Store.CreateDomain(ctx, actor(ctx), d, s.opts.DomainRules.DefaultAliasesFor(d.Name)); err != nil {
		if fault.KindOf(err) == fault.Conflict {
			return nil, &fault.Error{Kind: fault.Conflict, Detail: "Domain " + d.Name + " already exists.", Err: err}
		}
		return nil, err
	}
	created, err := s.opts.Store.GetDomain(ctx, d.Name)
	if err != nil {
		return nil, err
	}
	return s.domainResponse(ctx, http.StatusCreated, created, proj), nil
}

func (s *Server) ReplaceDomain(ctx context.Context, req api.ReplaceDomainRequestObject) (api.ReplaceDomainResponseObject, error) {
	proj, body, err := writeRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	in, err := domainInput(body)
	if err != nil {
		return nil, err
	}
	d, err := s.updateDomain(ctx, domainID(req.Id), req.Params.IfMatch, func(store.DomainWithUsage) (scim.DomainInput, error) { return in, nil })
	if err != nil {
		return nil, err
	}
	return s.domainResponse(ctx, http.StatusOK, d, proj), nil
}

func (s *Server) PatchDomain(ctx context.Context, req api.PatchDomainRequestObject) (api.PatchDomainResponseObject, error) {
	proj, ops, err := patchRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	d, err := s.updateDomain(ctx, domainID(req.Id), req.Params.IfMatch, func(cur store.DomainWithUsage) (scim.DomainInput, error) {
		res, err := asMap(s.domainResource(ctx, cur))
		if err != nil {
			return scim.DomainInput{}, err
		}
		if err := scim.PatchDomain(res, ops); err != nil {
			return scim.DomainInput{}, err
		}
		var b api.Domain
		if err := fromMap(res, &b); err != nil {
			return scim.DomainInput{}, err
		}
		// Removed by the patch (PUT would keep them).
		if b.ExternalId == nil {
			b.ExternalId = ptr("")
		}
		if b.AliasFor == nil {
			b.AliasFor = ptr("")
		}
		return domainInput(b)
	})
	if err != nil {
		return nil, err
	}
	if preferMinimal(ctx) {
		return emptyResponse{status: http.StatusNoContent, etag: scim.DomainVersion(d.Domain)}, nil
	}
	return s.domainResponse(ctx, http.StatusOK, d, proj), nil
}

// updateDomain runs a PUT or PATCH under the store's lock (see updateUser).
func (s *Server) updateDomain(ctx context.Context, name string, ifMatch *string, input func(cur store.DomainWithUsage) (scim.DomainInput, error)) (store.DomainWithUsage, error) {
	return s.opts.Store.UpdateDomain(ctx, actor(ctx), name, func(cur store.DomainWithUsage) (store.Domain, error) {
		if err := scim.CheckIfMatch(ifMatch, scim.DomainVersion(cur.Domain)); err != nil {
			return store.Domain{}, err
		}
		in, err := input(cur)
		if err != nil {
			return store.Domain{}, err
		}
		return s.opts.DomainRules.ReplaceDomain(cur.Domain, in)
	})
}

func (s *Server) DeleteDomain(ctx context.Context, req api.DeleteDomainRequestObject) (api.DeleteDomainResponseObject, error) {
	name := domainID(req.Id)
	err := s.opts.Store.DeleteDomain(ctx, actor(ctx), name, s.opts.CascadeDomainDelete, s.opts.DomainRules.DefaultAliasesFor(name), func(cur store.Domain) error {
		return scim.CheckIfMatch(req.Params.IfMatch, scim.DomainVersion(cur))
	})
	if err != nil {
		return nil, err
	}
	return api.DeleteDomain204Response{}, nil
}

// domainID is the lookup key for a path id: PostfixAdmin stores names lower-cased.
func domainID(id string) string {
	n, err := scim.NormalizeDomainName(id)
	if err != nil {
		return "" // matches no row: 404
	}
	return n
}

func domainInput(b api.Domain) (scim.DomainInput, error) {
	if b.DomainName == nil {
		return scim.DomainInput{}, fault.New(fault.Invalid, "domainName is required")
	}
	return scim.DomainInput{
		Schemas: b.Schemas, Name: *b.DomainName, Description: b.Description,
		MaxAliases: b.MaxAliases, MaxMailboxes: b.MaxMailboxes, MaxQuotaMB: b.MaxQuota, QuotaMB: b.DomainQuota,
		Transport: b.Transport, BackupMX: b.BackupMx, Active: b.Active, PasswordExpiry: b.PasswordExpiry,
		ExternalID: b.ExternalId, AliasFor: b.AliasFor,
	}, nil
}

func (s *Server) domainResource(ctx context.Context, d store.DomainWithUsage) api.Domain {
	// Used bytes in MB as PostfixAdmin's UI shows them: divided by quota_multiplier.
	used := d.Usage.UsedBytes / s.opts.MailboxPolicy.QuotaMultiplier
	var externalID *string
	if d.ExternalID != "" {
		externalID = &d.ExternalID
	}
	return api.Domain{
		ExternalId:     externalID,
		Schemas:        []string{scim.DomainSchema},
		Id:             &d.Name,
		DomainName:     &d.Name,
		Description:    nonEmpty(d.Description), // unassigned values are omitted (RFC 7643 §2.5)
		MaxAliases:     &d.MaxAliases,
		MaxMailboxes:   &d.MaxMailboxes,
		MaxQuota:       &d.MaxQuotaMB,
		DomainQuota:    &d.QuotaMB,
		UsedQuota:      &used,
		Transport:      nonEmpty(d.Transport),
		BackupMx:       &d.BackupMX,
		PasswordExpiry: &d.PasswordExpiryDays,
		Active:         &d.Active,
		MailboxCount:   &d.Usage.Mailboxes,
		AliasCount:     &d.Usage.Aliases,
		AliasFor:       nonEmpty(d.AliasFor),
		Meta: &api.Meta{
			ResourceType: ptr("Domain"),
			Created:      timePtr(d.Created),
			LastModified: timePtr(d.Modified),
			Location:     ptr(scopeFrom(ctx).baseURL + "/Domains/" + url.PathEscape(d.Name)),
			Version:      ptr(scim.DomainVersion(d.Domain)),
		},
	}
}

func ptr[T any](v T) *T { return &v }

// nonEmpty is nil for "", so an unassigned string is left out of a resource.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// oneBody returns whichever body the generated code bound.
func oneBody[T any](scimBody, jsonBody *T) (T, error) {
	switch {
	case scimBody != nil:
		return *scimBody, nil
	case jsonBody != nil:
		return *jsonBody, nil
	}
	var zero T
	return zero, fault.New(fault.Syntax, "A JSON request body is required.")
}
