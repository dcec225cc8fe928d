// Package loadtest measures the server under load (make bench): it seeds a
// PostfixAdmin database per engine with N mailboxes by bulk SQL, runs the
// real binary against it as its own process, drives it over loopback with
// vegeta at 20 connections for a fixed time per request kind, and compares
// with the raw driver's point-query rate in the same run. It writes
// RESULTS.md. It runs only when PFSCIM_LOAD=1 (never in make test).
package loadtest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/store/sqlstore"
	"postfixadmin-scim/internal/testdb"
)

const (
	connections = 20
	secret      = "0123456789abcdef0123456789abcdef-load"
	admin       = "admin@example.org"
	adminPass   = "Secret123!" // the sample superadmin's
)

var sizes = []int{1000, 100000}

// duration is each measurement's length (PFSCIM_LOAD_SECONDS, default 4).
func duration() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("PFSCIM_LOAD_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 4 * time.Second
}

type result struct {
	engine   sqlstore.Engine
	n        int
	name     string
	rate     float64 // successful requests per second
	p50, p99 time.Duration
	errors   int
	rawRate  float64 // the raw driver's point queries per second (row "raw")
}

func TestLoad(t *testing.T) {
	if os.Getenv("PFSCIM_LOAD") != "1" {
		t.Skip("load measurement: run with make bench (PFSCIM_LOAD=1)")
	}
	bin := filepath.Join(t.TempDir(), "postfixadmin-scim")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/postfixadmin-scim").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var all []result
	rss := map[string]int64{}
	for _, engine := range testdb.Engines {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", engine, n), func(t *testing.T) {
				rs, peak := measure(t, bin, engine, n)
				all = append(all, rs...)
				rss[fmt.Sprintf("%s/%d", engine, n)] = peak
				for _, r := range rs {
					t.Logf("%-34s %8.0f req/s  p50 %-9v p99 %-9v errors %d", r.name, r.rate, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors)
				}
			})
		}
	}
	report := markdown(all, rss)
	fmt.Println(report)
	if err := os.WriteFile("RESULTS.md", []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
}

// measure seeds a database of n mailboxes, starts the server on it and runs every request kind.
func measure(t *testing.T, bin string, engine sqlstore.Engine, n int) ([]result, int64) {
	db := testdb.New(t, engine, testdb.Master, true)
	// Room for the creates; the sample's limits would refuse them.
	if _, err := db.Raw.Exec("UPDATE domain SET mailboxes = 0, aliases = 0, maxquota = 0, quota = 0 WHERE domain = 'example.org'"); err != nil {
		t.Fatal(err)
	}
	testdb.SeedMailboxes(t, db, "example.org", n)
	base, pid := serve(t, bin, db)
	token, err := auth.Mint([]byte(secret), admin, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	basic := http.Header{"Authorization": {"Basic " + basicAuth(admin, adminPass)}}
	user := func() string { return fmt.Sprintf("user%06d@example.org", rand.IntN(n)) }
	get := func(h http.Header, path func() string) vegeta.Targeter {
		return func(tg *vegeta.Target) error {
			*tg = vegeta.Target{Method: http.MethodGet, URL: base + path(), Header: h}
			return nil
		}
	}
	scimJSON := http.Header{"Authorization": bearer["Authorization"], "Content-Type": {"application/scim+json"}}
	var toggle atomic.Int64
	patchActive := func(tg *vegeta.Target) error {
		body := fmt.Sprintf(`{"schemas":["%s"],"Operations":[{"op":"replace","path":"active","value":%v}]}`, scim.PatchOpSchema, toggle.Add(1)%2 == 0)
		*tg = vegeta.Target{Method: http.MethodPatch, URL: base + "/Users/" + user(), Header: scimJSON, Body: []byte(body)}
		return nil
	}
	var created atomic.Int64
	create := func(tg *vegeta.Target) error {
		body := fmt.Sprintf(`{"schemas":["%s"],"userName":"new%07d@example.org","password":"Load-Pass-12"}`, scim.UserSchema, created.Add(1))
		*tg = vegeta.Target{Method: http.MethodPost, URL: base + "/Users", Header: scimJSON, Body: []byte(body)}
		return nil
	}
	var deleted, createdOK atomic.Int64
	del := func(tg *vegeta.Target) error {
		i := deleted.Add(1)
		if i > createdOK.Load() {
			return vegeta.ErrNoTargets
		}
		*tg = vegeta.Target{Method: http.MethodDelete, URL: fmt.Sprintf("%s/Users/new%07d@example.org", base, i), Header: bearer}
		return nil
	}

	raw := rawPointQueries(t, db, n)
	rs := []result{{engine: engine, n: n, name: "raw driver point query (20 goroutines)", rate: raw, rawRate: raw}}
	run := func(name string, tg vegeta.Targeter, ok int) {
		rs = append(rs, attack(engine, n, name, tg, ok))
	}
	run("GET /Users/{id}, Bearer", get(bearer, func() string { return "/Users/" + user() }), 200)
	run("GET /Users/{id}, Basic", get(basic, func() string { return "/Users/" + user() }), 200)
	run("filter=userName eq", get(bearer, func() string {
		return "/Users?filter=userName%20eq%20%22" + user() + "%22"
	}), 200)
	// Pages within the first 1 000 users, the same at both sizes; a deep
	// OFFSET costs what reading the index up to it costs (see the deep row).
	run("page of 100 sorted by userName", get(bearer, func() string {
		return fmt.Sprintf("/Users?sortBy=userName&count=100&startIndex=%d", 1+rand.IntN(900))
	}), 200)
	if n > 1000 {
		run("page of 100 at startIndex 50 001", get(bearer, func() string {
			return "/Users?sortBy=userName&count=100&startIndex=50001"
		}), 200)
	}
	run("count=1000", get(bearer, func() string { return "/Users?count=1000&startIndex=1" }), 200)
	run("GET /Domains/{id}", get(bearer, func() string { return "/Domains/example.org" }), 200)
	run("PATCH active", patchActive, 200)
	run("POST /Users (bcrypt)", create, 201)
	// The last targets generated may not have been sent: delete what was created.
	var made int64
	if err := db.Raw.QueryRow("SELECT COUNT(*) FROM mailbox WHERE username LIKE 'new%'").Scan(&made); err != nil {
		t.Fatal(err)
	}
	createdOK.Store(made)
	run("DELETE /Users/{id}", del, 204)
	// Latency without queueing: one client at 200 requests/s (the rows above
	// saturate 2 cores, where p99 is mostly waiting in line).
	oneClient := vegeta.Rate{Freq: 200, Per: time.Second}
	rs = append(rs, attackWith(engine, n, "filter=userName eq, 1 client at 200/s",
		get(bearer, func() string { return "/Users?filter=userName%20eq%20%22" + user() + "%22" }), 200, 1, oneClient))
	rs = append(rs, attackWith(engine, n, "GET /Users/{id}, 1 client at 200/s",
		get(bearer, func() string { return "/Users/" + user() }), 200, 1, oneClient))
	// Reads while another client changes a password in a loop.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &http.Client{}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := fmt.Sprintf(`{"schemas":["%s"],"Operations":[{"op":"replace","path":"password","value":"Loop-Pass-%d"}]}`, scim.PatchOpSchema, i)
			req, _ := http.NewRequest(http.MethodPatch, base+"/Users/user000001@example.org", strings.NewReader(body))
			req.Header = scimJSON.Clone()
			if res, err := c.Do(req); err == nil {
				res.Body.Close()
			}
		}
	}()
	// One client reading (not a saturated server) while another changes a
	// password: bcrypt must not hold up reads.
	rs = append(rs, attackWith(engine, n, "GET /Users/{id}, 1 client at 200/s, during password changes",
		get(bearer, func() string { return "/Users/" + user() }), 200, 1, oneClient))
	close(stop)
	wg.Wait()
	return rs, peakRSS(t, pid)
}

func attack(engine sqlstore.Engine, n int, name string, tg vegeta.Targeter, ok int) result {
	return attackWith(engine, n, name, tg, ok, connections, vegeta.Rate{Freq: 0}) // as fast as 20 connections go
}

func attackWith(engine sqlstore.Engine, n int, name string, tg vegeta.Targeter, ok int, conns int, rate vegeta.Rate) result {
	a := vegeta.NewAttacker(vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)), vegeta.Connections(conns),
		vegeta.MaxConnections(conns), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	var m vegeta.Metrics
	var errs int
	var lat []time.Duration
	for res := range a.Attack(tg, rate, duration(), name) {
		if int(res.Code) != ok {
			errs++
			continue
		}
		m.Add(res)
		lat = append(lat, res.Latency)
	}
	m.Close()
	r := result{engine: engine, n: n, name: name, errors: errs}
	if m.Requests > 0 {
		r.rate = float64(m.Requests) / m.Duration.Seconds()
		r.p50, r.p99 = m.Latencies.P50, m.Latencies.P99
	}
	return r
}

// rawPointQueries is the rate of the mailbox point query sent straight
// through database/sql by 20 goroutines, the most a request could do.
func rawPointQueries(t *testing.T, db testdb.DB, n int) float64 {
	q := "SELECT username, name, maildir, quota, local_part, domain, created, modified, active, phone, email_other FROM mailbox WHERE username = ?"
	if db.Engine == sqlstore.PostgreSQL {
		q = strings.Replace(q, "?", "$1", 1)
	}
	raw, err := sql.Open(map[sqlstore.Engine]string{sqlstore.SQLite: "sqlite", sqlstore.MySQL: "mysql", sqlstore.PostgreSQL: "pgx"}[db.Engine], db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(connections)
	raw.SetMaxIdleConns(connections)
	var done atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), duration())
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for range connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				var c [11]any
				var s [11]any
				for i := range c {
					c[i] = &s[i]
				}
				if err := raw.QueryRowContext(ctx, q, fmt.Sprintf("user%06d@example.org", rand.IntN(n))).Scan(c[:]...); err == nil {
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}

// serve starts the binary on db and waits until it answers.
func serve(t *testing.T, bin string, db testdb.DB) (string, int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "PFSCIM_LISTEN="+addr, "PFSCIM_DB_DRIVER="+string(db.Engine), "PFSCIM_DB_DSN="+db.DSN,
		"PFSCIM_JWT_SECRETS="+secret, "PFSCIM_JWT_MAX_LIFETIME=2h")
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr + "/scim/v2"
	for i := 0; i < 200; i++ {
		if res, err := http.Get(base + "/ServiceProviderConfig"); err == nil {
			res.Body.Close()
			return base, cmd.Process.Pid
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the server did not start")
	return "", 0
}

// peakRSS is the process's peak resident set (VmHWM) in KiB.
func peakRSS(t *testing.T, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Logf("peak RSS: %v", err)
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

func markdown(rs []result, rss map[string]int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Load measurements (make bench)\n\nOne run on the development machine (%d cores), %d connections, %v per row, vegeta over loopback; "+
		"ratios first, as absolute figures vary between machines. \"vs raw\" divides by the raw driver's point-query rate of the same engine and size.\n\n",
		runtime.NumCPU(), connections, duration())
	raw := map[string]float64{}
	for _, r := range rs {
		if r.rawRate > 0 {
			raw[fmt.Sprintf("%s/%d", r.engine, r.n)] = r.rawRate
		}
	}
	b.WriteString("| engine | mailboxes | request | vs raw | req/s | p50 | p99 | errors |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		ratio := "—"
		if r.rawRate == 0 {
			if rr := raw[fmt.Sprintf("%s/%d", r.engine, r.n)]; rr > 0 {
				ratio = fmt.Sprintf("%.0f %%", 100*r.rate/rr)
			}
		}
		p50, p99 := "—", "—"
		if r.rawRate == 0 {
			p50, p99 = ms(r.p50), ms(r.p99)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %.0f | %s | %s | %d |\n", r.engine, r.n, r.name, ratio, r.rate, p50, p99, r.errors)
	}
	b.WriteString("\nPeak RSS of the server process (VmHWM):\n\n| engine | 1 000 | 100 000 |\n|---|---|---|\n")
	for _, e := range testdb.Engines {
		fmt.Fprintf(&b, "| %s | %d MiB | %d MiB |\n", e, rss[fmt.Sprintf("%s/1000", e)]/1024, rss[fmt.Sprintf("%s/100000", e)]/1024)
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
