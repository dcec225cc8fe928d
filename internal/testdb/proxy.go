package testdb

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"postfixadmin-scim/internal/store/sqlstore"
)

// Proxy is a loopback TCP proxy between a server under test and its
// database, which the test cuts, black-holes and restores (the databases
// themselves are never stopped).
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	mode   proxyMode
	conns  map[net.Conn]bool
}

type proxyMode int

const (
	forward   proxyMode = iota
	refuse              // connections are accepted and closed at once
	blackHole           // connections are accepted and never answered
)

// NewProxy listens on a loopback port and forwards to target (host:port).
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.drop() })
	return p
}

// Addr is the proxy's address, to put in the server's DSN (Reroute).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every connection and refuses new ones, as a database that went down.
func (p *Proxy) Cut() { p.set(refuse) }

// BlackHole closes every connection and swallows new ones, as a database
// behind a firewall dropping packets.
func (p *Proxy) BlackHole() { p.set(blackHole) }

// Restore forwards again.
func (p *Proxy) Restore() { p.set(forward) }

func (p *Proxy) set(m proxyMode) {
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
	if m != forward {
		p.drop()
	}
}

func (p *Proxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		if mode != refuse {
			p.conns[c] = true
		}
		p.mu.Unlock()
		switch mode {
		case refuse:
			c.Close()
		case blackHole:
			go io.Copy(io.Discard, c)
		default:
			go p.pipe(c)
		}
	}
}

func (p *Proxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

// Address is the host:port a DSN of engine connects to.
func Address(engine sqlstore.Engine, dsn string) string {
	if engine == sqlstore.MySQL {
		cfg, _ := mysql.ParseDSN(dsn)
		return cfg.Addr
	}
	u, _ := url.Parse(dsn)
	return u.Host
}

// Reroute is dsn connecting to addr instead.
func Reroute(engine sqlstore.Engine, dsn, addr string) string {
	if engine == sqlstore.MySQL {
		cfg, _ := mysql.ParseDSN(dsn)
		cfg.Addr = addr
		return cfg.FormatDSN()
	}
	u, _ := url.Parse(dsn)
	u.Host = addr
	return u.String()
}
