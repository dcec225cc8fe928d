package httpapi

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/store"
)

// scope is what handlers need of the HTTP request beyond its parameters;
// strict handlers receive only a context.Context.
type scope struct {
	baseURL  string // absolute, for meta.location and Location
	clientIP string // for PostfixAdmin's log rows
	// preferMinimal: the request says Prefer: return=minimal.
	preferMinimal bool
}

type scopeKey struct{}

func (s *Server) requestScope(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Echo drops a query string it cannot parse, which would turn a
		// malformed filter into no filter at all.
		values, err := url.ParseQuery(c.Request().URL.RawQuery)
		if err != nil {
			return &fault.Error{Kind: fault.Syntax, Detail: "Malformed query string (a bad % escape?).", Err: err}
		}
		for name, vs := range values {
			for _, v := range vs {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					return fault.New(fault.Invalid, "query parameter %q is not valid UTF-8 text", name)
				}
			}
		}
		sc := scope{baseURL: s.baseURL(c), clientIP: c.RealIP(),
			preferMinimal: strings.Contains(strings.ToLower(c.Request().Header.Get("Prefer")), "return=minimal")}
		req := c.Request()
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), scopeKey{}, sc)))
		return next(c)
	}
}

func scopeFrom(ctx context.Context) scope {
	sc, _ := ctx.Value(scopeKey{}).(scope)
	return sc
}

// actor is the log.username PostfixAdmin writes: "<admin> (<client ip>)".
func actor(ctx context.Context) store.Actor {
	p, _ := auth.PrincipalFrom(ctx)
	return store.Actor(fmt.Sprintf("%s (%s)", p.Username, scopeFrom(ctx).clientIP))
}

func prefixToIPNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
