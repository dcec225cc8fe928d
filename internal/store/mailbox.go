package store

import (
	"slices"
	"strings"
	"time"

	"postfixadmin-scim/internal/fault"
)

// Mailbox is a row of PostfixAdmin's mailbox table (with its Dovecot usage).
type Mailbox struct {
	Username          string // the address, lower case
	Name              string
	Maildir           string // relative, with a trailing '/'
	LocalPart, Domain string
	QuotaBytes        int64 // 0 unlimited, -1 disabled
	Active            bool
	Phone, EmailOther string
	Created, Modified time.Time
	UsedBytes         int64  // from Dovecot's quota2 table; read only
	ExternalID        string // SCIM externalId, in the optional companion table
	Spelling          Spelling
	// The mailbox's own alias (PostfixAdmin's forwarding): its targets other
	// than the mailbox and the vacation address, and whether the mailbox
	// itself is one. SelfGoto is the whole goto column, as read.
	Forwards         []string
	DeliverToMailbox bool
	SelfGoto         []string
}

// Forwarding reads a mailbox's own alias targets: the forwards, in order,
// and whether the mailbox itself is a target. The vacation address
// (local#domain@vacation_domain) is neither: it is vacation's.
func Forwarding(username string, targets []string) (forwards []string, deliver bool) {
	for _, t := range targets {
		switch {
		case t == username:
			deliver = true
		case isVacationTarget(username, t):
		default:
			forwards = append(forwards, t)
		}
	}
	return forwards, deliver
}

func isVacationTarget(username, target string) bool {
	return strings.HasPrefix(target, strings.Replace(username, "@", "#", 1)+"@")
}

// SelfGoto composes a mailbox's own alias goto as PostfixAdmin's edit
// writes it: the forwards, then the vacation targets it had (cur), then the
// mailbox itself when it keeps its mail.
func SelfGoto(username string, cur, forwards []string, deliver bool) []string {
	out := append([]string{}, forwards...)
	for _, t := range cur {
		if isVacationTarget(username, t) {
			out = append(out, t)
		}
	}
	if deliver {
		out = append(out, username)
	}
	return out
}

// Spelling is how the client wrote what PostfixAdmin cannot keep as written:
// the address in its own case and the parts of the one name PostfixAdmin
// stores. It lives in the optional companion table; empty when it adds
// nothing to what the mailbox row says.
type Spelling struct {
	UserName string    // the address as sent, when it differs from the lower-cased one
	Name     NameParts // the parts as sent, when they are not derivable from ForName
	ForName  string    // the mailbox.name the parts went with
}

// NameParts are SCIM's name sub-attributes besides formatted.
type NameParts struct {
	GivenName, MiddleName, FamilyName, HonorificPrefix, HonorificSuffix string
}

// MailboxWrite is a mailbox to create or update.
type MailboxWrite struct {
	Mailbox
	PasswordHash string // empty: keep the current password (update only)
	QuotaUnset   bool   // create: take the domain's default (DefaultQuota)
}

// Changes reports whether writing w over cur changes anything PostfixAdmin
// or the companion table stores. A write that changes nothing is skipped:
// no modified time, no log rows, the same version (RFC 7644 §3.5.2: the
// server "SHALL NOT" change the modify timestamp when nothing changed).
// A given password always counts: it restarts the password's expiry.
func (w MailboxWrite) Changes(cur Mailbox) bool {
	m := w.Mailbox
	return w.PasswordHash != "" || m.Name != cur.Name || m.QuotaBytes != cur.QuotaBytes || m.Active != cur.Active ||
		m.Phone != cur.Phone || m.EmailOther != cur.EmailOther || m.ExternalID != cur.ExternalID || m.Spelling != cur.Spelling ||
		w.ForwardingChanges(cur)
}

// ForwardingChanges reports whether w changes the mailbox's own alias goto.
func (w MailboxWrite) ForwardingChanges(cur Mailbox) bool {
	return !slices.Equal(w.Forwards, cur.Forwards) || w.DeliverToMailbox != cur.DeliverToMailbox
}

// MailboxPolicy holds the PostfixAdmin settings that govern mailbox writes.
type MailboxPolicy struct {
	QuotaMultiplier int64 // bytes per MB ($CONF['quota_multiplier'])
	// EnforceQuota ($CONF['quota']) checks quotas against the domain's
	// maxquota, EnforceDomainQuota ($CONF['domain_quota']) against its total.
	EnforceQuota, EnforceDomainQuota bool
	// PasswordExpiration ($CONF['password_expiration']) takes a new password's
	// lifetime from domain.password_expiry instead of 365 days.
	PasswordExpiration bool
}

// CheckMailboxCount applies domain.mailboxes to a domain that has count
// mailboxes, as MailboxHandler's create_allowed() does.
func CheckMailboxCount(d Domain, count int64) error {
	switch {
	case d.MaxMailboxes == 0:
		return nil
	case d.MaxMailboxes < 0:
		return fault.New(fault.Refused, "domain %s does not allow mailboxes (maxMailboxes -1)", d.Name)
	case count >= d.MaxMailboxes:
		return fault.New(fault.Refused, "domain %s already has %d of its %d mailboxes (maxMailboxes)", d.Name, count, d.MaxMailboxes)
	}
	return nil
}

// CheckQuota applies MailboxHandler::check_quota() to a mailbox quota (bytes)
// in domain d whose other mailboxes have othersBytes together.
func (p MailboxPolicy) CheckQuota(d Domain, quotaBytes, othersBytes int64) error {
	if quotaBytes < -1 {
		return fault.New(fault.Invalid, "sizeQuota must be 0 (unlimited), -1 (disabled) or a positive number of bytes")
	}
	// PostfixAdmin's edit form shows and saves the quota in whole MB: any
	// other byte count would be rounded the next time an admin saves the mailbox.
	if quotaBytes > 0 && p.QuotaMultiplier > 0 && quotaBytes%p.QuotaMultiplier != 0 {
		return fault.New(fault.Invalid, "sizeQuota %d bytes is not a whole number of MB (quota_multiplier %d bytes): PostfixAdmin would round it to %d bytes when the mailbox is next saved in its UI",
			quotaBytes, p.QuotaMultiplier, (quotaBytes+p.QuotaMultiplier/2)/p.QuotaMultiplier*p.QuotaMultiplier)
	}
	if !p.EnforceQuota {
		return nil
	}
	maxBytes := d.MaxQuotaMB * p.QuotaMultiplier
	switch {
	case d.MaxQuotaMB < 0 && quotaBytes < 0:
		return nil
	case d.MaxQuotaMB > 0 && quotaBytes == 0:
		return fault.New(fault.Invalid, "sizeQuota 0 (unlimited) exceeds domain %s's per-mailbox maximum of %d MB (%d bytes, maxQuota)", d.Name, d.MaxQuotaMB, maxBytes)
	case d.MaxQuotaMB < 0 && quotaBytes != -1:
		return fault.New(fault.Invalid, "domain %s has quotas disabled (maxQuota -1): sizeQuota must be -1", d.Name)
	case d.MaxQuotaMB > 0 && quotaBytes > maxBytes:
		return fault.New(fault.Invalid, "sizeQuota %d bytes exceeds domain %s's per-mailbox maximum of %d MB (%d bytes, maxQuota)", quotaBytes, d.Name, d.MaxQuotaMB, maxBytes)
	}
	if p.EnforceDomainQuota && d.QuotaMB > 0 {
		total := d.QuotaMB * p.QuotaMultiplier
		// check_quota() refuses only an unlimited (0) mailbox here; a disabled
		// one (-1) passes, as PostfixAdmin's form accepts it.
		if quotaBytes == 0 {
			return fault.New(fault.Invalid, "domain %s has a total quota of %d MB (domainQuota): a mailbox cannot be unlimited (sizeQuota 0)", d.Name, d.QuotaMB)
		}
		if quotaBytes > total-max(othersBytes, 0) { // not quota+others: that sum can overflow
			return fault.New(fault.Invalid, "sizeQuota %d bytes would exceed domain %s's total quota of %d MB (%d bytes, domainQuota; %d bytes given to other mailboxes)", quotaBytes, d.Name, d.QuotaMB, total, othersBytes)
		}
	}
	return nil
}

// DefaultQuota is the quota (bytes) of a new mailbox that asks for none:
// with quotas enforced, the domain's per-mailbox maximum, so that the
// domain's limits admit it; otherwise 0 (unlimited), as PostfixAdmin writes
// when its quota field is off.
func (p MailboxPolicy) DefaultQuota(d Domain) int64 {
	if !p.EnforceQuota {
		return 0
	}
	if d.MaxQuotaMB < 0 {
		return -1
	}
	return d.MaxQuotaMB * p.QuotaMultiplier
}

// ExpiryDays is how long a new password of a mailbox in d lives.
func (p MailboxPolicy) ExpiryDays(d Domain) int64 {
	if p.PasswordExpiration {
		return d.PasswordExpiryDays
	}
	return 365
}
