// Command report prints which test database servers make test will use
// (one line per engine), since go test does not show skipped tests.
package main

import (
	"fmt"

	"postfixadmin-scim/internal/testdb"
)

func main() {
	for _, line := range testdb.Report() {
		fmt.Println(line)
	}
}
