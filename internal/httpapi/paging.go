package httpapi

import (
	"math"

	"postfixadmin-scim/internal/store"
)

const (
	defaultPageSize = 100
	maxPageSize     = 1000 // the most results one response carries
	// maxOffset keeps OFFSET within every engine's LIMIT arguments (32-bit on
	// MySQL); no PostfixAdmin table comes near it, so the page is empty.
	maxOffset = math.MaxInt32 - maxPageSize
)

// pageOf applies RFC 7644 §3.4.2.4: startIndex is 1-based (below 1 means 1),
// count is capped at maxPageSize and 0 asks for totalResults only.
func pageOf(startIndex, count *int) (store.Page, int) {
	start := 1
	if startIndex != nil && *startIndex > 1 {
		start = *startIndex
	}
	n := defaultPageSize
	if count != nil {
		n = min(max(*count, 0), maxPageSize)
	}
	return store.Page{Offset: min(start-1, maxOffset), Limit: n}, start
}
