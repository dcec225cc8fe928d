// Package fault is the project's error vocabulary: every layer returns these
// kinds, and internal/httpapi maps them to SCIM error responses in one place.
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the client can do about it.
type Kind int

const (
	// Internal is a server-side failure; its detail is never shown to clients.
	Internal Kind = iota
	NotFound
	// Conflict is a uniqueness violation (SCIM scimType "uniqueness").
	Conflict
	// Refused is a request that conflicts with the resource's state or a
	// PostfixAdmin limit, such as deleting a domain that still has mailboxes.
	Refused
	// Invalid is a request value PostfixAdmin would reject (scimType "invalidValue").
	Invalid
	// Syntax is a malformed request (scimType "invalidSyntax").
	Syntax
	// Mutability is an attempt to change a read-only or immutable attribute.
	Mutability
	// Unauthenticated is a request without valid superadmin credentials.
	Unauthenticated
	// PreconditionFailed is an If-Match that names another version.
	PreconditionFailed
	// InvalidPath and NoTarget are PATCH paths that are malformed or match nothing.
	InvalidPath
	NoTarget
	// UnsupportedMediaType is a body in a charset or media type the server does not read.
	UnsupportedMediaType
	// Unavailable is a database that cannot be reached or did not answer in
	// time: the request may succeed when retried (503 with Retry-After).
	Unavailable
	// Throttled is a client that failed to authenticate too often; it may
	// retry after Error.RetryAfter (429).
	Throttled
)

// Error is a classified error with a client-facing detail.
type Error struct {
	Kind   Kind
	Detail string
	Err    error // cause, for logs only
	// RetryAfter is when a Throttled client may try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Detail, e.Err)
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error of kind k with a formatted detail.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// KindOf reports the kind of err; errors outside this vocabulary are Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}
