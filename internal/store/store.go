// Package store holds PostfixAdmin's records as the rest of the server sees
// them (units as stored: quotas of domains in MB, of mailboxes in bytes) and the
// Store interface the engines implement. It imports no generated code.
package store

import (
	"context"
	"time"

	"postfixadmin-scim/internal/scimfilter"
)

// PseudoDomainAll is the domain row setup.php creates to mark superadmins; it is
// never listed, read, changed or deleted through the API.
const PseudoDomainAll = "ALL"

// Domain is a row of PostfixAdmin's domain table.
type Domain struct {
	Name               string
	Description        string
	MaxAliases         int64 // 0 unlimited, -1 disabled
	MaxMailboxes       int64 // 0 unlimited, -1 disabled
	MaxQuotaMB         int64 // per mailbox; 0 unlimited, -1 disabled
	QuotaMB            int64 // whole domain; 0 unlimited
	Transport          string
	BackupMX           bool
	Active             bool
	PasswordExpiryDays int64 // 0 never
	Created, Modified  time.Time
	ExternalID         string // SCIM externalId, in the optional companion table
	// AliasFor is the domain this one mirrors (its alias_domain row), or "".
	AliasFor string
}

// Changes reports whether writing d over cur changes a stored column (see
// MailboxWrite.Changes: a write that changes nothing is skipped).
func (d Domain) Changes(cur Domain) bool {
	d.Created, d.Modified = cur.Created, cur.Modified
	return d != cur
}

// ColumnsChange reports whether writing d over cur changes the domain row
// itself (not its externalId or alias domain row).
func (d Domain) ColumnsChange(cur Domain) bool {
	d.ExternalID, d.AliasFor = cur.ExternalID, cur.AliasFor
	return d.Changes(cur)
}

// DomainUsage is what a domain's mailboxes and aliases use of its limits.
type DomainUsage struct {
	Mailboxes int64
	Aliases   int64 // not counting mailbox self-aliases, as PostfixAdmin counts
	UsedBytes int64 // from Dovecot's quota2 table
}

// DomainWithUsage pairs a domain with its usage counters.
type DomainWithUsage struct {
	Domain
	Usage DomainUsage
}

// Alias is a row to insert into PostfixAdmin's alias table (a mailbox's
// self-alias, a domain's default aliases).
type Alias struct {
	Address, Goto, Domain string
	Active                bool
}

// Admin is what authentication needs of an active admin row.
type Admin struct {
	Username     string
	PasswordHash string
	Superadmin   bool
}

// Page selects a slice of a sorted list.
type Page struct {
	Offset, Limit int
}

// Query selects, sorts and pages a list: a filter and sort parsed (and their
// attribute paths resolved) by internal/scimfilter. The store alone maps
// them to columns; zero values mean all rows in id order.
type Query struct {
	Filter scimfilter.Filter
	Sort   scimfilter.Sort
	Page
}

// Actor names who made a change, as PostfixAdmin's log.username: "<admin> (<ip>)".
type Actor string

// Store is PostfixAdmin's database. Each method that writes runs in one
// transaction and writes PostfixAdmin's log rows with it.
type Store interface {
	// ActiveAdmin returns the active admin with exactly this username.
	ActiveAdmin(ctx context.Context, username string) (Admin, error)

	GetDomain(ctx context.Context, name string) (DomainWithUsage, error)
	ListDomains(ctx context.Context, q Query) (items []DomainWithUsage, total int, err error)
	// CreateDomain inserts d and its default aliases (which PostfixAdmin does not log).
	CreateDomain(ctx context.Context, by Actor, d Domain, defaultAliases []Alias) error
	// UpdateDomain reads the domain in a transaction, lets change derive its
	// new state (or refuse, e.g. on a version mismatch), writes it (unless
	// nothing changes) and returns what is stored.
	UpdateDomain(ctx context.Context, by Actor, name string, change func(cur DomainWithUsage) (Domain, error)) (DomainWithUsage, error)
	// DeleteDomain removes a domain after check approves it; unless cascade
	// is set it refuses one that still has mailboxes or aliases other than
	// its defaultAliases unchanged (which it removes with the domain).
	DeleteDomain(ctx context.Context, by Actor, name string, cascade bool, defaultAliases []Alias, check func(cur Domain) error) error

	GetMailbox(ctx context.Context, username string) (Mailbox, error)
	ListMailboxes(ctx context.Context, q Query) (items []Mailbox, total int, err error)
	// CreateMailbox writes the self-alias, the mailbox and their log rows,
	// after checking the domain's limits under a lock on the domain.
	CreateMailbox(ctx context.Context, by Actor, w MailboxWrite, p MailboxPolicy) error
	// UpdateMailbox reads the mailbox under its domain's lock, lets change
	// derive the new state (or refuse), and writes name, quota, active,
	// phone, email_other and, when a password hash is given, the password;
	// the self-alias follows active. A change that changes nothing writes
	// nothing. It returns what is stored.
	UpdateMailbox(ctx context.Context, by Actor, username string, change func(cur Mailbox) (MailboxWrite, error), p MailboxPolicy) (Mailbox, error)
	// DeleteMailbox removes a mailbox and its rows as MailboxHandler::delete()
	// does, after check approves it; an address that is only an alias is not found.
	DeleteMailbox(ctx context.Context, by Actor, username string, check func(cur Mailbox) error) error

	GetGroup(ctx context.Context, address string) (Group, error)
	ListGroups(ctx context.Context, q Query) (items []Group, total int, err error)
	// CreateGroup writes the alias and its log row as AliasHandler does,
	// after checking the domain's alias limit and the targets under a lock
	// on the domain.
	CreateGroup(ctx context.Context, by Actor, w GroupWrite) error
	// UpdateGroup reads the alias under its domain's lock, lets change
	// derive the new state (or refuse), writes it (unless nothing changes)
	// and returns what is stored.
	UpdateGroup(ctx context.Context, by Actor, address string, change func(cur Group) (GroupWrite, error)) (Group, error)
	// GroupsOf returns, per username, the Groups whose targets include it.
	GroupsOf(ctx context.Context, usernames []string) (map[string][]GroupRef, error)
	// DeleteGroup removes an alias that is not a mailbox's, after check approves it.
	DeleteGroup(ctx context.Context, by Actor, address string, check func(cur Group) error) error

	// ExternalIDs reports whether the optional externalId companion table
	// exists (created by Migrate); without it externalId is not stored.
	ExternalIDs() bool

	Close() error
}
