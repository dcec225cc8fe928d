package httpapi

import (
	"testing"

	"postfixadmin-scim/internal/store"
)

func TestPageOf(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		start, count *int
		page         store.Page
		startIndex   int
	}{
		{nil, nil, store.Page{Offset: 0, Limit: defaultPageSize}, 1},
		{n(0), n(5), store.Page{Offset: 0, Limit: 5}, 1},
		{n(-3), n(5), store.Page{Offset: 0, Limit: 5}, 1},
		{n(11), n(10), store.Page{Offset: 10, Limit: 10}, 11},
		{n(1), n(0), store.Page{Offset: 0, Limit: 0}, 1},
		{n(1), n(1_000_000), store.Page{Offset: 0, Limit: maxPageSize}, 1},
	}
	for _, tt := range tests {
		page, start := pageOf(tt.start, tt.count)
		if page != tt.page || start != tt.startIndex {
			t.Errorf("pageOf(%v, %v) = %+v, %d; want %+v, %d", tt.start, tt.count, page, start, tt.page, tt.startIndex)
		}
	}
}
