// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTLS serves the emulator over HTTPS with a self-signed certificate: the
// provider refuses it by default with a certificate error, accepts it with
// insecure = true, and trusts it when SSL_CERT_FILE names it.
func TestTLS(t *testing.T) {
	precheck(t)
	ctx := suiteCtx(t, 2*time.Minute)
	certFile, keyFile, pool := selfSignedCert(t, t.TempDir())
	emu := startEmulator(t, "--servers", "3", "--tls-cert", certFile, "--tls-key", keyFile)
	emu.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	if !strings.HasPrefix(emu.URL, "https://") {
		t.Fatalf("emulator started with --tls-cert announces %s, want an https URL", emu.URL)
	}
	const read = `
data "clouddc_servers" "all" {}

output "servers" {
  value = data.clouddc_servers.all
}
`
	for _, tc := range []struct {
		name     string
		insecure bool
		caFile   string
		wantErr  *regexp.Regexp
	}{
		{name: "verified by default", wantErr: regexp.MustCompile(`(?i)certificate|x509`)},
		{name: "insecure", insecure: true},
		{name: "SSL_CERT_FILE", caFile: certFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tokenProvider(emu)
			p.Insecure = tc.insecure
			p.MaxRetries = 1
			ws := newWorkspace(t, p.HCL()+read)
			if tc.caFile != "" {
				ws.Setenv("SSL_CERT_FILE=" + tc.caFile)
			}
			before := stats(ctx, t, emu).Requests["ListServers"]
			if tc.wantErr != nil {
				out := tfFails(ctx, t, ws, "plan", "-input=false", "-no-color")
				if !tc.wantErr.MatchString(errorSection(out)) {
					t.Errorf("the error does not say that the certificate is not trusted:\n%s", errorSection(out))
				}
				if after := stats(ctx, t, emu).Requests["ListServers"]; after != before {
					t.Errorf("the emulator served %d ListServers over an unverified connection", after-before)
				}
				return
			}
			tf(ctx, t, ws, "plan", "-input=false", "-no-color")
			if after := stats(ctx, t, emu).Requests["ListServers"]; after <= before {
				t.Errorf("the plan succeeded but the emulator saw no ListServers request")
			}
		})
	}
}

// selfSignedCert writes a self-signed certificate for 127.0.0.1 and
// localhost and its key into dir, and returns both paths and a pool with the
// certificate.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "clouddc-emulator chaos test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
