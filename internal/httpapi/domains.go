package httpapi

import (
	"context"
	"net/url"
	"time"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
)

func (s *Server) ListDomains(ctx context.Context, req api.ListDomainsRequestObject) (api.ListDomainsResponseObject, error) {
	page, start := pageOf(req.Params.StartIndex, req.Params.Count)
	items, total, err := s.opts.Store.ListDomains(ctx, page)
	if err != nil {
		return nil, err
	}
	res := api.ListDomains200ApplicationScimPlusJSONResponse{
		Schemas:      []api.DomainListResponseSchemas{scim.ListResponseSchema},
		TotalResults: total, StartIndex: start, ItemsPerPage: len(items),
		Resources: make([]api.Domain, len(items)),
	}
	for i, d := range items {
		res.Resources[i] = s.domainResource(ctx, d)
	}
	return res, nil
}

func (s *Server) GetDomain(ctx context.Context, req api.GetDomainRequestObject) (api.GetDomainResponseObject, error) {
	d, err := s.opts.Store.GetDomain(ctx, domainID(req.Id))
	if err != nil {
		return nil, err
	}
	return api.GetDomain200ApplicationScimPlusJSONResponse(s.domainResource(ctx, d)), nil
}

func (s *Server) CreateDomain(ctx context.Context, req api.CreateDomainRequestObject) (api.CreateDomainResponseObject, error) {
	body, err := oneBody(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	d, err := s.opts.DomainRules.NewDomain(domainInput(body))
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
	res := s.domainResource(ctx, created)
	return api.CreateDomain201ApplicationScimPlusJSONResponse{
		Body:    res,
		Headers: api.CreateDomain201ResponseHeaders{Location: res.Meta.Location},
	}, nil
}

func (s *Server) ReplaceDomain(ctx context.Context, req api.ReplaceDomainRequestObject) (api.ReplaceDomainResponseObject, error) {
	body, err := oneBody(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	cur, err := s.opts.Store.GetDomain(ctx, domainID(req.Id))
	if err != nil {
		return nil, err
	}
	d, err := s.opts.DomainRules.ReplaceDomain(cur.Domain, domainInput(body))
	if err != nil {
		return nil, err
	}
	if err := s.opts.Store.UpdateDomain(ctx, actor(ctx), d); err != nil {
		return nil, err
	}
	updated, err := s.opts.Store.GetDomain(ctx, d.Name)
	if err != nil {
		return nil, err
	}
	return api.ReplaceDomain200ApplicationScimPlusJSONResponse(s.domainResource(ctx, updated)), nil
}

func (s *Server) DeleteDomain(ctx context.Context, req api.DeleteDomainRequestObject) (api.DeleteDomainResponseObject, error) {
	if err := s.opts.Store.DeleteDomain(ctx, actor(ctx), domainID(req.Id), s.opts.CascadeDomainDelete); err != nil {
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

func domainInput(b api.Domain) scim.DomainInput {
	return scim.DomainInput{
		Schemas: b.Schemas, Name: b.DomainName, Description: b.Description,
		MaxAliases: b.MaxAliases, MaxMailboxes: b.MaxMailboxes, MaxQuotaMB: b.MaxQuota, QuotaMB: b.DomainQuota,
		Transport: b.Transport, BackupMX: b.BackupMx, Active: b.Active, PasswordExpiry: b.PasswordExpiry,
	}
}

func (s *Server) domainResource(ctx context.Context, d store.DomainWithUsage) api.Domain {
	// Used bytes in MB as PostfixAdmin's UI shows them: divided by quota_multiplier.
	used := d.Usage.UsedBytes / s.opts.MailboxPolicy.QuotaMultiplier
	return api.Domain{
		Schemas:        []string{scim.DomainSchema},
		Id:             &d.Name,
		DomainName:     d.Name,
		Description:    &d.Description,
		MaxAliases:     &d.MaxAliases,
		MaxMailboxes:   &d.MaxMailboxes,
		MaxQuota:       &d.MaxQuotaMB,
		DomainQuota:    &d.QuotaMB,
		UsedQuota:      &used,
		Transport:      &d.Transport,
		BackupMx:       &d.BackupMX,
		PasswordExpiry: &d.PasswordExpiryDays,
		Active:         &d.Active,
		MailboxCount:   &d.Usage.Mailboxes,
		AliasCount:     &d.Usage.Aliases,
		Meta: &api.Meta{
			ResourceType: "Domain",
			Created:      timePtr(d.Created),
			LastModified: timePtr(d.Modified),
			Location:     scopeFrom(ctx).baseURL + "/Domains/" + url.PathEscape(d.Name),
			Version: scim.Version(d.Name, d.Description, d.MaxAliases, d.MaxMailboxes, d.MaxQuotaMB, d.QuotaMB,
				d.Transport, d.BackupMX, d.Active, d.PasswordExpiryDays, d.Modified.UnixNano()),
		},
	}
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
