// Package sqlstore implements store.Store once, generically, over the three
// sqlc-generated packages (gen/sqlitedb, gen/mysqldb, gen/pgdb). The sqlc
// overrides make their structs identical field for field; the type constraints
// here pin those shapes, so a drift in generated code fails the build at the
// engine constructor instead of at run time.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scimfilter"
	"postfixadmin-scim/internal/sqltemplate"
	"postfixadmin-scim/internal/store"
)

// DBTX is what sqlc's generated New accepts: a *sql.DB or a *sql.Tx.
type DBTX = sqltemplate.DBTX

// scalarQueries are the generated methods whose signatures use only basic
// types; they are called directly. Methods with row or parameter structs go
// through the typed adapters (domainAdapter, mailboxAdapter, metaAdapter).
type scalarQueries interface {
	CountDomains(ctx context.Context) (int64, error)
	CountMailboxesOfDomain(ctx context.Context, domain string) (int64, error)
	CountAliasDomainsTargeting(ctx context.Context, domain string) (int64, error)
	DeleteDomainAdminsOfDomain(ctx context.Context, domain string) error
	DeleteAliasesOfDomain(ctx context.Context, domain string) error
	DeleteMailboxesOfDomain(ctx context.Context, domain string) error
	DeleteAliasDomainsOfDomain(ctx context.Context, domain string) error
	DeleteVacationsOfDomain(ctx context.Context, domain string) error
	DeleteVacationNotificationsOfDomain(ctx context.Context, domain string) error
	DeleteQuotaOfDomain(ctx context.Context, domain string) error
	DeleteQuota2OfDomain(ctx context.Context, domain string) error
	DeleteFetchmailOfDomain(ctx context.Context, domain string) error
	DeleteLogOfDomain(ctx context.Context, domain string) error
	DeleteDomain(ctx context.Context, domain string) (int64, error)
	CountMailboxes(ctx context.Context) (int64, error)
	SumQuotaOfDomain(ctx context.Context, domain string) (int64, error)
	AliasExists(ctx context.Context, address string) (int64, error)
	SyncSelfAliasActive(ctx context.Context, username string) error
	DeleteFetchmailOfMailbox(ctx context.Context, username string) error
	DeleteVacationOfMailbox(ctx context.Context, username string) error
	DeleteVacationNotificationsOfMailbox(ctx context.Context, username string) error
	DeleteQuotaOfMailbox(ctx context.Context, username string) error
	DeleteQuota2OfMailbox(ctx context.Context, username string) error
	DeleteSelfAlias(ctx context.Context, username string) error
	DeleteMailbox(ctx context.Context, username string) (int64, error)
	DeleteUserExternalID(ctx context.Context, resourceID string) error
	DeleteDomainExternalID(ctx context.Context, resourceID string) error
	DeleteUserExternalIDsOfDomain(ctx context.Context, domain string) error
	DeleteUserSpelling(ctx context.Context, username string) error
	DeleteUserSpellingsOfDomain(ctx context.Context, domain string) error
	GetConfigValue(ctx context.Context, name string) (string, error)
	InsertPseudoDomainAll(ctx context.Context) error
	CountGroups(ctx context.Context) (int64, error)
	CountAliasesOfDomain(ctx context.Context, domain string) (int64, error)
	DeleteGroup(ctx context.Context, address string) (int64, error)
	DeleteGroupExternalID(ctx context.Context, resourceID string) error
}

// Store is store.Store over one engine's generated queries Q.
type Store[Q scalarQueries] struct {
	db        *sql.DB            // writes
	rdb       *sql.DB            // reads: db, or SQLite's pool of readers
	stmts     *sqltemplate.Stmts // prepared statements, where the driver keeps none
	engine    Engine
	queries   func(DBTX) Q
	domains   domainOps[Q]
	mailboxes mailboxOps[Q]
	groupOps  groupOps[Q]
	meta      metaOps[Q]
	isUnique  func(error) bool // the engine's unique-violation test
	isBusy    func(error) bool // the engine's "too many connections" and the like (nil: none)
	// isConflict is a deadlock or serialization failure: the transaction
	// was rolled back and may simply be run again (nil: none, SQLite
	// serializes writers).
	isConflict func(error) bool
	// isBadValue is the database refusing a value for its column (too
	// long, out of range, a character the column's charset lacks): the
	// client's input, caught by the database where no rule knew the column.
	isBadValue func(error) bool
	probed     atomic.Pointer[found] // what probe found; replaced as a whole
	// memberFmt is the engine's SQL for "target %[1]s is one of the goto
	// list %[2]s" (see isTarget).
	memberFmt string
	counts    *countCache
}

// found is what the database offers beyond the tables every supported
// layout has, and the filter whitelists for it.
type found struct {
	// externalIDs, spellings: the companion tables exist (see Migrate).
	externalIDs, spellings bool
	// aliasDescriptions: the layout has alias.description (PostfixAdmin master).
	aliasDescriptions bool
	// columns: the limits of the text columns written from client input.
	columns                            columns
	userAttrs, domainAttrs, groupAttrs scimfilter.Attributes
}

func (s *Store[Q]) found() *found { return s.probed.Load() }

func (s *Store[Q]) ExternalIDs() bool { return s.found().externalIDs }

// isTarget is the engine's condition that target (SQL: a placeholder or a
// column) is one of the comma-separated targets in gotoCol.
func (s *Store[Q]) isTarget(target, gotoCol string) string {
	return fmt.Sprintf(s.memberFmt, target, gotoCol)
}

// withCompanions makes reads fill externalId and the client's spellings
// from the companion tables that exist.
func (s *Store[Q]) withCompanions(ctx context.Context) context.Context {
	if !s.found().externalIDs && !s.found().spellings && s.found().aliasDescriptions {
		return ctx
	}
	frags, _ := sqltemplate.From(ctx)
	out := map[string]sqltemplate.Fragment{}
	if !s.found().aliasDescriptions {
		out["alias_description"] = sqltemplate.Fragment{SQL: "''"}
	}
	if s.found().externalIDs {
		out["group_external_id"] = sqltemplate.Fragment{SQL: "COALESCE((SELECT e.external_id FROM scim_external_id e WHERE e.resource_type = 'Group' AND e.resource_id = a.address), '')"}
		out["user_external_id"] = sqltemplate.Fragment{SQL: "COALESCE((SELECT e.external_id FROM scim_external_id e WHERE e.resource_type = 'User' AND e.resource_id = m.username), '')"}
		out["domain_external_id"] = sqltemplate.Fragment{SQL: "COALESCE((SELECT e.external_id FROM scim_external_id e WHERE e.resource_type = 'Domain' AND e.resource_id = d.domain), '')"}
	}
	if s.found().spellings {
		out["user_spelling"] = sqltemplate.Fragment{SQL: "COALESCE((SELECT sp.spelling FROM scim_user_spelling sp WHERE sp.username = m.username), '')"}
	}
	for k, v := range frags {
		out[k] = v
	}
	return sqltemplate.With(ctx, out)
}

// setExternalID stores (replacing, if replace) a resource's externalId.
func (s *Store[Q]) setExternalID(ctx context.Context, q Q, resourceType, id, externalID string, replace bool) error {
	if !s.found().externalIDs {
		return nil
	}
	if replace {
		del := map[string]func(context.Context, string) error{
			"User": q.DeleteUserExternalID, "Domain": q.DeleteDomainExternalID, "Group": q.DeleteGroupExternalID,
		}[resourceType]
		if err := del(ctx, id); err != nil {
			return err
		}
	}
	if externalID == "" {
		return nil
	}
	return s.meta.insertExternalID(ctx, q, resourceType, id, externalID)
}

// spellingJSON is the companion table's encoding of a store.Spelling.
type spellingJSON struct {
	UserName string          `json:"userName,omitempty"`
	Name     store.NameParts `json:"name,omitzero"`
	ForName  string          `json:"forName,omitempty"`
}

// setSpelling stores a User's spelling (replacing the stored one); an empty
// one leaves no row.
func (s *Store[Q]) setSpelling(ctx context.Context, q Q, username string, sp store.Spelling, replace bool) error {
	if !s.found().spellings {
		return nil
	}
	if replace {
		if err := q.DeleteUserSpelling(ctx, username); err != nil {
			return err
		}
	}
	if sp == (store.Spelling{}) {
		return nil
	}
	b, err := json.Marshal(spellingJSON(sp))
	if err != nil {
		return err
	}
	return s.meta.insertSpelling(ctx, q, username, string(b))
}

func decodeSpelling(col string) store.Spelling {
	var sp spellingJSON
	if col == "" || json.Unmarshal([]byte(col), &sp) != nil {
		return store.Spelling{} // none, or not ours: the row's own values stand
	}
	return store.Spelling(sp)
}

var _ store.Store = (*Store[scalarQueries])(nil)

// unavailable tells connection-level failures (refused, reset, timed out,
// the server's connection limit) from errors in what was asked: the first
// may succeed when retried, and are answered 503.
func (s *Store[Q]) unavailable(err error) bool {
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, driver.ErrBadConn), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return true
	}
	return s.isBusy != nil && s.isBusy(err)
}

func (s *Store[Q]) Pools() map[string]*sql.DB {
	if s.rdb == s.db {
		return map[string]*sql.DB{string(s.engine): s.db}
	}
	return map[string]*sql.DB{string(s.engine) + "_writer": s.db, string(s.engine) + "_readers": s.rdb}
}

func (s *Store[Q]) Close() error {
	if s.stmts != nil {
		s.stmts.Close()
	}
	if s.rdb != s.db {
		s.rdb.Close()
	}
	return s.db.Close()
}

// read runs fn in one read-only transaction on the readers, so the reads in
// it see one state of the database (a page and its total).
func (s *Store[Q]) read(ctx context.Context, fn func(q Q) error) error {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.mapErr(err)
	}
	defer tx.Rollback()
	return s.mapErr(fn(s.queries(sqltemplate.Tx{Tx: tx, DB: s.rdb})))
}

// write runs fn in one transaction, committed only if fn succeeds; after a
// commit, cached list totals are dropped.
func (s *Store[Q]) write(ctx context.Context, fn func(q Q) error) error {
	var err error
	for range maxWriteAttempts {
		err = s.inRawTx(ctx, func(tx *sql.Tx) error { return fn(s.queries(sqltemplate.Tx{Tx: tx, DB: s.db})) })
		if err == nil {
			s.counts.invalidate()
			return nil
		}
		if !s.conflict(err) || ctx.Err() != nil {
			return err
		}
	}
	return &fault.Error{Kind: fault.Unavailable, Detail: "The database kept reporting conflicting writes; retry shortly.", Err: err}
}

// maxWriteAttempts bounds the runs of a transaction the database rolled
// back for a deadlock or serialization failure.
const maxWriteAttempts = 3

func (s *Store[Q]) conflict(err error) bool { return s.isConflict != nil && s.isConflict(err) }

func (s *Store[Q]) inRawTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.mapErr(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.mapErr(err)
	}
	return s.mapErr(tx.Commit())
}

// mapErr turns driver errors into the fault vocabulary; fault errors pass.
func (s *Store[Q]) mapErr(err error) error {
	var (
		fe *fault.Error
		sf *scimfilter.Error
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe), errors.As(err, &sf):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return &fault.Error{Kind: fault.NotFound, Detail: "Resource not found.", Err: err}
	case s.unavailable(err):
		return &fault.Error{Kind: fault.Unavailable, Detail: "The database is not reachable or did not answer in time; retry shortly.", Err: fmt.Errorf("%s: %w", s.engine, err)}
	case s.isUnique(err):
		return &fault.Error{Kind: fault.Conflict, Detail: "A resource with this id already exists.", Err: err}
	case s.isBadValue != nil && s.isBadValue(err):
		return &fault.Error{Kind: fault.Invalid, Detail: "A value does not fit its PostfixAdmin column (too long, out of range, or a character the column cannot store).", Err: err}
	default:
		return &fault.Error{Kind: fault.Internal, Detail: "database error", Err: fmt.Errorf("%s: %w", s.engine, err)}
	}
}
