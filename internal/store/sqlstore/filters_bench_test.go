package sqlstore

import (
	"testing"

	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/scimfilter"
)

// filter → SQL for the filters identity providers send (make bench).
func BenchmarkUserFilterToSQL(b *testing.B) {
	attrs := userAttributes(true, func(target, gotoCol string) string { return "FIND_IN_SET(" + target + ", " + gotoCol + ") > 0" })
	for _, f := range []string{
		`userName eq "alice@example.org"`,
		`emails[type eq "work"].value eq "alice@example.org"`,
		`userName sw "a" and active eq true or (displayName co "x" and not (emails.value eq "y"))`,
	} {
		b.Run(f, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				parsed, err := scimfilter.Parse(f, scim.UserFilterSchemas)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := attrs.Where(parsed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
