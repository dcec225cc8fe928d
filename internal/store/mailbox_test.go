package store

import (
	"math"
	"testing"

	"postfixadmin-scim/internal/fault"
)

func TestCheckQuota(t *testing.T) {
	p := MailboxPolicy{QuotaMultiplier: 1024000, EnforceQuota: true, EnforceDomainQuota: true}
	mb := int64(1024000)
	tests := []struct {
		name          string
		maxMB, domMB  int64
		quota, others int64
		ok            bool
	}{
		{"unlimited domain, unlimited mailbox", 0, 0, 0, 0, true},
		{"within maxquota", 100, 0, 100 * mb, 0, true},
		{"above maxquota", 100, 0, 101 * mb, 0, false},
		{"unlimited under a maxquota", 100, 0, 0, 0, false},
		{"quota disabled: only -1", -1, 0, -1, 0, true},
		{"quota disabled: a number", -1, 0, 5 * mb, 0, false},
		{"domain total reached", 100, 250, 60 * mb, 200 * mb, false},
		{"domain total fits", 100, 250, 50 * mb, 200 * mb, true},
		// check_quota(): "if ($quota == 0) return false" under a domain total; -1 passes.
		{"domain total refuses an unlimited mailbox", 0, 250, 0, 0, false},
		{"domain total admits a disabled mailbox (-1)", 100, 250, -1, 200 * mb, true},
		{"below -1", 0, 0, -2, 0, false},
		// PostfixAdmin's edit form keeps whole MB: a byte count between them would be rounded.
		{"not a whole MB", 0, 0, 100*mb + 1, 0, false},
		{"not a whole MB, below one", 0, 0, 1000, 0, false},
	}
	for _, tt := range tests {
		err := p.CheckQuota(Domain{Name: "d", MaxQuotaMB: tt.maxMB, QuotaMB: tt.domMB}, tt.quota, tt.others)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// quota + others would overflow int64 and pass; the check must not.
	bytes := MailboxPolicy{QuotaMultiplier: 1, EnforceQuota: true, EnforceDomainQuota: true}
	if err := bytes.CheckQuota(Domain{Name: "d", QuotaMB: 200}, math.MaxInt64, 100); fault.KindOf(err) != fault.Invalid {
		t.Errorf("an overflowing quota passed the domain total: %v", err)
	}
	off := MailboxPolicy{QuotaMultiplier: 1024000}
	if err := off.CheckQuota(Domain{MaxQuotaMB: 1}, 999*mb, 0); err != nil {
		t.Errorf("quota=NO still checks: %v", err)
	}
	if err := off.CheckQuota(Domain{}, mb/2, 0); fault.KindOf(err) != fault.Invalid {
		t.Errorf("quota=NO: half a MB accepted (%v), though the edit form would round it", err)
	}
	if off.DefaultQuota(Domain{MaxQuotaMB: 10}) != 0 || p.DefaultQuota(Domain{MaxQuotaMB: 10}) != 10*mb || p.DefaultQuota(Domain{MaxQuotaMB: -1}) != -1 {
		t.Error("DefaultQuota")
	}
}

func TestCheckMailboxCount(t *testing.T) {
	for _, tt := range []struct {
		limit, count int64
		ok           bool
	}{{0, 99, true}, {-1, 0, false}, {3, 2, true}, {3, 3, false}} {
		err := CheckMailboxCount(Domain{Name: "d", MaxMailboxes: tt.limit}, tt.count)
		if (err == nil) != tt.ok || (err != nil && fault.KindOf(err) != fault.Refused) {
			t.Errorf("limit %d count %d: %v", tt.limit, tt.count, err)
		}
	}
}
