package scim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

// Version is a weak entity tag over a resource's stored state, so changes made
// through PostfixAdmin's own UI change it too.
func Version(fields ...any) string {
	// The bytes fmt's %v gives, without its cost: a page of 1 000 users
	// computes 1 000 versions.
	buf := make([]byte, 0, 256)
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			buf = append(buf, v...)
		case int64:
			buf = strconv.AppendInt(buf, v, 10)
		case bool:
			buf = strconv.AppendBool(buf, v)
		default:
			buf = fmt.Append(buf, v)
		}
		buf = append(buf, 0)
	}
	sum := sha256.Sum256(buf)
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// MailboxVersion is a mailbox's meta.version and ETag.
func MailboxVersion(m store.Mailbox) string {
	sp := m.Spelling
	return Version(m.Username, m.Name, m.QuotaBytes, m.Active, m.Phone, m.EmailOther, m.Maildir, m.ExternalID,
		sp.UserName, sp.ForName, sp.Name.GivenName, sp.Name.MiddleName, sp.Name.FamilyName, sp.Name.HonorificPrefix, sp.Name.HonorificSuffix,
		strings.Join(m.Forwards, ","), m.DeliverToMailbox, m.Modified.UnixNano())
}

// DomainVersion is a domain's meta.version and ETag.
func DomainVersion(d store.Domain) string {
	return Version(d.Name, d.Description, d.MaxAliases, d.MaxMailboxes, d.MaxQuotaMB, d.QuotaMB,
		d.Transport, d.BackupMX, d.Active, d.PasswordExpiryDays, d.ExternalID, d.Modified.UnixNano())
}

// ETagMatches reports whether an If-Match or If-None-Match value ("*" or a
// list of entity tags) names version. Tags compare by their opaque part, as
// SCIM servers use weak tags with If-Match (RFC 7644 §3.14).
func ETagMatches(header, version string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(version, "W/") {
			return true
		}
	}
	return false
}

// CheckIfMatch refuses a change when If-Match was sent and names another version.
func CheckIfMatch(ifMatch *string, version string) error {
	if ifMatch == nil || ETagMatches(*ifMatch, version) {
		return nil
	}
	return fault.New(fault.PreconditionFailed, "If-Match %s does not match the current version %s", *ifMatch, version)
}
