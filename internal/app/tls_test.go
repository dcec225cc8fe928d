package app_test

import (
	"context"
	"crypto/x509"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"postfixadmin-scim/internal/app"
	"postfixadmin-scim/internal/testtls"
)

func serial(t *testing.T, c *app.Certificate) int64 {
	t.Helper()
	cert, err := c.Config().GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x.SerialNumber.Int64()
}

// A renewed certificate is served without a restart; a broken one is not
// taken, the previous stays.
func TestCertificateReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := testtls.WritePair(t, dir, 1)
	c, err := app.LoadCertificate(certFile, keyFile, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Watch(ctx, 20*time.Millisecond)
	waitFor := func(want int64) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if serial(t, c) == want {
				return
			}
		}
		t.Fatalf("serial %d, want %d", serial(t, c), want)
	}
	time.Sleep(30 * time.Millisecond) // a different modification time
	testtls.WritePair(t, dir, 2)
	waitFor(2)
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if serial(t, c) != 2 {
		t.Error("a broken certificate replaced the working one")
	}
	if _, err := app.LoadCertificate(certFile, keyFile, nil); err == nil {
		t.Error("a broken pair loaded at start")
	}
}
