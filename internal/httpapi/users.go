package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
)

func (s *Server) ListUsers(ctx context.Context, req api.ListUsersRequestObject) (api.ListUsersResponseObject, error) {
	p := req.Params
	return s.listUsers(ctx, listRequest{
		filter: deref(p.Filter), sortBy: deref(p.SortBy), sortOrder: string(deref(p.SortOrder)),
		startIndex: p.StartIndex, count: p.Count, attributes: list(p.Attributes), excluded: list(p.ExcludedAttributes),
	})
}

func (s *Server) listUsers(ctx context.Context, lr listRequest) (resourceResponse, error) {
	q, start, proj, err := query(scim.UserFilter, "m.username", lr)
	if err != nil {
		return resourceResponse{}, err
	}
	items, total, err := s.opts.Store.ListMailboxes(ctx, q)
	if err != nil {
		return resourceResponse{}, err
	}
	res := api.UserListResponse{
		Schemas:      []api.UserListResponseSchemas{scim.ListResponseSchema},
		TotalResults: total, StartIndex: start, ItemsPerPage: len(items),
		Resources: make([]api.User, len(items)),
	}
	for i, m := range items {
		res.Resources[i] = userResource(ctx, m)
	}
	return resourceResponse{status: http.StatusOK, body: res, list: true, proj: proj}, nil
}

func (s *Server) GetUser(ctx context.Context, req api.GetUserRequestObject) (api.GetUserResponseObject, error) {
	proj, err := scim.NewProjection(list(req.Params.Attributes), list(req.Params.ExcludedAttributes))
	if err != nil {
		return nil, err
	}
	m, err := s.opts.Store.GetMailbox(ctx, userID(req.Id))
	if err != nil {
		return nil, err
	}
	return resourceResponse{status: http.StatusOK, body: userResource(ctx, m), proj: proj}, nil
}

func (s *Server) CreateUser(ctx context.Context, req api.CreateUserRequestObject) (api.CreateUserResponseObject, error) {
	proj, err := scim.NewProjection(list(req.Params.Attributes), list(req.Params.ExcludedAttributes))
	if err != nil {
		return nil, err
	}
	body, err := oneBody(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	in, err := userInput(body)
	if err != nil {
		return nil, err
	}
	if in.Password == nil {
		return nil, fault.New(fault.Invalid, "password is required to create a mailbox")
	}
	w, err := s.opts.MailboxRules.NewMailbox(in)
	if err != nil {
		return nil, err
	}
	if w.PasswordHash, err = s.hashPassword(*in.Password); err != nil {
		return nil, err
	}
	if err := s.opts.Store.CreateMailbox(ctx, actor(ctx), w, s.opts.MailboxPolicy); err != nil {
		return nil, err
	}
	m, err := s.opts.Store.GetMailbox(ctx, w.Username)
	if err != nil {
		return nil, err
	}
	res := userResource(ctx, m)
	return resourceResponse{status: http.StatusCreated, location: *res.Meta.Location, body: res, proj: proj}, nil
}

func (s *Server) ReplaceUser(ctx context.Context, req api.ReplaceUserRequestObject) (api.ReplaceUserResponseObject, error) {
	proj, err := scim.NewProjection(list(req.Params.Attributes), list(req.Params.ExcludedAttributes))
	if err != nil {
		return nil, err
	}
	body, err := oneBody(req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	in, err := userInput(body)
	if err != nil {
		return nil, err
	}
	cur, err := s.opts.Store.GetMailbox(ctx, userID(req.Id))
	if err != nil {
		return nil, err
	}
	w, err := s.opts.MailboxRules.ReplaceMailbox(cur, in)
	if err != nil {
		return nil, err
	}
	if in.Password != nil {
		if w.PasswordHash, err = s.hashPassword(*in.Password); err != nil {
			return nil, err
		}
	}
	if err := s.opts.Store.UpdateMailbox(ctx, actor(ctx), w, s.opts.MailboxPolicy); err != nil {
		return nil, err
	}
	m, err := s.opts.Store.GetMailbox(ctx, cur.Username)
	if err != nil {
		return nil, err
	}
	return resourceResponse{status: http.StatusOK, body: userResource(ctx, m), proj: proj}, nil
}

func (s *Server) DeleteUser(ctx context.Context, req api.DeleteUserRequestObject) (api.DeleteUserResponseObject, error) {
	if err := s.opts.Store.DeleteMailbox(ctx, actor(ctx), userID(req.Id)); err != nil {
		return nil, err
	}
	return api.DeleteUser204Response{}, nil
}

func (s *Server) hashPassword(pw string) (string, error) {
	if err := s.opts.PasswordPolicy.Check(pw); err != nil {
		return "", err
	}
	return s.opts.Passwords.Hash(pw)
}

// userID is the lookup key for a path id: PostfixAdmin stores addresses lower-cased.
func userID(id string) string {
	u, _, _, err := scim.NormalizeAddress(id)
	if err != nil {
		return "" // matches no row: 404
	}
	return u
}

func userInput(b api.User) (scim.UserInput, error) {
	if b.UserName == nil {
		return scim.UserInput{}, fault.New(fault.Invalid, "userName is required")
	}
	in := scim.UserInput{Schemas: b.Schemas, UserName: *b.UserName, DisplayName: b.DisplayName, Active: b.Active, Password: b.Password}
	if b.Name != nil {
		in.Name = scim.NameInput{Formatted: b.Name.Formatted, GivenName: b.Name.GivenName, MiddleName: b.Name.MiddleName,
			FamilyName: b.Name.FamilyName, HonorificPrefix: b.Name.HonorificPrefix, HonorificSuffix: b.Name.HonorificSuffix}
	}
	in.Emails = primaryFirst(b.Emails)
	in.Phones = primaryFirst(b.PhoneNumbers)
	// The extension under its canonical key or either spelling of the original;
	// a quota given under two keys must agree, so none is dropped silently.
	for _, ext := range []*api.ProvisioningUser{b.Provisioning, b.ProvisioningCodeAlias, b.ProvisioningReadmeAlias} {
		if ext == nil || ext.SizeQuota == nil {
			continue
		}
		if in.SizeQuota != nil && *in.SizeQuota != *ext.SizeQuota {
			return in, fault.New(fault.Invalid, "sizeQuota is given twice with different values (%d, %d)", *in.SizeQuota, *ext.SizeQuota)
		}
		in.SizeQuota = ext.SizeQuota
	}
	return in, nil
}

// primaryFirst returns the values of a multi-valued attribute, the primary one first.
func primaryFirst(vs *[]api.MultiValue) []string {
	if vs == nil {
		return nil
	}
	var out []string
	for _, v := range *vs {
		if v.Value == nil {
			continue
		}
		if v.Primary != nil && *v.Primary {
			out = append([]string{*v.Value}, out...)
		} else {
			out = append(out, *v.Value)
		}
	}
	return out
}

func userResource(ctx context.Context, m store.Mailbox) api.User {
	primary, work := true, "work"
	emails := []api.MultiValue{{Value: &m.Username, Primary: &primary, Type: &work}}
	if m.EmailOther != "" {
		other, notPrimary := "other", false
		emails = append(emails, api.MultiValue{Value: &m.EmailOther, Primary: &notPrimary, Type: &other})
	}
	u := api.User{
		Schemas:  []string{scim.UserSchema, scim.ProvisioningSchema},
		Id:       &m.Username,
		UserName: &m.Username,
		Active:   &m.Active,
		Emails:   &emails,
		Provisioning: &api.ProvisioningUser{
			SizeQuota: &m.QuotaBytes, UsedQuota: &m.UsedBytes, Maildir: &m.Maildir,
		},
		Meta: &api.Meta{
			ResourceType: ptr("User"),
			Created:      timePtr(m.Created),
			LastModified: timePtr(m.Modified),
			Location:     ptr(scopeFrom(ctx).baseURL + "/Users/" + url.PathEscape(m.Username)),
			Version: ptr(scim.Version(m.Username, m.Name, m.QuotaBytes, m.Active, m.Phone, m.EmailOther,
				m.Maildir, m.Modified.UnixNano())),
		},
	}
	if m.Name != "" {
		u.Name = &api.Name{Formatted: &m.Name}
		u.DisplayName = &m.Name
	}
	if m.Phone != "" {
		u.PhoneNumbers = &[]api.MultiValue{{Value: &m.Phone, Type: &work}}
	}
	return u
}
