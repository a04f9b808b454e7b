package clouddc

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testProject = "0123456789abcdef0123456789abcdef"
	testToken   = "tok-SECRET-3f9a"
)

// recorded is what a test server saw of one request.
type recorded struct {
	Method string
	Host   string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// recorder is an httptest handler that records requests and answers them
// with the next scripted reply (the last reply repeats).
type recorder struct {
	mu      sync.Mutex
	reqs    []recorded
	replies []reply
}

// reply is one scripted answer.
type reply struct {
	status int
	body   string
	header map[string]string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{
		Method: r.Method, Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body),
	})
	n := len(rec.reqs)
	var rp reply
	if len(rec.replies) > 0 {
		rp = rec.replies[min(n, len(rec.replies))-1]
	} else {
		rp = reply{status: http.StatusOK, body: "{}"}
	}
	rec.mu.Unlock()
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rp.status)
	_, _ = io.WriteString(w, rp.body)
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

// newTestClient starts an httptest server with h and returns a token client
// for it with millisecond backoff.
func newTestClient(t *testing.T, h http.Handler, mutate ...func(*Config)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{
		Endpoint:     srv.URL,
		ProjectID:    testProject,
		AuthToken:    testToken,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 4 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, srv
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	if got == "" || want == "" {
		return got == want
	}
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

func TestNewClientValidation(t *testing.T) {
	ok := Config{Endpoint: "https://clouddc.cn-east-3.myhuaweicloud.com", ProjectID: testProject, AuthToken: "t"}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"token", func(*Config) {}, ""},
		{"aksk", func(c *Config) { c.AuthToken, c.AccessKey, c.SecretKey = "", "AK", "SK" }, ""},
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint is required"},
		{"bad scheme", func(c *Config) { c.Endpoint = "ftp://x" }, "http:// or https://"},
		{"no host", func(c *Config) { c.Endpoint = "http://" }, "http:// or https://"},
		{"query", func(c *Config) { c.Endpoint = "http://x/?a=b" }, "query"},
		{"not a url", func(c *Config) { c.Endpoint = "http://[::1" }, "not a URL"},
		{"no project", func(c *Config) { c.ProjectID = "" }, "project ID is required"},
		{"both auth", func(c *Config) { c.AccessKey, c.SecretKey = "AK", "SK" }, "not both"},
		{"no auth", func(c *Config) { c.AuthToken = "" }, "credentials are required"},
		{"ak without sk", func(c *Config) { c.AuthToken, c.AccessKey = "", "AK" }, "secret key"},
		{"sk without ak", func(c *Config) { c.AuthToken, c.SecretKey = "", "SK" }, "secret key"},
		{"negative rps", func(c *Config) { c.RequestsPerSecond = -1 }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mutate(&cfg)
			_, err := NewClient(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewClient: unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewClient error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	c, err := NewClient(Config{Endpoint: "http://127.0.0.1:1/", ProjectID: "p", AuthToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != DefaultMaxRetries || c.userAgent != DefaultUserAgent || c.limiter != nil {
		t.Errorf("defaults: maxRetries=%d userAgent=%q limiter=%v", c.maxRetries, c.userAgent, c.limiter)
	}
	c, err = NewClient(Config{Endpoint: "http://127.0.0.1:1", ProjectID: "p", AuthToken: "t", MaxRetries: -1, RequestsPerSecond: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != 0 || c.limiter == nil {
		t.Errorf("MaxRetries -1 must disable retries (got %d) and RPS must set a limiter", c.maxRetries)
	}
}

func TestTransportTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"state":"running"}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // The refused handshake is expected.
	srv.StartTLS()
	t.Cleanup(srv.Close)

	strict, err := NewClient(Config{Endpoint: srv.URL, ProjectID: "p", AuthToken: "t", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strict.ShowInstanceStatus(t.Context(), "i"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed certificate must be refused by default, got %v", err)
	}
	insecure, err := NewClient(Config{Endpoint: srv.URL, ProjectID: "p", AuthToken: "t", Insecure: true, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	st, err := insecure.ShowInstanceStatus(t.Context(), "i")
	if err != nil || st.State != StateRunning {
		t.Fatalf("insecure client: status %+v, err %v", st, err)
	}
}

func TestHeadersTokenAuth(t *testing.T) {
	rec := &recorder{replies: []reply{{status: 200, body: `{"state":"running"}`}}}
	c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.UserAgent = "terraform-provider-clouddc/1.2.3" })
	if _, err := c.ShowInstanceStatus(t.Context(), "abc"); err != nil {
		t.Fatal(err)
	}
	h := rec.requests()[0].Header
	checks := map[string]string{
		"X-Auth-Token": testToken,
		"User-Agent":   "terraform-provider-clouddc/1.2.3",
		"Accept":       "application/json",
		"Content-Type": "application/json",
	}
	for k, want := range checks {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"Authorization", "X-Sdk-Date"} {
		if h.Get(k) != "" {
			t.Errorf("token auth must not send %s", k)
		}
	}
}

func TestDefaultUserAgent(t *testing.T) {
	rec := &recorder{}
	c, _ := newTestClient(t, rec)
	if err := c.DeleteInstance(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
	if got := rec.requests()[0].Header.Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, DefaultUserAgent)
	}
}

func TestEndpointWithBasePath(t *testing.T) {
	rec := &recorder{}
	_, srv := newTestClient(t, rec)
	c, err := NewClient(Config{Endpoint: srv.URL + "/prefix/", ProjectID: testProject, AuthToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteInstance(t.Context(), "id1"); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.requests()[0].Path, "/prefix/v1/"+testProject+"/instances/id1"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
}

func TestRegions(t *testing.T) {
	for _, r := range KnownRegions() {
		ep, err := EndpointForRegion(r)
		if err != nil || ep != "https://clouddc."+r+".myhuaweicloud.com" {
			t.Errorf("EndpointForRegion(%q) = %q, %v", r, ep, err)
		}
	}
	if len(KnownRegions()) != 4 {
		t.Errorf("KnownRegions() = %v, want the 4 documented regions", KnownRegions())
	}
	_, err := EndpointForRegion("eu-west-0")
	if err == nil || !strings.Contains(err.Error(), "cn-southwest-2") {
		t.Errorf("unknown region error must list the known regions, got %v", err)
	}
	regions := KnownRegions()
	regions[0] = "mutated"
	if KnownRegions()[0] == "mutated" {
		t.Error("KnownRegions must return a copy")
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var leaked sync.Mutex
	var leakedToken string
	other := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		leaked.Lock()
		leakedToken = r.Header.Get("X-Auth-Token")
		leaked.Unlock()
	}))
	t.Cleanup(other.Close)
	rec := &recorder{replies: []reply{{status: http.StatusFound, header: map[string]string{"Location": other.URL + "/steal"}}}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{Endpoint: srv.URL, ProjectID: testProject, AuthToken: testToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ShowInstanceStatus(t.Context(), "i")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Errorf("a redirect must be an error answer, got %v", err)
	}
	leaked.Lock()
	defer leaked.Unlock()
	if leakedToken != "" {
		t.Error("the token was sent to the redirect target")
	}
}

func TestUndecodableAnswer(t *testing.T) {
	rec := &recorder{replies: []reply{{status: 200, body: `<html>not json</html>`, header: map[string]string{"X-Request-Id": "r-9"}}}}
	c, _ := newTestClient(t, rec)
	_, err := c.ListServers(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "CloudDC ListServers: decode 200 answer (request id r-9)") {
		t.Errorf("error %v", err)
	}
	if len(rec.requests()) != 1 {
		t.Error("an undecodable 2xx answer must not be retried")
	}
	if c.ProjectID() != testProject {
		t.Errorf("ProjectID() = %q", c.ProjectID())
	}
}
