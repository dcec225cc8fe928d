package e2e_test

import (
	"net/http"
	"testing"

	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

// PostfixAdmin sets token_validity in PHP, date('Y-m-d H:i:s'): whole
// seconds (postfixadmin-semantics §9). On PostgreSQL's timestamptz, now()
// would carry microseconds.
func TestTokenValidityInWholeSeconds(t *testing.T) {
	e := start(t, sqlstore.PostgreSQL, testdb.Master, true)
	expect(t, e.do(http.MethodPost, "/Users", userBody("seconds@example.org", nil), asAdmin()), http.StatusCreated, "")
	if n := count(t, e, "SELECT COUNT(*) FROM mailbox WHERE username = 'seconds@example.org' AND token_validity = date_trunc('second', token_validity)"); n != 1 {
		t.Error("token_validity has a fraction of a second")
	}
}
