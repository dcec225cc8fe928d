package httpapi

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strings"

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
	return s.list(ctx, s.resourceOf("User"), lr)
}

func (s *Server) listUserItems(ctx context.Context, q store.Query, proj scim.Projection) ([]any, int, error) {
	items, total, err := s.opts.Store.ListMailboxes(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	users := make([]api.User, len(items))
	for i, m := range items {
		users[i] = userResource(ctx, m)
	}
	if err := s.addGroups(ctx, proj, users); err != nil {
		return nil, 0, err
	}
	out := make([]any, len(users))
	for i := range users {
		out[i] = users[i]
	}
	return out, total, nil
}

// addGroups fills the users' groups attribute when the request asks for it
// (it is returned on request only: see its /Schemas description).
func (s *Server) addGroups(ctx context.Context, proj scim.Projection, users []api.User) error {
	if !proj.Requests(scim.UserSchema, "groups") || len(users) == 0 {
		return nil
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = *u.Id
	}
	of, err := s.opts.Store.GroupsOf(ctx, names)
	if err != nil {
		return err
	}
	base := scopeFrom(ctx).baseURL
	for i, u := range users {
		refs := []api.GroupRef{}
		for _, g := range of[*u.Id] {
			display := g.Address
			if g.Description != "" {
				display = g.Description
			}
			refs = append(refs, api.GroupRef{Value: ptr(g.Address), Ref: ptr(base + "/Groups/" + url.PathEscape(g.Address)), Display: ptr(display), Type: ptr("direct")})
		}
		if len(refs) > 0 {
			users[i].Groups = &refs
		}
	}
	return nil
}

func (s *Server) GetUser(ctx context.Context, req api.GetUserRequestObject) (api.GetUserResponseObject, error) {
	proj, err := projection(req.Params.Attributes, req.Params.ExcludedAttributes)
	if err != nil {
		return nil, err
	}
	m, err := s.opts.Store.GetMailbox(ctx, userID(req.Id))
	if err != nil {
		return nil, err
	}
	if r, ok := notModified(req.Params.IfNoneMatch, scim.MailboxVersion(m)); ok {
		return r, nil
	}
	return s.userResponse(ctx, http.StatusOK, m, proj)
}

func (s *Server) userResponse(ctx context.Context, status int, m store.Mailbox, proj scim.Projection) (resourceResponse, error) {
	res := []api.User{userResource(ctx, m)}
	if err := s.addGroups(ctx, proj, res); err != nil {
		return resourceResponse{}, err
	}
	return reply(status, res[0], res[0].Meta, proj), nil
}

func (s *Server) CreateUser(ctx context.Context, req api.CreateUserRequestObject) (api.CreateUserResponseObject, error) {
	proj, body, err := writeRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	in, err := userInput(body)
	if err != nil {
		return nil, err
	}
	w, err := s.opts.MailboxRules.NewMailbox(in)
	if err != nil {
		return nil, err
	}
	if in.Password != nil {
		w.PasswordHash, err = s.hashPassword(*in.Password)
	} else {
		// Entra ID and Keycloak create users without a password (they sign in
		// elsewhere). PostfixAdmin requires one: store the hash of a random
		// secret nobody knows, so the mailbox cannot log in until a password
		// is set with PUT or PATCH.
		w.PasswordHash, err = s.opts.Passwords.Hash(rand.Text() + rand.Text())
	}
	if err != nil {
		return nil, err
	}
	if err := s.opts.Store.CreateMailbox(ctx, actor(ctx), w, s.opts.MailboxPolicy); err != nil {
		return nil, err
	}
	m, err := s.opts.Store.GetMailbox(ctx, w.Username)
	if err != nil {
		return nil, err
	}
	return s.userResponse(ctx, http.StatusCreated, m, proj)
}

func (s *Server) ReplaceUser(ctx context.Context, req api.ReplaceUserRequestObject) (api.ReplaceUserResponseObject, error) {
	proj, body, err := writeRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	in, err := userInput(body)
	if err != nil {
		return nil, err
	}
	m, err := s.updateUser(ctx, userID(req.Id), req.Params.IfMatch, in.Password, func(cur store.Mailbox) (scim.UserInput, store.MailboxWrite, error) {
		w, err := s.opts.MailboxRules.ReplaceMailbox(cur, in)
		return in, w, err
	})
	if err != nil {
		return nil, err
	}
	return s.userResponse(ctx, http.StatusOK, m, proj)
}

func (s *Server) PatchUser(ctx context.Context, req api.PatchUserRequestObject) (api.PatchUserResponseObject, error) {
	proj, ops, err := patchRequest(req.Params.Attributes, req.Params.ExcludedAttributes, req.ApplicationScimPlusJSONBody, req.JSONBody)
	if err != nil {
		return nil, err
	}
	m, err := s.updateUser(ctx, userID(req.Id), req.Params.IfMatch, scim.PatchedPassword(ops), func(cur store.Mailbox) (scim.UserInput, store.MailboxWrite, error) {
		// The operations apply to the resource as clients see it; what they
		// changed in it is then written, all in one transaction.
		seen := userResource(ctx, cur)
		res, err := asMap(seen)
		if err != nil {
			return scim.UserInput{}, store.MailboxWrite{}, err
		}
		before, err := userInput(seen)
		if err != nil {
			return scim.UserInput{}, store.MailboxWrite{}, err
		}
		if err := scim.PatchUser(res, ops); err != nil {
			return scim.UserInput{}, store.MailboxWrite{}, err
		}
		var u api.User
		if err := fromMap(res, &u); err != nil {
			return scim.UserInput{}, store.MailboxWrite{}, err
		}
		after, err := userInput(u)
		if err != nil {
			return scim.UserInput{}, store.MailboxWrite{}, err
		}
		w, err := s.opts.MailboxRules.PatchMailbox(cur, before, after)
		return after, w, err
	})
	if err != nil {
		return nil, err
	}
	if preferMinimal(ctx) {
		return emptyResponse{status: http.StatusNoContent, etag: scim.MailboxVersion(m)}, nil
	}
	return s.userResponse(ctx, http.StatusOK, m, proj)
}

// updateUser runs a PUT or PATCH: under the store's lock it checks If-Match
// against the stored version and lets change derive the new mailbox from the
// current one. A new password is hashed first, outside the transaction and
// its locks: bcrypt takes tens of milliseconds that no other writer of the
// domain (and, on SQLite, no other writer at all) should wait for.
func (s *Server) updateUser(ctx context.Context, id string, ifMatch, password *string, change func(cur store.Mailbox) (scim.UserInput, store.MailboxWrite, error)) (store.Mailbox, error) {
	var hash string
	if password != nil {
		var err error
		if hash, err = s.hashPassword(*password); err != nil {
			return store.Mailbox{}, err
		}
	}
	return s.opts.Store.UpdateMailbox(ctx, actor(ctx), id, func(cur store.Mailbox) (store.MailboxWrite, error) {
		if err := scim.CheckIfMatch(ifMatch, scim.MailboxVersion(cur)); err != nil {
			return store.MailboxWrite{}, err
		}
		in, w, err := change(cur)
		if err != nil {
			return store.MailboxWrite{}, err
		}
		switch {
		case in.Password == nil:
		case password == nil || *in.Password != *password:
			return store.MailboxWrite{}, errors.New("httpapi: the password written differs from the one hashed")
		default:
			w.PasswordHash = hash
		}
		return w, nil
	}, s.opts.MailboxPolicy)
}

func (s *Server) DeleteUser(ctx context.Context, req api.DeleteUserRequestObject) (api.DeleteUserResponseObject, error) {
	err := s.opts.Store.DeleteMailbox(ctx, actor(ctx), userID(req.Id), func(cur store.Mailbox) error {
		return scim.CheckIfMatch(req.Params.IfMatch, scim.MailboxVersion(cur))
	})
	if err != nil {
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
	in := scim.UserInput{Schemas: b.Schemas, UserName: *b.UserName, DisplayName: b.DisplayName, Active: b.Active, Password: b.Password, ExternalID: b.ExternalId}
	if b.Name != nil {
		in.Name = scim.NameInput{Formatted: b.Name.Formatted, GivenName: b.Name.GivenName, MiddleName: b.Name.MiddleName,
			FamilyName: b.Name.FamilyName, HonorificPrefix: b.Name.HonorificPrefix, HonorificSuffix: b.Name.HonorificSuffix}
	}
	in.Emails = values(b.Emails)
	in.Phones = values(b.PhoneNumbers)
	if b.Provisioning != nil {
		in.SizeQuota = b.Provisioning.SizeQuota // the original's spellings were merged into it (scim.Canonicalize)
		in.Forwards, in.DeliverToMailbox = b.Provisioning.Forwards, b.Provisioning.DeliverToMailbox
	}
	return in, nil
}

// values are the non-empty values of a multi-valued attribute.
func values(vs *[]api.MultiValue) []scim.Value {
	if vs == nil {
		return nil
	}
	var out []scim.Value
	for _, v := range *vs {
		if val := strings.TrimSpace(deref(v.Value)); val != "" {
			out = append(out, scim.Value{Value: val, Type: deref(v.Type)})
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
		UserName: ptr(scim.ShownUserName(m)),
		Active:   &m.Active,
		Emails:   &emails,
		Provisioning: &api.ProvisioningUser{
			SizeQuota: &m.QuotaBytes, UsedQuota: &m.UsedBytes, Maildir: &m.Maildir, DeliverToMailbox: &m.DeliverToMailbox,
		},
		Meta: &api.Meta{
			ResourceType: ptr("User"),
			Created:      timePtr(m.Created),
			LastModified: timePtr(m.Modified),
			Location:     ptr(scopeFrom(ctx).baseURL + "/Users/" + url.PathEscape(m.Username)),
			Version:      ptr(scim.MailboxVersion(m)),
		},
	}
	if m.Name != "" {
		p := scim.ShownName(m)
		u.Name = &api.Name{Formatted: &m.Name, GivenName: nonEmpty(p.GivenName), FamilyName: nonEmpty(p.FamilyName)}
		u.DisplayName = &m.Name
	}
	if m.ExternalID != "" {
		u.ExternalId = &m.ExternalID
	}
	if len(m.Forwards) > 0 {
		u.Provisioning.Forwards = &m.Forwards
	}
	if m.Phone != "" {
		u.PhoneNumbers = &[]api.MultiValue{{Value: &m.Phone, Type: &work}}
	}
	return u
}
