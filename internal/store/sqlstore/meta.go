package sqlstore

import (
	"context"

	"postfixadmin-scim/internal/store"
)

type (
	loginAdminShape = struct {
		Username, Password string
		Superadmin         bool
	}
	insertAdminShape = struct {
		Username, Password string
		Superadmin, Active bool
	}
	domainAdminShape = struct{ Username, Domain string }
	configShape      = struct{ Name, Value string }
	logShape         = struct{ Username, Domain, Action, Data string }
	aliasShape       = struct {
		Address, Goto, Domain string
		Active                bool
	}
	externalIDShape = struct{ ResourceType, ResourceID, ExternalID string }
	spellingShape   = struct{ Username, Spelling string }
)

type metaQueries[A ~loginAdminShape, IA ~insertAdminShape, DA ~domainAdminShape, C ~configShape, L ~logShape, AL ~aliasShape, X ~externalIDShape, S ~spellingShape] interface {
	GetLoginAdmin(ctx context.Context, username string) (A, error)
	InsertAdmin(ctx context.Context, arg IA) error
	InsertDomainAdmin(ctx context.Context, arg DA) error
	InsertConfigValue(ctx context.Context, arg C) error
	InsertLog(ctx context.Context, arg L) error
	InsertAlias(ctx context.Context, arg AL) error
	InsertExternalID(ctx context.Context, arg X) error
	InsertUserSpelling(ctx context.Context, arg S) error
}

// metaOps is the engine-independent face of metaAdapter: admins, the log,
// aliases and the config table.
type metaOps[Q any] interface {
	loginAdmin(ctx context.Context, q Q, username string) (store.Admin, error)
	insertAdmin(ctx context.Context, q Q, a store.Admin) error
	insertDomainAdmin(ctx context.Context, q Q, username, domain string) error
	insertConfig(ctx context.Context, q Q, name, value string) error
	log(ctx context.Context, q Q, by store.Actor, domain, action, data string) error
	insertAlias(ctx context.Context, q Q, a store.Alias) error
	insertExternalID(ctx context.Context, q Q, resourceType, id, externalID string) error
	insertSpelling(ctx context.Context, q Q, username, spelling string) error
}

type metaAdapter[Q metaQueries[A, IA, DA, C, L, AL, X, S], A ~loginAdminShape, IA ~insertAdminShape, DA ~domainAdminShape, C ~configShape, L ~logShape, AL ~aliasShape, X ~externalIDShape, S ~spellingShape] struct{}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) loginAdmin(ctx context.Context, q Q, username string) (store.Admin, error) {
	r, err := q.GetLoginAdmin(ctx, username)
	if err != nil {
		return store.Admin{}, err
	}
	row := loginAdminShape(r)
	return store.Admin{Username: row.Username, PasswordHash: row.Password, Superadmin: row.Superadmin}, nil
}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) insertAdmin(ctx context.Context, q Q, a store.Admin) error {
	return q.InsertAdmin(ctx, IA{Username: a.Username, Password: a.PasswordHash, Superadmin: a.Superadmin, Active: true})
}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) insertDomainAdmin(ctx context.Context, q Q, username, domain string) error {
	return q.InsertDomainAdmin(ctx, DA{Username: username, Domain: domain})
}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) insertConfig(ctx context.Context, q Q, name, value string) error {
	return q.InsertConfigValue(ctx, C{Name: name, Value: value})
}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) log(ctx context.Context, q Q, by store.Actor, domain, action, data string) error {
	return q.InsertLog(ctx, L{Username: string(by), Domain: domain, Action: action, Data: data})
}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) insertAlias(ctx context.Context, q Q, a store.Alias) error {
	return q.InsertAlias(ctx, AL{Address: a.Address, Goto: a.Goto, Domain: a.Domain, Active: a.Active})
}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) insertExternalID(ctx context.Context, q Q, resourceType, id, externalID string) error {
	return q.InsertExternalID(ctx, X{ResourceType: resourceType, ResourceID: id, ExternalID: externalID})
}

func (metaAdapter[Q, A, IA, DA, C, L, AL, X, S]) insertSpelling(ctx context.Context, q Q, username, spelling string) error {
	return q.InsertUserSpelling(ctx, S{Username: username, Spelling: spelling})
}

func (s *Store[Q]) ActiveAdmin(ctx context.Context, username string) (store.Admin, error) {
	a, err := s.meta.loginAdmin(ctx, s.queries(s.rdb), username)
	return a, s.mapErr(err)
}
