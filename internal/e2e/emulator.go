// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startupLine is the one line the emulator prints once it accepts
// connections (design.md, "Emulator contract").
var startupLine = regexp.MustCompile(`^clouddc-emulator listening on (https?://\S+)$`)

// startTimeout bounds how long the emulator may take to print its startup
// line; a loaded CI machine needs a generous bound.
const startTimeout = 60 * time.Second

// Emulator is a running clouddc-emulator process.
type Emulator struct {
	// URL is the base URL from the startup line, e.g. http://127.0.0.1:41234.
	URL string
	// Addr is URL's host:port, for a restart on the same port.
	Addr string
	// Client talks to the emulator; replace it to trust a test CA.
	Client *http.Client

	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logs    *tailBuffer
}

// StartEmulator starts bin with args and waits for its startup line. The
// process outlives ctx (ctx bounds only the start); end it with Stop or Kill.
func StartEmulator(ctx context.Context, bin string, args ...string) (*Emulator, error) {
	cmd := exec.Command(bin, args...) //nolint:noctx // the process must outlive the start context; Stop and Kill end it.
	logs := newTailBuffer(64 << 10)
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("emulator stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	e := &Emulator{
		Client: &http.Client{Timeout: 30 * time.Second},
		cmd:    cmd,
		done:   make(chan struct{}),
		logs:   logs,
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if m := startupLine.FindStringSubmatch(line); !sent && m != nil {
				urls <- m[1]
				sent = true
				continue
			}
			_, _ = fmt.Fprintln(logs, line)
		}
		close(urls)
	}()
	go func() {
		e.waitErr = cmd.Wait()
		close(e.done)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case u, ok := <-urls:
		if !ok {
			<-e.done
			return nil, fmt.Errorf("emulator exited before its startup line (%v):\n%s", e.waitErr, logs.String())
		}
		parsed, err := url.Parse(u)
		if err != nil {
			_ = e.Kill()
			return nil, fmt.Errorf("emulator startup line has a bad URL %q: %w", u, err)
		}
		e.URL, e.Addr = u, parsed.Host
		return e, nil
	case <-timer.C:
		_ = e.Kill()
		return nil, fmt.Errorf("emulator printed no startup line within %s:\n%s", startTimeout, logs.String())
	case <-ctx.Done():
		_ = e.Kill()
		return nil, fmt.Errorf("starting the emulator: %w", ctx.Err())
	}
}

// PID is the emulator's process id.
func (e *Emulator) PID() int { return e.cmd.Process.Pid }

// Logs returns the tail of the emulator's stderr and extra stdout lines.
func (e *Emulator) Logs() string { return e.logs.String() }

// Stop asks the emulator to shut down (SIGTERM) and kills it if it has not
// exited within 10 s.
func (e *Emulator) Stop() error {
	select {
	case <-e.done:
		return nil
	default:
	}
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal emulator: %w", err)
	}
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case <-e.done:
		return nil
	case <-timer.C:
		return e.Kill()
	}
}

// Kill ends the emulator at once (SIGKILL, a crash) and waits for it.
func (e *Emulator) Kill() error {
	if err := e.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill emulator: %w", err)
	}
	<-e.done
	return nil
}

// Stats is the JSON of GET /_emulator/stats.
type Stats struct {
	Requests  map[string]int64 `json:"requests"`
	Responses map[string]int64 `json:"responses"`
	Instances map[string]int64 `json:"instances"`
}

// TotalInstances is the number of instances in any state.
func (s Stats) TotalInstances() int64 {
	var n int64
	for _, v := range s.Instances {
		n += v
	}
	return n
}

// TotalRequests is the number of API requests of any operation.
func (s Stats) TotalRequests() int64 {
	var n int64
	for _, v := range s.Requests {
		n += v
	}
	return n
}

// Sub returns the per-key difference s - before of every map.
func (s Stats) Sub(before Stats) Stats {
	return Stats{
		Requests:  subMap(s.Requests, before.Requests),
		Responses: subMap(s.Responses, before.Responses),
		Instances: subMap(s.Instances, before.Instances),
	}
}

func subMap(a, b map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(a))
	for k, v := range a {
		if d := v - b[k]; d != 0 {
			out[k] = d
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok && v != 0 {
			out[k] = -v
		}
	}
	return out
}

// Faults is the body of PUT /_emulator/faults; nil fields are left as they are.
type Faults struct {
	FaultRate         *float64 `json:"fault_rate,omitempty"`
	RateLimit         *float64 `json:"rate_limit,omitempty"`
	DeleteFailureRate *float64 `json:"delete_failure_rate,omitempty"`
}

// Stats reads GET /_emulator/stats.
func (e *Emulator) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := e.admin(ctx, http.MethodGet, "/_emulator/stats", nil, &s)
	return s, err
}

// SetFaults changes the fault injection at run time.
func (e *Emulator) SetFaults(ctx context.Context, f Faults) error {
	return e.admin(ctx, http.MethodPut, "/_emulator/faults", f, nil)
}

// Reset forgets every instance and counter.
func (e *Emulator) Reset(ctx context.Context) error {
	return e.admin(ctx, http.MethodPost, "/_emulator/reset", nil, nil)
}

func (e *Emulator) admin(ctx context.Context, method, path string, in, out any) error {
	return doJSON(ctx, e.Client, method, e.URL+path, nil, in, out)
}

// API returns a minimal API client for the emulator's project.
func (e *Emulator) API(projectID, token string) *API {
	return &API{BaseURL: e.URL, ProjectID: projectID, Token: token, Client: e.Client}
}

// doJSON sends in (if not nil) as JSON and decodes a 2xx answer into out (if
// not nil); any other status is an error carrying the body.
func doJSON(ctx context.Context, c *http.Client, method, u string, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, u, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("build %s %s: %w", method, u, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, u, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &HTTPError{Method: method, URL: u, StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode %q: %w", method, u, b, err)
		}
	}
	return nil
}

// HTTPError is a non-2xx answer.
type HTTPError struct {
	Method, URL string
	StatusCode  int
	Body        string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.StatusCode, e.Body)
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(maxBytes int) *tailBuffer { return &tailBuffer{max: maxBytes} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	// Trim only past twice the limit, so that a chatty process costs an
	// amortised copy per byte rather than one per write.
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf[max(0, len(t.buf)-t.max):])
}
