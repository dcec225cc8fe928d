package sqlstore

import (
	"context"
	"strings"
	"time"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

// The generated mailbox structs of every engine have exactly these shapes.
type (
	mailboxRowShape = struct {
		Username, Name, Maildir string
		Quota                   int64
		LocalPart, Domain       string
		Created, Modified       *time.Time
		Active                  bool
		Phone, EmailOther       string
		ExternalID, Spelling    string
		UsedBytes               int64
		SelfGoto                string
	}
	mailboxInsertShape = struct {
		Username, Password, Name, Maildir string
		Quota                             int64
		LocalPart, Domain                 string
		Active                            bool
		Phone, EmailOther                 string
		ExpiryDays                        int64
	}
	mailboxUpdateShape = struct {
		Name              string
		Quota             int64
		Active            bool
		Phone, EmailOther string
		Username          string
	}
	passwordUpdateShape = struct {
		Password   string
		ExpiryDays int64
		Username   string
	}
)

type mailboxQueries[G, R ~mailboxRowShape, L any, I ~mailboxInsertShape, U ~mailboxUpdateShape, P ~passwordUpdateShape] interface {
	GetMailbox(ctx context.Context, username string) (G, error)
	ListMailboxes(ctx context.Context, arg L) ([]R, error)
	InsertMailbox(ctx context.Context, arg I) error
	UpdateMailbox(ctx context.Context, arg U) (int64, error)
	UpdateMailboxPassword(ctx context.Context, arg P) error
}

// mailboxOps is the engine-independent face of mailboxAdapter.
type mailboxOps[Q any] interface {
	get(ctx context.Context, q Q, username string) (store.Mailbox, error)
	list(ctx context.Context, q Q, page store.Page) ([]store.Mailbox, error)
	insert(ctx context.Context, q Q, m store.Mailbox, passwordHash string, expiryDays int64) error
	update(ctx context.Context, q Q, m store.Mailbox) (int64, error)
	setPassword(ctx context.Context, q Q, username, passwordHash string, expiryDays int64) error
}

type mailboxAdapter[Q mailboxQueries[G, R, L, I, U, P], G, R ~mailboxRowShape, L any, I ~mailboxInsertShape, U ~mailboxUpdateShape, P ~passwordUpdateShape] struct {
	page func(store.Page) L
}

func (a mailboxAdapter[Q, G, R, L, I, U, P]) get(ctx context.Context, q Q, username string) (store.Mailbox, error) {
	r, err := q.GetMailbox(ctx, username)
	if err != nil {
		return store.Mailbox{}, err
	}
	return mailboxFromRow(mailboxRowShape(r)), nil
}

func (a mailboxAdapter[Q, G, R, L, I, U, P]) list(ctx context.Context, q Q, page store.Page) ([]store.Mailbox, error) {
	rows, err := q.ListMailboxes(ctx, a.page(page))
	if err != nil {
		return nil, err
	}
	out := make([]store.Mailbox, len(rows))
	for i, r := range rows {
		out[i] = mailboxFromRow(mailboxRowShape(r))
	}
	return out, nil
}

func (a mailboxAdapter[Q, G, R, L, I, U, P]) insert(ctx context.Context, q Q, m store.Mailbox, passwordHash string, expiryDays int64) error {
	return q.InsertMailbox(ctx, I{
		Username: m.Username, Password: passwordHash, Name: m.Name, Maildir: m.Maildir, Quota: m.QuotaBytes,
		LocalPart: m.LocalPart, Domain: m.Domain, Active: m.Active, Phone: m.Phone, EmailOther: m.EmailOther,
		ExpiryDays: expiryDays,
	})
}

func (a mailboxAdapter[Q, G, R, L, I, U, P]) update(ctx context.Context, q Q, m store.Mailbox) (int64, error) {
	return q.UpdateMailbox(ctx, U{Name: m.Name, Quota: m.QuotaBytes, Active: m.Active, Phone: m.Phone, EmailOther: m.EmailOther, Username: m.Username})
}

func (a mailboxAdapter[Q, G, R, L, I, U, P]) setPassword(ctx context.Context, q Q, username, passwordHash string, expiryDays int64) error {
	return q.UpdateMailboxPassword(ctx, P{Password: passwordHash, ExpiryDays: expiryDays, Username: username})
}

func mailboxFromRow(r mailboxRowShape) store.Mailbox {
	m := store.Mailbox{
		Username: r.Username, Name: r.Name, Maildir: r.Maildir, LocalPart: r.LocalPart, Domain: r.Domain,
		QuotaBytes: r.Quota, Active: r.Active, Phone: r.Phone, EmailOther: r.EmailOther,
		Created: deref(r.Created), Modified: deref(r.Modified), UsedBytes: r.UsedBytes, ExternalID: r.ExternalID,
		Spelling: decodeSpelling(r.Spelling),
	}
	// A self-alias holds its own address when it delivers to the mailbox
	// only: that is not an empty group's mark here.
	if r.SelfGoto != "" {
		m.SelfGoto = strings.Split(r.SelfGoto, ",")
		for i := range m.SelfGoto {
			m.SelfGoto[i] = strings.TrimSpace(m.SelfGoto[i])
		}
	}
	m.Forwards, m.DeliverToMailbox = store.Forwarding(m.Username, m.SelfGoto)
	return m
}

func (s *Store[Q]) GetMailbox(ctx context.Context, username string) (store.Mailbox, error) {
	m, err := s.mailboxes.get(s.withCompanions(ctx), s.queries(s.rdb), username)
	return m, s.mapErr(err)
}

func (s *Store[Q]) ListMailboxes(ctx context.Context, query store.Query) ([]store.Mailbox, int, error) {
	lq, err := translate(s.withCompanions(ctx), "User", s.found().userAttrs, "m.username", query)
	if err != nil {
		return nil, 0, err
	}
	var out []store.Mailbox
	var total int64
	err = s.read(lq.ctx, func(q Q) error {
		var err error
		if total, err = s.counts.cachedCount(lq.countKey, func() (int64, error) { return q.CountMailboxes(lq.ctx) }); err != nil {
			return err
		}
		if lq.page.Limit == 0 {
			out = []store.Mailbox{} // count=0: totalResults only
			return nil
		}
		out, err = s.mailboxes.list(lq.ctx, q, lq.page)
		return err
	})
	return out, int(total), err
}

// lockDomain reads the mailbox's domain under a write lock; a missing domain
// is the client's mistake, not a missing resource.
func (s *Store[Q]) lockDomain(ctx context.Context, q Q, name string) (store.Domain, error) {
	d, err := s.domains.lock(ctx, q, name)
	if fault.KindOf(s.mapErr(err)) == fault.NotFound {
		return d, fault.New(fault.Invalid, "domain %s does not exist in PostfixAdmin; create it first", name)
	}
	return d, err
}

// lockDomainOf locks the domain of an existing resource's address: a
// missing domain means a missing resource.
func (s *Store[Q]) lockDomainOf(ctx context.Context, q Q, address string) (store.Domain, error) {
	_, domain, _ := strings.Cut(address, "@")
	d, err := s.lockDomain(ctx, q, domain)
	if fault.KindOf(err) == fault.Invalid {
		return d, &fault.Error{Kind: fault.NotFound, Detail: "Resource not found.", Err: err}
	}
	return d, err
}

func (s *Store[Q]) CreateMailbox(ctx context.Context, by store.Actor, w store.MailboxWrite, p store.MailboxPolicy) error {
	m := w.Mailbox
	return s.write(ctx, func(q Q) error {
		d, err := s.lockDomain(ctx, q, m.Domain)
		if err != nil {
			return err
		}
		if w.QuotaUnset {
			m.QuotaBytes = p.DefaultQuota(d)
		}
		n, err := q.CountMailboxesOfDomain(ctx, d.Name)
		if err != nil {
			return err
		}
		if err := store.CheckMailboxCount(d, n); err != nil {
			return err
		}
		used, err := q.SumQuotaOfDomain(ctx, d.Name)
		if err != nil {
			return err
		}
		if err := p.CheckQuota(d, m.QuotaBytes, used); err != nil {
			return err
		}
		if aliases, err := q.AliasExists(ctx, m.Username); err != nil {
			return err
		} else if aliases > 0 {
			return fault.New(fault.Conflict, "%s already exists in PostfixAdmin (as a mailbox or an alias)", m.Username)
		}
		// PostfixAdmin's order: the self-alias, then the mailbox, each logged.
		if err := s.checkForwards(m.Username, m.Forwards, m.DeliverToMailbox); err != nil {
			return err
		}
		selfGoto := strings.Join(store.SelfGoto(m.Username, nil, m.Forwards, m.DeliverToMailbox), ",")
		if err := s.fitMailbox(m, selfGoto); err != nil {
			return err
		}
		if err := s.meta.insertAlias(ctx, q, store.Alias{Address: m.Username, Goto: selfGoto, Domain: d.Name, Active: m.Active}); err != nil {
			return err
		}
		if err := s.meta.log(ctx, q, by, d.Name, "create_alias", m.Username); err != nil {
			return err
		}
		if err := s.mailboxes.insert(ctx, q, m, w.PasswordHash, p.ExpiryDays(d)); err != nil {
			if s.isUnique(err) {
				return fault.New(fault.Conflict, "mailbox %s already exists", m.Username)
			}
			return err
		}
		if err := s.setExternalID(ctx, q, "User", m.Username, m.ExternalID, false); err != nil {
			return err
		}
		if err := s.setSpelling(ctx, q, m.Username, m.Spelling, false); err != nil {
			return err
		}
		return s.meta.log(ctx, q, by, d.Name, "create_mailbox", m.Username)
	})
}

func (s *Store[Q]) UpdateMailbox(ctx context.Context, by store.Actor, username string, change func(cur store.Mailbox) (store.MailboxWrite, error), p store.MailboxPolicy) (store.Mailbox, error) {
	var out store.Mailbox
	err := s.write(ctx, func(q Q) error {
		// The lock comes first, so the read below and the write are one step
		// for every other writer of the domain.
		d, err := s.lockDomainOf(ctx, q, username)
		if err != nil {
			return err
		}
		cur, err := s.mailboxes.get(s.withCompanions(ctx), q, username)
		if err != nil {
			return err
		}
		w, err := change(cur)
		if err != nil {
			return err
		}
		w.Username, w.Domain = cur.Username, cur.Domain
		if !w.Changes(cur) {
			out = cur
			return nil
		}
		m := w.Mailbox
		selfGoto := strings.Join(store.SelfGoto(m.Username, cur.SelfGoto, m.Forwards, m.DeliverToMailbox), ",")
		if err := s.fitMailbox(m, selfGoto); err != nil {
			return err
		}
		if m.QuotaBytes != cur.QuotaBytes {
			used, err := q.SumQuotaOfDomain(ctx, d.Name)
			if err != nil {
				return err
			}
			if err := p.CheckQuota(d, m.QuotaBytes, used-max(cur.QuotaBytes, 0)); err != nil {
				return err
			}
		}
		if n, err := s.mailboxes.update(ctx, q, m); err != nil {
			return err
		} else if n == 0 {
			return fault.New(fault.NotFound, "Resource not found.") // deleted meanwhile
		}
		if w.PasswordHash != "" {
			if err := s.mailboxes.setPassword(ctx, q, m.Username, w.PasswordHash, p.ExpiryDays(d)); err != nil {
				return err
			}
		}
		if w.ForwardingChanges(cur) {
			if err := s.checkForwards(m.Username, m.Forwards, m.DeliverToMailbox); err != nil {
				return err
			}
			if _, err := s.groupOps.setGoto(ctx, q, m.Username, selfGoto, m.Active); err != nil {
				return err
			}
		}
		if err := q.SyncSelfAliasActive(ctx, m.Username); err != nil {
			return err
		}
		if m.ExternalID != cur.ExternalID {
			if err := s.setExternalID(ctx, q, "User", m.Username, m.ExternalID, true); err != nil {
				return err
			}
		}
		if m.Spelling != cur.Spelling {
			if err := s.setSpelling(ctx, q, m.Username, m.Spelling, true); err != nil {
				return err
			}
		}
		if err := s.meta.log(ctx, q, by, d.Name, "edit_alias", m.Username); err != nil {
			return err
		}
		if err := s.meta.log(ctx, q, by, d.Name, "edit_mailbox", m.Username); err != nil {
			return err
		}
		out, err = s.mailboxes.get(s.withCompanions(ctx), q, m.Username)
		return err
	})
	return out, err
}

func (s *Store[Q]) DeleteMailbox(ctx context.Context, by store.Actor, username string, check func(cur store.Mailbox) error) error {
	return s.write(ctx, func(q Q) error {
		// The domain's lock, as for updates: a PUT or PATCH running with it
		// sees the mailbox before or after this delete, never in between.
		if _, err := s.lockDomainOf(ctx, q, username); err != nil {
			return err
		}
		m, err := s.mailboxes.get(s.withCompanions(ctx), q, username)
		if err != nil {
			return err
		}
		if err := check(m); err != nil {
			return err
		}
		// MailboxHandler::delete() order; then, beyond it, the mailbox leaves
		// the goto lists of other aliases (dropTarget).
		for _, del := range []func(context.Context, string) error{
			q.DeleteFetchmailOfMailbox, q.DeleteVacationOfMailbox, q.DeleteVacationNotificationsOfMailbox,
			q.DeleteQuotaOfMailbox, q.DeleteQuota2OfMailbox, q.DeleteSelfAlias,
		} {
			if err := del(ctx, username); err != nil {
				return err
			}
		}
		if n, err := q.DeleteMailbox(ctx, username); err != nil {
			return err
		} else if n == 0 {
			return fault.New(fault.NotFound, "Resource not found.") // a parallel delete took it
		}
		if err := s.dropTarget(ctx, q, by, username); err != nil {
			return err
		}
		if s.found().externalIDs {
			if err := q.DeleteUserExternalID(ctx, username); err != nil {
				return err
			}
		}
		if s.found().spellings {
			if err := q.DeleteUserSpelling(ctx, username); err != nil {
				return err
			}
		}
		return s.meta.log(ctx, q, by, m.Domain, "delete_mailbox", username)
	})
}

// checkForwards applies what PostfixAdmin's forward form requires: a goto
// that is not empty.
func (s *Store[Q]) checkForwards(username string, forwards []string, deliver bool) error {
	if !deliver && len(forwards) == 0 {
		return fault.New(fault.Invalid, "deliverToMailbox false needs at least one forward: mail to %s would go nowhere", username)
	}
	return nil
}

// fitMailbox checks the mailbox's text columns and its own alias's goto
// against the live schema (see fit).
func (s *Store[Q]) fitMailbox(m store.Mailbox, selfGoto string) error {
	for _, c := range []struct{ attr, table, col, v string }{
		{"name", "mailbox", "name", m.Name}, {"phoneNumbers", "mailbox", "phone", m.Phone},
		{"emails", "mailbox", "email_other", m.EmailOther}, {"forwards", "alias", "goto", selfGoto},
	} {
		if err := s.fit(c.attr, c.table, c.col, c.v); err != nil {
			return err
		}
	}
	return nil
}
