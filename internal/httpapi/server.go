// Package httpapi is the HTTP edge: it implements the generated strict server
// interface (gen/api), wires Echo with authentication and kin-openapi request
// validation, and maps every error to a SCIM error body in one place.
// Generated API types stop here; internal/scim and internal/store never see them.
package httpapi

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/pwhash"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store"
	"postfixadmin-scim/internal/throttle"
)

// Options are the dependencies of the HTTP server.
type Options struct {
	Store          store.Store
	Auth           *auth.Authenticator
	Throttle       *throttle.Throttle // nil: failed logins are not throttled
	DomainRules    scim.DomainRules
	MailboxRules   scim.MailboxRules
	MailboxPolicy  store.MailboxPolicy
	Passwords      pwhash.Setting // scheme of new mailbox passwords
	PasswordPolicy pwhash.Policy  // PostfixAdmin's password_validation
	BasePath       string         // e.g. /scim/v2
	PublicURL      string         // the API's absolute URL for clients; "": from the request
	TrustedProxies []netip.Prefix // whose X-Forwarded-* headers are believed
	// CascadeDomainDelete lets DELETE /Domains/{id} remove mailboxes and aliases.
	CascadeDomainDelete bool
	Logger              *slog.Logger
	// Ready checks the database for /readyz (nil: always ready); Metrics
	// serves /metrics (nil: 404).
	Ready   func(ctx context.Context) (layout int, err error)
	Metrics http.Handler
	// Observe wraps every request inside the request log (metrics).
	Observe echo.MiddlewareFunc
	// Available reports whether the database has been found (nil: always);
	// until then SCIM requests are answered 503.
	Available func() bool
	// RequestTimeout bounds each SCIM request's database work (0: none), so a
	// database that stops answering yields 503, not a hang.
	RequestTimeout time.Duration
}

// maxBodySize bounds request bodies.
const maxBodySize = "1M"

// Server implements api.StrictServerInterface.
type Server struct {
	opts      Options
	log       *slog.Logger
	resources []resourceType
}

var _ api.StrictServerInterface = (*Server)(nil)

// New returns the Echo instance serving the SCIM API.
func New(opts Options) (*echo.Echo, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{opts: opts, log: opts.Logger}
	s.resources = s.registry()
	validate, err := newValidator(opts.BasePath)
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(opts.TrustedProxies)
	e.Pre(securityHeaders)
	// GET /Users/ is GET /Users (the query string stays).
	e.Pre(middleware.RemoveTrailingSlash())
	// HEAD is GET without a body (RFC 9110 §9.3.2); net/http drops the body.
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if req := c.Request(); req.Method == http.MethodHead {
				// Echo routes by this request's method; the body is dropped here.
				req.Method = http.MethodGet
				c.Response().Writer = headWriter{c.Response().Writer}
			}
			return next(c)
		}
	})
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableErrorHandler: false, DisablePrintStack: true}))
	e.Use(s.logRequests)
	if opts.Observe != nil {
		e.Use(opts.Observe)
	}
	// SCIM bodies are small; a limit keeps a huge one from exhausting memory (413).
	e.Use(middleware.BodyLimit(maxBodySize))

	// Authentication and validation wrap every generated route, and only
	// those, so an unknown path is a plain 404 and a wrong method a 405 with Allow.
	public, err := publicRoutes(opts.BasePath)
	if err != nil {
		return nil, err
	}
	guarded := routeGuard{e: e, before: []echo.MiddlewareFunc{s.requestScope}, guards: []echo.MiddlewareFunc{s.gate, s.authenticate},
		after: []echo.MiddlewareFunc{canonicalBody, validate}, public: public}
	api.RegisterHandlersWithBaseURL(guarded, api.NewStrictHandler(s, nil), opts.BasePath)
	return e, nil
}

// logRequests logs one line per request, with its request id (the
// client's X-Request-Id when it is a plain token, else a new one, echoed in
// the response), route, status, latency and admin. Never headers, bodies or
// query strings, which can carry credentials.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !requestIDRE.MatchString(id) {
			id = rand.Text()[:16]
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		attrs := []any{"request_id", id, "method", req.Method, "route", c.Path(), "path", req.URL.Path,
			"status", c.Response().Status, "latency_ms", float64(time.Since(start).Microseconds()) / 1000, "client", c.RealIP()}
		if p, ok := auth.PrincipalFrom(req.Context()); ok {
			attrs = append(attrs, "admin", p.Username)
		}
		s.log.Info("request", attrs...)
		return nil
	}
}

// securityHeaders go on every answer: nothing the API says (credentials'
// resources, errors) is for caches or browsers to keep, sniff or frame.
// No cookies are set and no CORS headers: browsers' cross-origin reads stay
// refused.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// headWriter answers a HEAD request: headers and status, no body.
type headWriter struct{ http.ResponseWriter }

func (headWriter) Write(b []byte) (int, error) { return len(b), nil }

// requestIDRE is an X-Request-Id this server repeats in its logs and answer.
var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// gate answers 503 while the database has not (yet) been found, and puts
// the request deadline on what follows.
func (s *Server) gate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.opts.Available != nil && !s.opts.Available() {
			return fault.New(fault.Unavailable, "The database has not answered yet; retry shortly.")
		}
		if s.opts.RequestTimeout > 0 {
			ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
		}
		return next(c)
	}
}

// authenticate admits active PostfixAdmin superadmins only. A client
// address or username with too many failed logins is refused (429) before
// its credentials are looked at.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		header := req.Header.Get(echo.HeaderAuthorization)
		addr, user := c.RealIP(), auth.BasicUser(header)
		if t := s.opts.Throttle; t != nil && header != "" {
			if ok, wait := t.Allow(addr, user); !ok {
				return &fault.Error{Kind: fault.Throttled, Detail: "Too many failed logins; retry later.", RetryAfter: wait}
			}
		}
		p, err := s.opts.Auth.Authenticate(req.Context(), header)
		if t := s.opts.Throttle; t != nil && header != "" {
			switch {
			case err == nil:
				t.Succeeded(addr, p.Username)
			case fault.KindOf(err) == fault.Unauthenticated:
				t.Failed(addr, user)
			}
		}
		if err != nil {
			return err
		}
		c.SetRequest(req.WithContext(auth.WithPrincipal(req.Context(), p)))
		return next(c)
	}
}

func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(prefixToIPNet(p)))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// baseURL is the absolute URL of the API root: the configured public URL,
// else as the client addressed it.
func (s *Server) baseURL(c echo.Context) string {
	if s.opts.PublicURL != "" {
		return s.opts.PublicURL
	}
	req := c.Request()
	scheme, host := "http", req.Host
	if req.TLS != nil {
		scheme = "https"
	}
	if s.fromTrustedProxy(c) {
		if p := firstValue(req.Header.Get(echo.HeaderXForwardedProto)); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(req.Header.Get("X-Forwarded-Host")); h != "" && validHost(h) {
			host = h
		}
	}
	return scheme + "://" + host + s.opts.BasePath
}

func (s *Server) fromTrustedProxy(c echo.Context) bool {
	addr, err := netip.ParseAddrPort(c.Request().RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(addr.Addr().Unmap()) {
			return true
		}
	}
	return false
}

func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.ToLower(strings.TrimSpace(v))
}

// validHost rejects header values that are not a bare host[:port].
func validHost(h string) bool {
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.User == nil && u.Path == ""
}
