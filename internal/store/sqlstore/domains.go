package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

// The generated domain structs of every engine have exactly these shapes.
type (
	domainRowShape = struct {
		Domain                              string
		Description                         string
		Aliases, Mailboxes, Maxquota, Quota int64
		Transport                           *string
		Backupmx                            bool
		Created, Modified                   *time.Time
		Active                              bool
		PasswordExpiry                      *int64
	}
	// domainReadShape is a domain read with its externalId (GetDomain, ListDomains).
	domainReadShape = struct {
		Domain                              string
		Description                         string
		Aliases, Mailboxes, Maxquota, Quota int64
		Transport                           *string
		Backupmx                            bool
		Created, Modified                   *time.Time
		Active                              bool
		PasswordExpiry                      *int64
		ExternalID, AliasFor                string
		MailboxCount, AliasRows, UsedBytes  int64
	}
	aliasDomainShape       = struct{ AliasDomain, TargetDomain string }
	aliasDomainTargetShape = struct{ TargetDomain, AliasDomain string }
	domainWriteShape       = struct {
		Domain                              string
		Description                         string
		Aliases, Mailboxes, Maxquota, Quota int64
		Transport                           *string
		Backupmx                            bool
		Active                              bool
		PasswordExpiry                      *int64
	}
	domainUpdateShape = struct {
		Description                         string
		Aliases, Mailboxes, Maxquota, Quota int64
		Transport                           *string
		Backupmx                            bool
		Active                              bool
		PasswordExpiry                      *int64
		Domain                              string
	}
)

type domainQueries[G, R ~domainReadShape, D ~domainRowShape, I ~domainWriteShape, U ~domainUpdateShape, L any, A ~aliasDomainShape, T ~aliasDomainTargetShape] interface {
	InsertAliasDomain(ctx context.Context, arg A) error
	SetAliasDomainTarget(ctx context.Context, arg T) error
	GetDomain(ctx context.Context, domain string) (G, error)
	ListDomains(ctx context.Context, arg L) ([]R, error)
	InsertDomain(ctx context.Context, arg I) error
	UpdateDomain(ctx context.Context, arg U) (int64, error)
	LockDomain(ctx context.Context, domain string) (D, error)
}

// domainOps is the engine-independent face of domainAdapter.
type domainOps[Q any] interface {
	get(ctx context.Context, q Q, name string) (store.DomainWithUsage, error)
	list(ctx context.Context, q Q, page store.Page) ([]store.DomainWithUsage, error)
	insert(ctx context.Context, q Q, d store.Domain) error
	update(ctx context.Context, q Q, d store.Domain) (int64, error)
	lock(ctx context.Context, q Q, name string) (store.Domain, error)
	insertAliasDomain(ctx context.Context, q Q, alias, target string) error
	setAliasDomainTarget(ctx context.Context, q Q, alias, target string) error
}

// domainAdapter converts between store.Domain and one engine's structs.
type domainAdapter[Q domainQueries[G, R, D, I, U, L, A, T], G, R ~domainReadShape, D ~domainRowShape, I ~domainWriteShape, U ~domainUpdateShape, L any, A ~aliasDomainShape, T ~aliasDomainTargetShape] struct {
	page func(store.Page) L // the one struct whose field names and types differ per engine
}

func (a domainAdapter[Q, G, R, D, I, U, L, A, T]) get(ctx context.Context, q Q, name string) (store.DomainWithUsage, error) {
	r, err := q.GetDomain(ctx, name)
	if err != nil {
		return store.DomainWithUsage{}, err
	}
	return domainFromRead(domainReadShape(r)), nil
}

func (a domainAdapter[Q, G, R, D, I, U, L, A, T]) lock(ctx context.Context, q Q, name string) (store.Domain, error) {
	r, err := q.LockDomain(ctx, name)
	if err != nil {
		return store.Domain{}, err
	}
	return domainFromRow(domainRowShape(r)), nil
}

func (a domainAdapter[Q, G, R, D, I, U, L, A, T]) list(ctx context.Context, q Q, page store.Page) ([]store.DomainWithUsage, error) {
	rows, err := q.ListDomains(ctx, a.page(page))
	if err != nil {
		return nil, err
	}
	out := make([]store.DomainWithUsage, len(rows))
	for i, r := range rows {
		out[i] = domainFromRead(domainReadShape(r))
	}
	return out, nil
}

func (a domainAdapter[Q, G, R, D, I, U, L, A, T]) insert(ctx context.Context, q Q, d store.Domain) error {
	return q.InsertDomain(ctx, I(domainWriteFrom(d)))
}

func (a domainAdapter[Q, G, R, D, I, U, L, A, T]) update(ctx context.Context, q Q, d store.Domain) (int64, error) {
	w := domainWriteFrom(d)
	return q.UpdateDomain(ctx, U(domainUpdateShape{
		Description: w.Description, Aliases: w.Aliases, Mailboxes: w.Mailboxes,
		Maxquota: w.Maxquota, Quota: w.Quota, Transport: w.Transport, Backupmx: w.Backupmx,
		Active: w.Active, PasswordExpiry: w.PasswordExpiry, Domain: w.Domain,
	}))
}

func (a domainAdapter[Q, G, R, D, I, U, L, A, T]) insertAliasDomain(ctx context.Context, q Q, alias, target string) error {
	return q.InsertAliasDomain(ctx, A{AliasDomain: alias, TargetDomain: target})
}

func (a domainAdapter[Q, G, R, D, I, U, L, A, T]) setAliasDomainTarget(ctx context.Context, q Q, alias, target string) error {
	return q.SetAliasDomainTarget(ctx, T{TargetDomain: target, AliasDomain: alias})
}

func domainFromRow(r domainRowShape) store.Domain {
	return store.Domain{
		Name: r.Domain, Description: r.Description,
		MaxAliases: r.Aliases, MaxMailboxes: r.Mailboxes, MaxQuotaMB: r.Maxquota, QuotaMB: r.Quota,
		Transport: deref(r.Transport), BackupMX: r.Backupmx, Active: r.Active,
		PasswordExpiryDays: deref(r.PasswordExpiry),
		Created:            deref(r.Created), Modified: deref(r.Modified),
	}
}

func domainFromRead(r domainReadShape) store.DomainWithUsage {
	d := domainFromRow(domainRowShape{
		Domain: r.Domain, Description: r.Description, Aliases: r.Aliases, Mailboxes: r.Mailboxes,
		Maxquota: r.Maxquota, Quota: r.Quota, Transport: r.Transport, Backupmx: r.Backupmx,
		Created: r.Created, Modified: r.Modified, Active: r.Active, PasswordExpiry: r.PasswordExpiry,
	})
	d.ExternalID, d.AliasFor = r.ExternalID, r.AliasFor
	return store.DomainWithUsage{Domain: d, Usage: store.DomainUsage{
		Mailboxes: r.MailboxCount,
		// PostfixAdmin's alias count leaves out the mailboxes' own aliases.
		Aliases:   max(r.AliasRows-r.MailboxCount, 0),
		UsedBytes: r.UsedBytes,
	}}
}

func domainWriteFrom(d store.Domain) domainWriteShape {
	return domainWriteShape{
		Domain: d.Name, Description: d.Description,
		Aliases: d.MaxAliases, Mailboxes: d.MaxMailboxes, Maxquota: d.MaxQuotaMB, Quota: d.QuotaMB,
		Transport: &d.Transport, Backupmx: d.BackupMX, Active: d.Active,
		PasswordExpiry: &d.PasswordExpiryDays,
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (s *Store[Q]) GetDomain(ctx context.Context, name string) (store.DomainWithUsage, error) {
	d, err := s.domains.get(s.withCompanions(ctx), s.queries(s.rdb), name)
	return d, s.mapErr(err)
}

func (s *Store[Q]) ListDomains(ctx context.Context, query store.Query) ([]store.DomainWithUsage, int, error) {
	lq, err := translate(s.withCompanions(ctx), "Domain", s.found().domainAttrs, "d.domain", query)
	if err != nil {
		return nil, 0, err
	}
	var out []store.DomainWithUsage
	var total int64
	// One read transaction, so the total and the page agree.
	err = s.read(lq.ctx, func(q Q) error {
		var err error
		if total, err = s.counts.cachedCount(lq.countKey, func() (int64, error) { return q.CountDomains(lq.ctx) }); err != nil {
			return err
		}
		out, err = s.domains.list(lq.ctx, q, lq.page)
		return err
	})
	return out, int(total), err
}

func (s *Store[Q]) CreateDomain(ctx context.Context, by store.Actor, d store.Domain, defaultAliases []store.Alias) error {
	if err := s.fitDomain(d); err != nil {
		return err
	}
	return s.write(ctx, func(q Q) error {
		if err := s.domains.insert(ctx, q, d); err != nil {
			return err
		}
		for _, a := range defaultAliases {
			if err := s.meta.insertAlias(ctx, q, a); err != nil {
				if s.isUnique(err) {
					return fault.New(fault.Conflict, "default alias %s already exists", a.Address)
				}
				return err
			}
		}
		if err := s.setExternalID(ctx, q, "Domain", d.Name, d.ExternalID, false); err != nil {
			return err
		}
		if err := s.meta.log(ctx, q, by, d.Name, "create_domain", d.Name); err != nil {
			return err
		}
		return s.setAliasFor(ctx, q, by, d.Name, "", d.AliasFor)
	})
}

// fitDomain checks the domain's text columns against the live schema (see fit).
func (s *Store[Q]) fitDomain(d store.Domain) error {
	if err := s.fit("description", "domain", "description", d.Description); err != nil {
		return err
	}
	return s.fit("transport", "domain", "transport", d.Transport)
}

func (s *Store[Q]) UpdateDomain(ctx context.Context, by store.Actor, name string, change func(cur store.DomainWithUsage) (store.Domain, error)) (store.DomainWithUsage, error) {
	var out store.DomainWithUsage
	err := s.write(ctx, func(q Q) error {
		if _, err := s.domains.lock(ctx, q, name); err != nil {
			return err
		}
		cur, err := s.domains.get(s.withCompanions(ctx), q, name)
		if err != nil {
			return err
		}
		d, err := change(cur)
		if err != nil {
			return err
		}
		d.Name = cur.Name
		if !d.Changes(cur.Domain) {
			out = cur
			return nil
		}
		if d.ColumnsChange(cur.Domain) {
			if err := s.fitDomain(d); err != nil {
				return err
			}
			if _, err := s.domains.update(ctx, q, d); err != nil {
				return err
			}
			if err := s.meta.log(ctx, q, by, d.Name, "edit_domain", d.Name); err != nil {
				return err
			}
		}
		if d.ExternalID != cur.ExternalID {
			if err := s.setExternalID(ctx, q, "Domain", d.Name, d.ExternalID, true); err != nil {
				return err
			}
		}
		if err := s.setAliasFor(ctx, q, by, d.Name, cur.AliasFor, d.AliasFor); err != nil {
			return err
		}
		out, err = s.domains.get(s.withCompanions(ctx), q, name)
		return err
	})
	return out, err
}

func (s *Store[Q]) DeleteDomain(ctx context.Context, by store.Actor, name string, cascade bool, defaultAliases []store.Alias, check func(cur store.Domain) error) error {
	return s.write(ctx, func(q Q) error {
		if _, err := s.domains.lock(ctx, q, name); err != nil {
			return err
		}
		cur, err := s.domains.get(s.withCompanions(ctx), q, name)
		if err != nil {
			return err
		}
		if err := check(cur.Domain); err != nil {
			return err
		}
		targets, err := q.CountAliasDomainsTargeting(ctx, name)
		if err != nil {
			return err
		}
		var untouched int64
		if !cascade {
			if untouched, err = s.untouchedDefaultAliases(ctx, q, defaultAliases); err != nil {
				return err
			}
		}
		if err := store.CheckDomainDeletable(name, cur.Usage, targets, untouched, cascade); err != nil {
			return err
		}
		// DomainHandler::delete() order. Without cascade this removes the
		// default aliases that still hold what default_aliases wrote (no other
		// alias is left), admin assignments and history, as PostfixAdmin does.
		for _, del := range []func(context.Context, string) error{
			q.DeleteDomainAdminsOfDomain, q.DeleteAliasesOfDomain, q.DeleteMailboxesOfDomain,
			q.DeleteAliasDomainsOfDomain, q.DeleteVacationsOfDomain, q.DeleteVacationNotificationsOfDomain,
			q.DeleteQuotaOfDomain, q.DeleteQuota2OfDomain, q.DeleteFetchmailOfDomain, q.DeleteLogOfDomain,
		} {
			if err := del(ctx, name); err != nil {
				return err
			}
		}
		if _, err := q.DeleteDomain(ctx, name); err != nil {
			return err
		}
		if s.found().externalIDs {
			if err := q.DeleteUserExternalIDsOfDomain(ctx, name); err != nil {
				return err
			}
			if err := q.DeleteDomainExternalID(ctx, name); err != nil {
				return err
			}
		}
		if s.found().spellings {
			if err := q.DeleteUserSpellingsOfDomain(ctx, name); err != nil {
				return err
			}
		}
		return s.meta.log(ctx, q, by, name, "delete_domain", name)
	})
}

// untouchedDefaultAliases counts the domain's default aliases that still
// deliver exactly where default_aliases sent them when the domain was created:
// they came with the domain, so they go with it.
func (s *Store[Q]) untouchedDefaultAliases(ctx context.Context, q Q, defaults []store.Alias) (int64, error) {
	var n int64
	for _, a := range defaults {
		r, err := s.groupOps.get(ctx, q, a.Address)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return 0, err
		case r.Goto == a.Goto:
			n++
		}
	}
	return n, nil
}

// setAliasFor makes domain an alias domain of target (or none, for ""), as
// AliasdomainHandler writes and logs it: both must be domains here, a domain
// does not mirror itself, and there are no chains (a target is no alias
// domain, an alias domain no target).
func (s *Store[Q]) setAliasFor(ctx context.Context, q Q, by store.Actor, domain, cur, target string) error {
	switch {
	case target == cur:
		return nil
	case target == "":
		if err := q.DeleteAliasDomainsOfDomain(ctx, domain); err != nil {
			return err
		}
		return s.meta.log(ctx, q, by, domain, "delete_alias_domain", cur)
	case target == domain:
		return fault.New(fault.Invalid, "aliasFor: a domain cannot be an alias domain of itself")
	}
	t, err := s.domains.get(ctx, q, target)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.New(fault.Invalid, "aliasFor: domain %s does not exist in PostfixAdmin", target)
	} else if err != nil {
		return err
	}
	if t.AliasFor != "" {
		return fault.New(fault.Invalid, "aliasFor: %s is itself an alias domain (of %s); PostfixAdmin allows no chains", target, t.AliasFor)
	}
	if n, err := q.CountAliasDomainsTargeting(ctx, domain); err != nil {
		return err
	} else if n > 0 {
		return fault.New(fault.Invalid, "aliasFor: %s is the target of %d alias domain(s); PostfixAdmin allows no chains", domain, n)
	}
	if cur == "" {
		if err := s.domains.insertAliasDomain(ctx, q, domain, target); err != nil {
			return err
		}
		return s.meta.log(ctx, q, by, domain, "create_alias_domain", domain)
	}
	if err := s.domains.setAliasDomainTarget(ctx, q, domain, target); err != nil {
		return err
	}
	return s.meta.log(ctx, q, by, domain, "edit_alias_domain", domain)
}
