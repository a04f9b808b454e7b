package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const projectID = "0123456789abcdef0123456789abcdef"

var listenLine = regexp.MustCompile(`^clouddc-emulator listening on (https?)://(127\.0\.0\.1:\d+)$`)

func TestParseOptionsFlagsAndEnv(t *testing.T) {
	env := map[string]string{
		"CLOUDDC_EMULATOR_SERVERS":             "7",
		"CLOUDDC_EMULATOR_CREATE_DURATION":     "3s",
		"CLOUDDC_EMULATOR_DELETE_FAILURE_RATE": "0.25",
		"CLOUDDC_EMULATOR_TOKEN":               "from-env",
		"CLOUDDC_EMULATOR_LISTEN":              "127.0.0.1:9999",
	}
	o, err := parseOptions([]string{"--servers", "9", "--seed", "5"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := o.cfg
	if c.Servers != 9 || c.Seed != 5 {
		t.Fatalf("flags: servers %d seed %d, want 9 and 5 (a flag wins over the environment)", c.Servers, c.Seed)
	}
	if c.CreateDuration != 3*time.Second || c.DeleteFailureRate != 0.25 || c.Token != "from-env" || o.listen != "127.0.0.1:9999" {
		t.Fatalf("environment not applied: %+v listen %s", c, o.listen)
	}
	if c.DeleteDuration != 5*time.Second || c.ProjectID != projectID {
		t.Fatalf("defaults: delete %s project %s", c.DeleteDuration, c.ProjectID)
	}

	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad env duration", nil, map[string]string{"CLOUDDC_EMULATOR_DELETE_DURATION": "soon"}, "CLOUDDC_EMULATOR_DELETE_DURATION"},
		{"unknown flag", []string{"--colour"}, nil, "colour"},
		{"tls cert alone", []string{"--tls-cert", "c.pem"}, nil, "--tls-key"},
		{"stray argument", []string{"serve"}, nil, "unexpected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOptions(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	var stderr strings.Builder
	code := run(t.Context(), []string{"--fault-rate", "2"}, func(string) string { return "" }, io.Discard, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "fault rate") {
		t.Fatalf("exit %d, stderr %q: want a failure naming the fault rate", code, stderr.String())
	}
	stderr.Reset()
	code = run(t.Context(), []string{"--log-level", "loud"}, func(string) string { return "" }, io.Discard, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "log-level") {
		t.Fatalf("exit %d, stderr %q: want exit 2 naming --log-level", code, stderr.String())
	}
}

// startInProcess runs the command in this process and returns its base
// URL; cancelling the returned function shuts it down and returns its exit code.
func startInProcess(t *testing.T, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"--listen", "127.0.0.1:0", "--log-level", "error"}, args...),
			func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	m := listenLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
	if m == nil {
		cancel()
		t.Fatalf("startup line %q does not match %s", line, listenLine)
	}
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("the emulator did not shut down")
			return -1
		}
	}
	return m[1] + "://" + m[2], stop
}

func TestServeAndShutdown(t *testing.T) {
	url, stop := startInProcess(t, "--token", "tok")
	resp, err := http.Get(url + "/_emulator/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url+"/v1/"+projectID+"/physicalservers", nil)
	req.Header.Set("X-Auth-Token", "tok")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ListServers with the token: %v %v", resp, err)
	}
	resp.Body.Close()
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d after shutdown, want 0", code)
	}
	if _, err := http.Get(url + "/_emulator/health"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeCert(t, dir)
	url, stop := startInProcess(t, "--tls-cert", certFile, "--tls-key", keyFile)
	defer stop()
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %s: want https", url)
	}
	// Verifying with the certificate works; without it the handshake fails.
	trusted := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := trusted.Get(url + "/_emulator/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health over TLS: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := http.Get(url + "/_emulator/health"); err == nil {
		t.Fatal("an untrusted certificate was accepted by the default client")
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1.
func writeCert(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "clouddc-emulator test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// binary builds clouddc-emulator once per test into a temporary directory.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "clouddc-emulator")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary starts the built binary and waits for its startup line.
func startBinary(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case line := <-lines:
		m := listenLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("startup line %q does not match %s", line, listenLine)
		}
		return cmd, m[1] + "://" + m[2]
	case <-time.After(20 * time.Second):
		t.Fatal("no startup line within 20s")
		return nil, ""
	}
}

type client struct {
	t   *testing.T
	url string
}

func (c client) do(method, path, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", "emulator-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, data
}

type listResp struct {
	Instances []struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"instances"`
	Count int `json:"count"`
}

func (c client) list() map[string]string {
	c.t.Helper()
	status, data := c.do("GET", "/v1/"+projectID+"/instances?limit=1000", "")
	var l listResp
	if err := json.Unmarshal(data, &l); err != nil || status != http.StatusOK {
		c.t.Fatalf("list: %d %s %v", status, data, err)
	}
	out := map[string]string{}
	for _, i := range l.Instances {
		out[i.ID] = i.State
	}
	return out
}

// TestKillAndRestart builds the binary, runs it with a state file (settings
// from the environment), creates and deletes instances, kills it with
// SIGKILL, restarts it and finds every acknowledged change, with
// transitions resumed by the wall clock.
func TestKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := binary(t)
	state := filepath.Join(t.TempDir(), "state.db")
	env := []string{"CLOUDDC_EMULATOR_STATE_FILE=" + state, "CLOUDDC_EMULATOR_SERVERS=30",
		"CLOUDDC_EMULATOR_CREATE_DURATION=1500ms", "CLOUDDC_EMULATOR_DELETE_DURATION=1500ms"}
	cmd, url := startBinary(t, bin, env)
	c := client{t: t, url: url}
	_, serversBefore := c.do("GET", "/v1/"+projectID+"/physicalservers?limit=1000", "")

	body := `{"name":"kill","image_id":"img","vpc_id":"vpc","network_interfaces":[{"subnet_id":"s"}],"password":"Passw0rd!x","min_count":20,"max_count":20}`
	status, data := c.do("POST", "/v1/"+projectID+"/instances/batch-create", body)
	if status != http.StatusAccepted {
		t.Fatalf("RunInstances: %d %s", status, data)
	}
	var run struct {
		Instances []struct {
			ID string `json:"id"`
		} `json:"instances"`
	}
	if err := json.Unmarshal(data, &run); err != nil || len(run.Instances) != 20 {
		t.Fatalf("RunInstances answer %s: %v", data, err)
	}
	var doomed []string
	for _, i := range run.Instances[:10] {
		doomed = append(doomed, `"`+i.ID+`"`)
	}
	status, data = c.do("POST", "/v1/"+projectID+"/instances/batch-delete", `{"instance_id_set":[`+strings.Join(doomed, ",")+`]}`)
	if status != http.StatusAccepted {
		t.Fatalf("DeleteInstances: %d %s", status, data)
	}
	before := c.list()
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	cmd, url = startBinary(t, bin, env)
	c = client{t: t, url: url}
	after := c.list()
	if len(after) != 20 {
		t.Fatalf("after kill -9 and restart: %d instances, want 20", len(after))
	}
	for id, st := range before {
		if _, ok := after[id]; !ok {
			t.Fatalf("instance %s (%s before the kill) lost", id, st)
		}
	}
	_, serversAfter := c.do("GET", "/v1/"+projectID+"/physicalservers?limit=1000", "")
	var sb, sa struct {
		Servers []struct {
			ID string `json:"id"`
		} `json:"servers"`
	}
	if json.Unmarshal(serversBefore, &sb) != nil || json.Unmarshal(serversAfter, &sa) != nil || len(sa.Servers) != 30 ||
		sa.Servers[0].ID != sb.Servers[0].ID {
		t.Fatal("the servers changed across the restart")
	}
	// Transitions resume by the wall clock: all reach their final state.
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		counts := map[string]int{}
		for _, st := range c.list() {
			counts[st]++
		}
		if counts["running"] == 10 && counts["terminated"] == 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("states %v after restart: want 10 running and 10 terminated", counts)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-tick.C:
		}
	}
	status, data = c.do("GET", "/v1/"+projectID+"/physicalservers?manage_state=ready", "")
	if status != http.StatusOK || !strings.Contains(string(data), fmt.Sprintf(`"count":%d`, 20)) {
		t.Fatalf("ready servers after the deletions finished: %s, want 20", data)
	}

	// SIGTERM shuts it down cleanly.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10s of SIGTERM")
	}
}

// TestParseOptionsRefusesBadValues feeds every checked flag values that
// are not numbers, not finite, out of range or absurd, on the command line
// and in the environment: each is a usage error that names the flag (or
// variable) and says what is allowed. The edges of each range are accepted.
func TestParseOptionsRefusesBadValues(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"fault rate NaN", []string{"--fault-rate", "NaN"}, nil, []string{"-fault-rate", "between 0 and 1"}},
		{"fault rate infinite", []string{"--fault-rate", "Inf"}, nil, []string{"-fault-rate", "between 0 and 1"}},
		{"fault rate above 1", []string{"--fault-rate", "1.01"}, nil, []string{"-fault-rate", "between 0 and 1"}},
		{"fault rate negative", []string{"--fault-rate", "-0.1"}, nil, []string{"-fault-rate", "between 0 and 1"}},
		{"fault rate not a number", []string{"--fault-rate", "half"}, nil, []string{"-fault-rate", "not a number"}},
		{"delete failure rate NaN", []string{"--delete-failure-rate", "nan"}, nil, []string{"-delete-failure-rate", "between 0 and 1"}},
		{"delete failure rate above 1", []string{"--delete-failure-rate", "2"}, nil, []string{"-delete-failure-rate", "between 0 and 1"}},
		{"power failure rate negative", []string{"--power-failure-rate", "-1"}, nil, []string{"-power-failure-rate", "between 0 and 1"}},
		{"env power failure rate NaN", nil, map[string]string{"CLOUDDC_EMULATOR_POWER_FAILURE_RATE": "NaN"}, []string{"CLOUDDC_EMULATOR_POWER_FAILURE_RATE", "between 0 and 1"}},
		{"rate limit NaN", []string{"--rate-limit", "NaN"}, nil, []string{"-rate-limit", "requests per second"}},
		{"rate limit infinite", []string{"--rate-limit", "+Inf"}, nil, []string{"-rate-limit", "requests per second"}},
		{"rate limit negative", []string{"--rate-limit", "-5"}, nil, []string{"-rate-limit", "between 0"}},
		{"rate limit absurd", []string{"--rate-limit", "1e12"}, nil, []string{"-rate-limit", "1000000"}},
		{"servers negative", []string{"--servers", "-1"}, nil, []string{"-servers", "between 0 and 100000"}},
		{"servers absurd", []string{"--servers", "100001"}, nil, []string{"-servers", "between 0 and 100000"}},
		{"servers not a whole number", []string{"--servers", "1.5"}, nil, []string{"-servers", "not a whole number"}},
		{"create duration negative", []string{"--create-duration", "-1s"}, nil, []string{"-create-duration", "must not be negative"}},
		{"delete duration absurd", []string{"--delete-duration", "9000h"}, nil, []string{"-delete-duration", "at most"}},
		{"power duration not a duration", []string{"--power-duration", "5"}, nil, []string{"-power-duration", "not a duration"}},
		{"terminated TTL negative", []string{"--terminated-ttl", "-1m"}, nil, []string{"-terminated-ttl", "negative"}},
		{"token TTL absurd", []string{"--token-ttl", "100000h"}, nil, []string{"-token-ttl", "at most"}},
		{"read timeout zero", []string{"--read-timeout", "0"}, nil, []string{"-read-timeout", "more than 0"}},
		{"write timeout negative", []string{"--write-timeout", "-1s"}, nil, []string{"-write-timeout", "more than 0"}},
		{"idle timeout absurd", []string{"--idle-timeout", "48h"}, nil, []string{"-idle-timeout", "at most"}},
		{"project ID with a slash", []string{"--project-id", "a/b"}, nil, []string{"--project-id", "must not contain"}},
		{"access key alone", []string{"--access-key", "ak"}, nil, []string{"--access-key", "--secret-key"}},
		{"listen without a port", []string{"--listen", "localhost"}, nil, []string{"--listen", "HOST:PORT"}},
		{"env fault rate NaN", nil, map[string]string{"CLOUDDC_EMULATOR_FAULT_RATE": "NaN"}, []string{"CLOUDDC_EMULATOR_FAULT_RATE", "between 0 and 1"}},
		{"env servers absurd", nil, map[string]string{"CLOUDDC_EMULATOR_SERVERS": "1000000000"}, []string{"CLOUDDC_EMULATOR_SERVERS", "between 0 and 100000"}},
		{"env rate limit infinite", nil, map[string]string{"CLOUDDC_EMULATOR_RATE_LIMIT": "inf"}, []string{"CLOUDDC_EMULATOR_RATE_LIMIT", "requests per second"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOptions(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}

	o, err := parseOptions([]string{"--fault-rate", "1", "--delete-failure-rate", "0", "--power-failure-rate", "1", "--rate-limit", "1000000",
		"--servers", "100000", "--create-duration", "8760h", "--read-timeout", "1ms"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("the edges of the ranges: %v", err)
	}
	if o.cfg.FaultRate != 1 || o.cfg.PowerFailureRate != 1 || o.cfg.RateLimit != 1e6 || o.cfg.Servers != 100000 || o.cfg.CreateDuration != 8760*time.Hour || o.readTimeout != time.Millisecond {
		t.Fatalf("edge values not applied: %+v read timeout %s", o.cfg, o.readTimeout)
	}
}

// TestRunExitCodes checks the exit codes and messages: 2 for a bad flag,
// 1 when the emulator cannot start, each message one line on stderr (as
// the README promises) naming what is wrong.
func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	if err := os.WriteFile(corrupt, []byte(strings.Repeat("not a state file\n", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"bad flag value", []string{"--servers", "-3"}, exitUsage, []string{"-servers"}},
		{"unknown flag", []string{"--fleet", "3"}, exitUsage, []string{"-fleet"}},
		{"stray argument", []string{"serve"}, exitUsage, []string{"unexpected arguments: serve"}},
		{"corrupt state file", []string{"--state-file", corrupt}, exitFailed, []string{corrupt, "not a clouddc-emulator state file"}},
		{"state file is a directory", []string{"--state-file", dir}, exitFailed, []string{dir, "is a directory"}},
		{"state file in a missing directory", []string{"--state-file", filepath.Join(dir, "no", "state.db")}, exitFailed, []string{filepath.Join(dir, "no", "state.db"), "no such file"}},
		{"address in use", []string{"--listen", taken.Addr().String()}, exitFailed, []string{taken.Addr().String(), "in use"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(t.Context(), append(tt.args, "--log-level", "error"), func(string) string { return "" }, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Fatalf("stderr %q does not mention %q", stderr.String(), w)
				}
			}
			if lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n"); len(lines) != 1 ||
				!strings.HasPrefix(lines[0], "clouddc-emulator: ") {
				t.Fatalf("stderr has %d lines, want one starting with \"clouddc-emulator: \":\n%s", len(lines), stderr.String())
			}
			if stdout.Len() != 0 {
				t.Fatalf("printed %q to stdout although it did not start", stdout.String())
			}
		})
	}
}

// TestRunHelp: -h prints the usage, every flag included, and exits 0.
func TestRunHelp(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"-h"}, func(string) string { return "" }, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitOK, stderr.String())
	}
	for _, w := range []string{"Usage: clouddc-emulator", "-create-duration", "CLOUDDC_EMULATOR_"} {
		if !strings.Contains(stderr.String(), w) {
			t.Fatalf("usage does not mention %q:\n%s", w, stderr.String())
		}
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	o, err := parseOptions(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(o, http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadTimeout != defaultReadTimeout || srv.WriteTimeout != defaultWriteTimeout || srv.IdleTimeout != defaultIdleTimeout ||
		srv.ReadHeaderTimeout != maxReadHeaderTimeout || srv.MaxHeaderBytes != maxHeaderBytes {
		t.Fatalf("defaults: read %s header %s write %s idle %s max header %d", srv.ReadTimeout, srv.ReadHeaderTimeout,
			srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	o, err = parseOptions([]string{"--read-timeout", "2s", "--write-timeout", "3s", "--idle-timeout", "4s"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv = newHTTPServer(o, http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadTimeout != 2*time.Second || srv.ReadHeaderTimeout != 2*time.Second || srv.WriteTimeout != 3*time.Second || srv.IdleTimeout != 4*time.Second {
		t.Fatalf("from flags: read %s header %s write %s idle %s", srv.ReadTimeout, srv.ReadHeaderTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}

// TestStalledClientsAreDropped runs the emulator with short timeouts and
// checks that a client that stops half-way through a request, and one
// that keeps an idle connection, are disconnected.
func TestStalledClientsAreDropped(t *testing.T) {
	url, stop := startInProcess(t, "--read-timeout", "300ms", "--idle-timeout", "300ms")
	defer stop()
	addr := strings.TrimPrefix(url, "http://")

	// closedWithin reads from conn until the server closes it, failing
	// after d.
	closedWithin := func(t *testing.T, conn net.Conn, d time.Duration) {
		t.Helper()
		if err := conn.SetReadDeadline(time.Now().Add(d)); err != nil {
			t.Fatal(err)
		}
		_, err := io.Copy(io.Discard, conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the connection is still open after %s", d)
		}
	}

	t.Run("half a body", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, err = fmt.Fprintf(conn, "POST /v1/%s/instances/batch-delete HTTP/1.1\r\nHost: x\r\nX-Auth-Token: emulator-token\r\n"+
			"Content-Length: 100\r\n\r\n{\"instance_id_set\":", projectID)
		if err != nil {
			t.Fatal(err)
		}
		closedWithin(t, conn, 5*time.Second)
	})
	t.Run("half the headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := fmt.Fprint(conn, "GET /_emulator/health HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		closedWithin(t, conn, 5*time.Second)
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := fmt.Fprint(conn, "GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("health: %v %v", resp, err)
		}
		resp.Body.Close()
		closedWithin(t, conn, 5*time.Second)
	})
}
