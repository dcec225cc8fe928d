// Package metrics owns the server's Prometheus registry: requests by route
// and status, their latency, authentication failures, the admin cache's
// effect and the database pools. It observes, as layers around the HTTP
// handlers and the store; it decides nothing.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"postfixadmin-scim/internal/auth"
	"postfixadmin-scim/internal/store"
)

// Metrics is the registry and the instruments the server updates.
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	authFailures prometheus.Counter
	adminLookups prometheus.Counter
	adminReads   prometheus.Counter
}

// New registers the instruments, with Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pfscim_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pfscim_http_request_duration_seconds", Help: "HTTP request latency by route template and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pfscim_auth_failures_total", Help: "Requests refused with 401 (bad, missing or non-superadmin credentials).",
		}),
		adminLookups: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pfscim_admin_lookups_total", Help: "Admin rows asked for by authentication.",
		}),
		adminReads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pfscim_admin_reads_total", Help: "Admin rows read from the database (lookups the admin cache did not answer).",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.authFailures, m.adminLookups, m.adminReads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// AddPools exports database/sql's statistics of each named pool.
func (m *Metrics) AddPools(pools map[string]*sql.DB) {
	for name, db := range pools {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
}

// Middleware counts and times every request by its route template (not its
// path, which would make a series per user).
func (m *Metrics) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // write the response now, so its status is known
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		m.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(route, c.Request().Method).Observe(time.Since(start).Seconds())
		if status == http.StatusUnauthorized {
			m.authFailures.Inc()
		}
		return nil
	}
}

// CountAdmins wraps an admin finder: around the admin cache it counts
// lookups, around the store it counts database reads.
func (m *Metrics) CountAdmins(next auth.AdminFinder, reads bool) auth.AdminFinder {
	c := m.adminLookups
	if reads {
		c = m.adminReads
	}
	return countingFinder{next: next, c: c}
}

type countingFinder struct {
	next auth.AdminFinder
	c    prometheus.Counter
}

func (f countingFinder) ActiveAdmin(ctx context.Context, username string) (store.Admin, error) {
	f.c.Inc()
	return f.next.ActiveAdmin(ctx, username)
}
