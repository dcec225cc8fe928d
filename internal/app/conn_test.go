package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"testing"
)

// Exactly net/http's own error answers are rewritten (the formats of its
// server.go: a fixed 400, a status error with its text, 431); anything a
// handler wrote passes through byte for byte.
func TestRewritesOnlyHTTPLayerErrors(t *testing.T) {
	const plain = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	for _, tt := range []struct {
		name, in   string
		status     int
		detailHas  string
		passedThru bool
	}{
		{"bare 400", "HTTP/1.1 400 Bad Request" + plain + "400 Bad Request", 400, "Bad Request", false},
		{"status error", "HTTP/1.1 400 Bad Request: missing required Host header" + plain + "400 Bad Request: missing required Host header", 400, "missing required Host header", false},
		{"431", "HTTP/1.1 431 Request Header Fields Too Large" + plain + "431 Request Header Fields Too Large", 431, "Too Large", false},
		{"a handler's 400", "HTTP/1.1 400 Bad Request\r\nCache-Control: no-store\r\nContent-Type: application/scim+json\r\nContent-Length: 2\r\n\r\n{}", 0, "", true},
		{"a 200", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, "", true},
		{"501 unknown transfer coding", "HTTP/1.1 501 Not Implemented" + plain + "Unsupported transfer encoding", 501, "Unsupported transfer encoding", false},
		{"a handler's 503", "HTTP/1.1 503 Service Unavailable" + plain + "x", 0, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			server, client := net.Pipe()
			c := &conn{Conn: server}
			go func() { c.Write([]byte(tt.in)); server.Close() }()
			var got bytes.Buffer
			got.ReadFrom(client)
			if tt.passedThru {
				if got.String() != tt.in {
					t.Errorf("changed: %q", got.String())
				}
				return
			}
			res, err := http.ReadResponse(bufio.NewReader(&got), nil)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				Schemas        []string
				Status, Detail string
			}
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status || res.Header.Get("Content-Type") != "application/scim+json" || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
				body.Status != strconv.Itoa(tt.status) || len(body.Schemas) != 1 || !bytes.Contains([]byte(body.Detail), []byte(tt.detailHas)) {
				t.Errorf("%d %v %+v", res.StatusCode, res.Header, body)
			}
		})
	}
}
