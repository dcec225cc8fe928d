package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
)

// Go's HTTP server answers a request it cannot parse (a bad request line or
// % escape in the target, a malformed header, a missing Host, headers over
// the limit) itself, before any handler runs: one fixed plain-text response
// written straight to the connection, then the connection closes. RFC 7644
// §3.12 has every error in a SCIM error body, so the server's connections
// rewrite exactly those responses (recognised by the bytes net/http writes:
// no handler's answer has a bare text/plain "Connection: close" header
// block, every one of ours carries the security headers) into one.
// e2e TestHostileRequests sends such requests and fails if the format of
// net/http's answer changes and the rewrite no longer applies.

// httpLayerError matches net/http's own error response: status line, its
// two fixed headers, and the text. 501 is its answer to a transfer coding
// it does not know (RFC 9112 §6.1 "SHOULD respond with 501").
var httpLayerError = regexp.MustCompile(`\AHTTP/1\.1 (4\d\d|501) [^\r\n]*\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n(?s:(.*))\z`)

// scimErrors wraps ln so that its connections rewrite net/http's own error
// responses into SCIM error bodies.
func scimErrors(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c}, nil
}

// conn is a server connection; TLS, if any, is below it (see withTLSState).
type conn struct {
	net.Conn
	handshaken bool
}

// Read completes a TLS handshake first, as net/http does for a *tls.Conn
// it can see, including its answer to a client speaking plain HTTP to
// the TLS port (in a SCIM error here).
func (c *conn) Read(p []byte) (int, error) {
	if tc, ok := c.Conn.(*tls.Conn); ok && !c.handshaken {
		c.handshaken = true
		if err := tc.Handshake(); err != nil {
			var re tls.RecordHeaderError
			if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader[:]) {
				re.Conn.Write(scimErrorResponse([]byte("400"), []byte("Client sent an HTTP request to an HTTPS server.")))
				re.Conn.Close()
			}
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

// looksLikeHTTP is net/http's test of the first five bytes a TLS listener
// got: the start of an HTTP request.
func looksLikeHTTP(hdr []byte) bool {
	switch string(hdr) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "PATCH", "DELET":
		return true
	}
	return false
}

func (c *conn) Write(p []byte) (int, error) {
	if !bytes.HasPrefix(p, []byte("HTTP/1.1 4")) && !bytes.HasPrefix(p, []byte("HTTP/1.1 501")) {
		return c.Conn.Write(p) // the common case, without the pattern
	}
	m := httpLayerError.FindSubmatch(p)
	if m == nil {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(scimErrorResponse(m[1], m[2])); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite lets net/http half-close after a 431, so the client reads the
// answer before the connection goes.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func scimErrorResponse(code, text []byte) []byte {
	status, _ := strconv.Atoi(string(code))
	body, _ := json.Marshal(map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status":  string(code),
		"detail":  "The HTTP request could not be read: " + string(bytes.TrimPrefix(text, append(code, ' '))),
	})
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	b.WriteString("Content-Type: application/scim+json\r\nConnection: close\r\nCache-Control: no-store\r\n" +
		"X-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n" +
		"Referrer-Policy: no-referrer\r\n")
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// net/http recognises a TLS connection only as a *tls.Conn: behind the
// wrapper it sees none, so the request's TLS state (which the API's base
// URL follows) is restored from the connection here.

type tlsConnKey struct{}

// connContext remembers the connection's TLS side, if any.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if w, ok := c.(*conn); ok {
		if tc, ok := w.Conn.(*tls.Conn); ok {
			return context.WithValue(ctx, tlsConnKey{}, tc)
		}
	}
	return ctx
}

// withTLSState sets r.TLS for requests that came over TLS.
func withTLSState(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tc, ok := r.Context().Value(tlsConnKey{}).(*tls.Conn); ok && r.TLS == nil {
			st := tc.ConnectionState()
			r.TLS = &st
		}
		h.ServeHTTP(w, r)
	})
}
