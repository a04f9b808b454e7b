package clouddc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const internalError = `{"error_code":"iMetal.0099","error_msg":"Internal server error"}`

func TestRetryOn429HonoursRetryAfter(t *testing.T) {
	rec := &recorder{replies: []reply{
		{status: 429, body: `"Too many requests"`, header: map[string]string{"Retry-After": "1"}},
		{status: 200, body: `{"state":"running"}`},
	}}
	// Retry-After is honoured up to the backoff maximum.
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.RetryWaitMax = 2 * time.Second })
	start := time.Now()
	st, err := c.ShowInstanceStatus(t.Context(), "i")
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("retried after %v, want at least the Retry-After of 1s", took)
	}
	if st.State != StateRunning || len(rec.requests()) != 2 {
		t.Errorf("state %q after %d requests, want running after 2", st.State, len(rec.requests()))
	}
}

func TestRetryOn500ThenSuccess(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		rec := &recorder{replies: []reply{{status: status, body: "oops"}, {status: 202, body: `{"instances":[{"id":"a"}]}`}}}
		c, _ := newTestClient(t, rec)
		resp, err := c.DeleteInstances(t.Context(), []string{"a"})
		if err != nil {
			t.Fatalf("status %d: %v", status, err)
		}
		if len(resp.Instances) != 1 || len(rec.requests()) != 2 {
			t.Errorf("status %d: %d requests, answer %+v", status, len(rec.requests()), resp)
		}
	}
}

func TestRetriesExhausted(t *testing.T) {
	rec := &recorder{replies: []reply{{status: 503, body: internalError, header: map[string]string{"X-Request-Id": "rq-7"}}}}
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := c.ListInstances(t.Context(), nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	if apiErr.StatusCode != 503 || apiErr.Attempts != 3 || apiErr.RequestID != "rq-7" || apiErr.Operation != "ListInstances" {
		t.Errorf("APIError %+v", apiErr)
	}
	if n := len(rec.requests()); n != 3 {
		t.Errorf("%d requests, want 1 + MaxRetries(2)", n)
	}
}

func TestRetriesDisabled(t *testing.T) {
	rec := &recorder{replies: []reply{{status: 503}}}
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.MaxRetries = -1 })
	if _, err := c.ListInstances(t.Context(), nil); err == nil {
		t.Fatal("want an error")
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409} {
		rec := &recorder{replies: []reply{{status: status, body: `{"error_code":"iMetal.0001","error_msg":"bad"}`}}}
		c, _ := newTestClient(t, rec)
		_, err := c.DeleteInstances(t.Context(), []string{"a"})
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("status %d: error %v", status, err)
		}
		if n := len(rec.requests()); n != 1 {
			t.Errorf("status %d: %d requests, want 1 (no retry)", status, n)
		}
	}
}

// TestCreateRetryPolicy checks that requests which must not run twice are
// retried only when the answer proves nothing happened.
func TestCreateRetryPolicy(t *testing.T) {
	tests := []struct {
		name     string
		first    reply
		wantReqs int
	}{
		{"429 is retried", reply{status: 429, body: `"Too many requests"`}, 2},
		{"500 iMetal.0099 is retried", reply{status: 500, body: internalError}, 2},
		{"500 without the code is not", reply{status: 500, body: "boom"}, 1},
		{"502 is not", reply{status: 502}, 1},
		{"504 is not", reply{status: 504}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{replies: []reply{tt.first, {status: 202, body: `{"instance_id":"0198170e-4ca7-7ee4-89a7-fa631843920b"}`}}}
			c, _ := newTestClient(t, rec)
			_, err := c.CreateInstance(t.Context(), &CreateInstanceRequest{Name: "n", Password: "p"})
			if n := len(rec.requests()); n != tt.wantReqs {
				t.Fatalf("%d requests, want %d (err %v)", n, tt.wantReqs, err)
			}
			if (err == nil) != (tt.wantReqs == 2) {
				t.Errorf("error = %v", err)
			}
		})
	}
}

// resetHandler closes the connection of the first failures requests without
// answering, then answers with ok.
type resetHandler struct {
	calls    atomic.Int32
	failures int32
	ok       reply
}

func (h *resetHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if h.calls.Add(1) <= h.failures {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("no hijacker")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // RST instead of FIN.
			}
			_ = conn.Close()
		}
		return
	}
	w.WriteHeader(h.ok.status)
	_, _ = w.Write([]byte(h.ok.body))
}

func TestCreateNotRetriedOnConnectionReset(t *testing.T) {
	h := &resetHandler{failures: 1, ok: reply{status: 202, body: `{"instance_id":"0198170e-4ca7-7ee4-89a7-fa631843920b"}`}}
	c, _ := newTestClient(t, h)
	_, err := c.CreateInstance(t.Context(), &CreateInstanceRequest{Name: "n", Password: "p"})
	if err == nil {
		t.Fatal("CreateInstance after a reset connection must fail, not retry")
	}
	if n := h.calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a connection error is not an APIError: %v", err)
	}

	// The same failure on a request that is safe to repeat is retried.
	h = &resetHandler{failures: 2, ok: reply{status: 200, body: `{"state":"running"}`}}
	c, _ = newTestClient(t, h)
	if _, err := c.ShowInstanceStatus(t.Context(), "i"); err != nil {
		t.Fatalf("ShowInstanceStatus must survive two resets: %v", err)
	}
	if n := h.calls.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// TestCreateRetriedWhenNeverConnected checks that a dial error (nothing was
// sent) is retried even for CreateInstance.
func TestCreateRetriedWhenNeverConnected(t *testing.T) {
	var dials atomic.Int32
	transport := &http.Transport{
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		},
	}
	c, err := NewClient(Config{
		Endpoint: "http://clouddc.invalid", ProjectID: "p", AuthToken: "t", MaxRetries: 3,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
		HTTPClient: &http.Client{Transport: transport},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateInstance(t.Context(), &CreateInstanceRequest{Name: "n"})
	if err == nil {
		t.Fatal("want an error")
	}
	if n := dials.Load(); n != 4 {
		t.Errorf("%d dials, want 1 + 3 retries", n)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	for _, name := range []string{"cancel", "deadline"} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{replies: []reply{{status: 503}}}
			c, _ := newTestClient(t, rec, func(cfg *Config) {
				cfg.RetryWaitMin, cfg.RetryWaitMax = time.Minute, time.Minute
			})
			var ctx context.Context
			var cancel context.CancelFunc
			want := context.Canceled
			if name == "cancel" {
				ctx, cancel = context.WithCancel(t.Context())
				time.AfterFunc(50*time.Millisecond, cancel)
			} else {
				ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
				want = context.DeadlineExceeded
			}
			defer cancel()
			start := time.Now()
			_, err := c.ListInstances(ctx, nil)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("returned after %v, want promptly after the context ended", took)
			}
			if !errors.Is(err, want) {
				t.Errorf("error %v, want %v", err, want)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
				t.Errorf("error %v should still carry the last API error", err)
			}
			if n := len(rec.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestRateLimitShared(t *testing.T) {
	rec := &recorder{replies: []reply{{status: 200, body: `{"state":"running"}`}}}
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.RequestsPerSecond = 20 })
	start := time.Now()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := c.ShowInstanceStatus(t.Context(), "i"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Burst 1 at 20/s: the first goes at once, the next five 50ms apart.
	if took := time.Since(start); took < 240*time.Millisecond {
		t.Errorf("6 concurrent calls at 20 rps took %v, want at least 250ms", took)
	}
	if n := len(rec.requests()); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}

	// The limiter honours the context.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.ShowInstanceStatus(ctx, "i"); !errors.Is(err, context.Canceled) {
		t.Errorf("limiter wait with a cancelled context: %v", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	c := &Client{waitMin: 100 * time.Millisecond, waitMax: time.Second}
	for attempt := 1; attempt <= 10; attempt++ {
		full := min(c.waitMin<<(attempt-1), c.waitMax)
		for range 50 {
			d, capped := c.backoff(attempt, 0)
			if d < full/2 || d > full || capped {
				t.Fatalf("attempt %d: backoff %v (capped %v) outside [%v, %v]", attempt, d, capped, full/2, full)
			}
		}
	}
	if d, capped := c.backoff(1, 500*time.Millisecond); d < 500*time.Millisecond || d > 500*time.Millisecond+c.waitMin/4 || capped {
		t.Errorf("Retry-After 500ms gave %v (capped %v)", d, capped)
	}
}

// TestRetryAfterCapped: a Retry-After beyond the backoff maximum (an hour,
// a day, an HTTP date in 9999) waits the maximum, never longer and never
// zero, and says that it was capped.
func TestRetryAfterCapped(t *testing.T) {
	c := &Client{waitMin: 100 * time.Millisecond, waitMax: time.Second}
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	for _, header := range []string{"3", "3600", "86400", "1e12", "Inf", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		asked := parseRetryAfter(header, now)
		if asked <= c.waitMax {
			t.Errorf("Retry-After %q parsed as %v, want more than the maximum %v", header, asked, c.waitMax)
		}
		for range 20 {
			d, capped := c.backoff(1, asked)
			if !capped || d > c.waitMax || d < c.waitMax-c.waitMin/4 {
				t.Fatalf("Retry-After %q: backoff %v (capped %v), want about the maximum %v and capped", header, d, capped, c.waitMax)
			}
		}
	}
}

// TestRetryAfterCappedEndToEnd: a 429 asking for a day is retried after
// RetryWaitMax (milliseconds here), not a day later.
func TestRetryAfterCappedEndToEnd(t *testing.T) {
	rec := &recorder{replies: []reply{
		{status: 429, body: `"Too many requests"`, header: map[string]string{"Retry-After": "86400"}},
		{status: 429, body: `"Too many requests"`, header: map[string]string{"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}},
		{status: 200, body: `{"state":"running"}`},
	}}
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.RetryWaitMax = 50 * time.Millisecond })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := c.ShowInstanceStatus(ctx, "i"); err != nil {
		t.Fatalf("ShowInstanceStatus: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("two capped Retry-After waits took %v, want about 2 x 50ms", took)
	}
	if n := len(rec.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{" 2 ", 2 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{"0", 0},
		{"-3", 0},
		{"NaN", 0},
		{"-Inf", 0},
		{"999999", 999999 * time.Second},
		{"1e300", maxRetryAfter},
		{"soon", 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", maxRetryAfter},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRateLimitWaitBeyondDeadline(t *testing.T) {
	rec := &recorder{replies: []reply{{status: 200, body: `{"state":"running"}`}}}
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.RequestsPerSecond = 0.5 })
	if _, err := c.ShowInstanceStatus(t.Context(), "i"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ShowInstanceStatus(ctx, "i")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want one that is context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v; the next slot is 2s away, so it should give up at once", took)
	}
}

func TestTransportErrorNamesAttempts(t *testing.T) {
	h := &resetHandler{failures: 100}
	c, _ := newTestClient(t, h, func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err := c.ListInstances(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "after 3 attempts") || !strings.Contains(err.Error(), "CloudDC ListInstances: GET /v1/") {
		t.Errorf("error %v", err)
	}
	if n := h.calls.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// TestContextEndsDuringRequest checks that an error answer that arrives as
// the context ends still reports the context's end.
func TestContextEndsDuringRequest(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		cancel()
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c, _ := newTestClient(t, h)
	_, err := c.ListInstances(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// TestTransientOneRule checks that the client's own retries (shouldRetry,
// for a request that is safe to repeat) and the rule every later retry uses
// (IsTransient: the lifecycle engine's) agree on every status, and what
// else IsTransient says.
func TestTransientOneRule(t *testing.T) {
	for status := 400; status < 600; status++ {
		res := result{status: status, body: []byte(`{"error_code":"iMetal.0099","error_msg":"x"}`), sent: true}
		retried, _ := shouldRetry(safeToRepeat, res)
		transient := IsTransient(&APIError{StatusCode: status, Code: CodeInternalError})
		if retried != transient {
			t.Errorf("HTTP %d: the client retries: %v, IsTransient: %v", status, retried, transient)
		}
		want := status == 429 || status == 500 || status == 502 || status == 503 || status == 504
		if transient != want {
			t.Errorf("HTTP %d: IsTransient = %v, want %v", status, transient, want)
		}
	}

	reset := &RequestError{Operation: "DeleteInstances", Method: "POST", Path: "/v1/p/instances/batch-delete", Attempts: 6,
		Err: errors.New("read: connection reset by peer")}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"no answer", reset, true},
		{"no answer, wrapped", fmt.Errorf("batch-delete: %w", reset), true},
		{"throttled, wrapped", fmt.Errorf("x: %w", &APIError{StatusCode: 429, Code: CodeTooManyRequests}), true},
		{"not implemented", &APIError{StatusCode: 501}, false},
		{"HTTP version not supported", &APIError{StatusCode: 505}, false},
		{"bad request", &APIError{StatusCode: 400, Code: CodeInvalidParameter}, false},
		{"not found", &APIError{StatusCode: 404, Code: CodeInstanceNotFound}, false},
		{"a 2xx answer not as documented", &AnswerError{Operation: "ListInstances", StatusCode: 200, Problem: `no "instances" array`}, false},
		{"the client refused to send it", errors.New("CloudDC DeleteInstances: at most 50 instance IDs per call, got 51"), false},
		{"canceled", fmt.Errorf("CloudDC ListInstances: %w (last error: %w)", context.Canceled, reset), false},
		{"deadline", &RequestError{Operation: "ListInstances", Err: context.DeadlineExceeded}, false},
		{"nil", nil, false},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestTransportErrorIsRequestError checks that a request without an answer
// comes back as a *RequestError that the transient rule knows.
func TestTransportErrorIsRequestError(t *testing.T) {
	h := &resetHandler{failures: 100}
	c, _ := newTestClient(t, h, func(cfg *Config) { cfg.MaxRetries = NoRetries })
	_, err := c.ListInstances(t.Context(), nil)
	var re *RequestError
	if !errors.As(err, &re) || re.Operation != "ListInstances" || re.Attempts != 1 {
		t.Fatalf("want a *RequestError of ListInstances after 1 attempt, got %T %v", err, err)
	}
	if !IsTransient(err) {
		t.Errorf("a reset connection must be transient: %v", err)
	}
}
