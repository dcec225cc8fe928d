package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// Certificate serves a TLS certificate from files, read again on SIGHUP and
// when either file changes, so a renewed certificate (certbot, an ACME
// client) needs no restart. A failed reload keeps the certificate in use.
type Certificate struct {
	certFile, keyFile string
	current           atomic.Pointer[tls.Certificate]
	stamp             string // the files' modification times at the last load
	log               *slog.Logger
}

// LoadCertificate reads the pair once; it fails if that does not work.
func LoadCertificate(certFile, keyFile string, log *slog.Logger) (*Certificate, error) {
	c := &Certificate{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Certificate) load() error {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	c.current.Store(&pair)
	c.stamp = c.modTimes()
	return nil
}

func (c *Certificate) modTimes() string {
	var s string
	for _, f := range []string{c.certFile, c.keyFile} {
		if fi, err := os.Stat(f); err == nil {
			s += fi.ModTime().String() + "|"
		}
	}
	return s
}

// Config is a TLS server configuration serving the current certificate.
func (c *Certificate) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.current.Load(), nil
		},
	}
}

// Watch reloads on SIGHUP and on file changes (checked every interval)
// until ctx ends.
func (c *Certificate) Watch(ctx context.Context, interval time.Duration) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-tick.C:
			if c.modTimes() == c.stamp {
				continue
			}
		}
		if err := c.load(); err != nil {
			c.log.Error("TLS certificate not reloaded; the previous one stays in use", "err", err)
			c.stamp = c.modTimes() // do not retry a broken pair until it changes again
			continue
		}
		c.log.Info("TLS certificate reloaded", "cert_file", c.certFile)
	}
}
