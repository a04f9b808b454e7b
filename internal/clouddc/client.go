// Package clouddc is the client of the Huawei Cloud CloudDC v1 API (bare-metal
// "iMetal" instances on customer-owned physical servers): request building,
// authentication (token and AK/SK), retries, typed errors and the models,
// and the rules for reading the API's answers: when an answer proves that an
// instance is gone and when a listing is complete (evidence.go), what a
// success answer must hold (answers.go), and what is transient (retry.go).
// Nothing else: the engine that deletes in batches and waits is package
// lifecycle, which uses this one.
package clouddc

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Defaults applied by NewClient to zero Config fields.
const (
	DefaultMaxRetries     = 5
	DefaultRetryWaitMin   = 1 * time.Second
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultRequestTimeout = 2 * time.Minute
	DefaultUserAgent      = "terraform-provider-clouddc/dev"
)

// NoRetries as Config.MaxRetries sends every request once.
const NoRetries = -1

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 32 << 20

// Config configures a Client.
type Config struct {
	// Endpoint is the base URL, e.g.
	// https://clouddc.cn-southwest-2.myhuaweicloud.com or http://127.0.0.1:8787.
	Endpoint string
	// ProjectID is the project every request is scoped to.
	ProjectID string
	// AuthToken is sent as X-Auth-Token. Set it, or AccessKey and SecretKey.
	AuthToken string
	// AccessKey and SecretKey sign every request with SDK-HMAC-SHA256, as the
	// official Huawei Cloud SDK does. SecurityToken is the token of temporary
	// AK/SK credentials (sent as X-Security-Token).
	AccessKey, SecretKey, SecurityToken string
	// MaxRetries is how many times a failed request is repeated after the
	// first attempt: 0 means DefaultMaxRetries, NoRetries (any negative
	// value) disables retries.
	MaxRetries int
	// RequestsPerSecond limits the requests this client sends, shared by all
	// calls on it (retries included); 0 means unlimited.
	RequestsPerSecond float64
	// Insecure skips TLS certificate verification.
	Insecure bool
	// UserAgent is the User-Agent header, e.g. "terraform-provider-clouddc/1.2.3";
	// empty means DefaultUserAgent.
	UserAgent string
	// HTTPClient replaces the client's own HTTP client (tests); Insecure is
	// then ignored.
	HTTPClient *http.Client

	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// attempts when the API does not say how long to wait (Retry-After);
	// zero means DefaultRetryWaitMin / DefaultRetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// RequestTimeout bounds one attempt (sending the request and reading the
	// answer); zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// Client calls the CloudDC API. It is safe for concurrent use.
type Client struct {
	base        *url.URL
	projectID   string
	token       string
	accessKey   string
	secretKey   string
	secToken    string
	userAgent   string
	maxRetries  int
	waitMin     time.Duration
	waitMax     time.Duration
	timeout     time.Duration
	httpClient  *http.Client
	limiter     *rate.Limiter
	now         func() time.Time
	secretsMask []string
}

// NewClient checks cfg and builds a Client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("CloudDC client: endpoint is required")
	}
	base, err := url.Parse(strings.TrimRight(cfg.Endpoint, "/"))
	if err != nil {
		return nil, fmt.Errorf("CloudDC client: endpoint %q is not a URL: %w", cfg.Endpoint, err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("CloudDC client: endpoint %q must be an http:// or https:// URL with a host", cfg.Endpoint)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("CloudDC client: endpoint %q must not carry a query or fragment", cfg.Endpoint)
	}
	if cfg.ProjectID == "" {
		return nil, errors.New("CloudDC client: project ID is required")
	}
	hasToken := cfg.AuthToken != ""
	hasAKSK := cfg.AccessKey != "" || cfg.SecretKey != ""
	switch {
	case hasToken && hasAKSK:
		return nil, errors.New("CloudDC client: set either an auth token or an access key and secret key, not both")
	case !hasToken && !hasAKSK:
		return nil, errors.New("CloudDC client: credentials are required: an auth token, or an access key and secret key")
	case hasAKSK && (cfg.AccessKey == "" || cfg.SecretKey == ""):
		return nil, errors.New("CloudDC client: an access key needs its secret key and vice versa")
	}
	if cfg.RequestsPerSecond < 0 {
		return nil, fmt.Errorf("CloudDC client: requests per second must not be negative, got %v", cfg.RequestsPerSecond)
	}

	c := &Client{
		base:       base,
		projectID:  cfg.ProjectID,
		token:      cfg.AuthToken,
		accessKey:  cfg.AccessKey,
		secretKey:  cfg.SecretKey,
		secToken:   cfg.SecurityToken,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		waitMin:    cfg.RetryWaitMin,
		waitMax:    cfg.RetryWaitMax,
		timeout:    cfg.RequestTimeout,
		httpClient: cfg.HTTPClient,
		now:        time.Now,
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.waitMin <= 0 {
		c.waitMin = DefaultRetryWaitMin
	}
	if c.waitMax <= 0 {
		c.waitMax = DefaultRetryWaitMax
	}
	if c.waitMax < c.waitMin {
		c.waitMax = c.waitMin
	}
	if c.timeout <= 0 {
		c.timeout = DefaultRequestTimeout
	}
	if cfg.RequestsPerSecond > 0 {
		// Burst 1: requests are spaced evenly rather than sent in bursts,
		// which is what a server-side limiter tolerates best.
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), 1)
	}
	if c.httpClient == nil {
		c.httpClient = newHTTPClient(cfg.Insecure)
	}
	for _, s := range []string{cfg.AuthToken, cfg.SecretKey, cfg.SecurityToken} {
		if s != "" {
			c.secretsMask = append(c.secretsMask, s)
		}
	}
	return c, nil
}

// newHTTPClient builds the HTTP client from a clone of http.DefaultTransport
// (proxy from the environment, HTTP/2, default certificate verification that
// honours SSL_CERT_FILE / SSL_CERT_DIR).
func newHTTPClient(insecure bool) *http.Client {
	var transport *http.Transport
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = t.Clone()
	} else {
		transport = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	if insecure {
		if transport.TLSClientConfig == nil {
			transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		transport.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // Opt-in by the user (insecure = true).
	}
	return &http.Client{
		Transport: transport,
		// The API never redirects. Following one would re-send the request
		// (and a custom X-Auth-Token header, which net/http does not strip)
		// to wherever the answer points, so a redirect is an error answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ProjectID returns the project the client is scoped to.
func (c *Client) ProjectID() string { return c.projectID }

// operation describes one API call.
type operation struct {
	name   string     // API operation name, e.g. "DeleteInstances"
	method string     // HTTP method
	path   string     // path below /v1/{project_id}, already escaped
	query  url.Values // query parameters
	body   any        // JSON request body, nil for none
	safety retrySafety
}

// answer is what do learns of a 2xx answer besides its body, so that the
// callers' checks of the body can name the request.
type answer struct {
	status    int
	requestID string
	empty     bool // the body was empty (or only white space)
}

// bodyError is the *AnswerError for a 2xx answer of op whose body is not
// what the API documents.
func (a answer) bodyError(op, problem string) *AnswerError {
	if a.empty {
		problem = "the body is empty (" + problem + ")"
	}
	return &AnswerError{Operation: op, StatusCode: a.status, RequestID: a.requestID, Problem: problem}
}

// do performs op with retries and decodes a 2xx JSON answer into out (when
// out is not nil and the answer has a body). The caller checks that the body
// holds what the operation documents: do only knows it is JSON.
func (c *Client) do(ctx context.Context, op operation, out any) (answer, error) {
	var body []byte
	if op.body != nil {
		var err error
		if body, err = json.Marshal(op.body); err != nil {
			return answer{}, fmt.Errorf("CloudDC %s: encode request: %w", op.name, err)
		}
	}
	ctx = c.logContext(ctx)

	for attempt := 1; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				if ctx.Err() == nil {
					// The limiter refuses up front when the wait would
					// outlast the deadline; report it as the deadline.
					err = fmt.Errorf("%w before the next request slot (%v)", context.DeadlineExceeded, err)
				}
				return answer{}, fmt.Errorf("CloudDC %s: waiting for the client-side rate limit: %w", op.name, err)
			}
		}
		res := c.send(ctx, op, body, attempt)
		if res.err == nil && res.status >= 200 && res.status < 300 {
			return decodeAnswer(op, res, out)
		}

		var lastErr error
		if res.err != nil {
			lastErr = &RequestError{Operation: op.name, Method: op.method, Path: res.path, Attempts: attempt, Err: res.err}
		} else {
			apiErr := parseAPIError(op.name, res.status, res.header, res.body)
			apiErr.Attempts = attempt
			lastErr = apiErr
		}
		if err := ctx.Err(); err != nil {
			if errors.Is(lastErr, err) {
				return answer{}, lastErr
			}
			// The answer came as the context ended: callers test for
			// cancellation and deadlines with errors.Is, so say both.
			return answer{}, fmt.Errorf("CloudDC %s: %w (last error: %w)", op.name, err, lastErr)
		}
		retry, why := shouldRetry(op.safety, res)
		if !retry || attempt > c.maxRetries {
			return answer{}, lastErr
		}
		wait, capped := c.backoff(attempt, res.retryAfter)
		if capped {
			logRetryAfterCapped(ctx, op, res, wait, c.waitMax)
		}
		logRetry(ctx, op, res, attempt, wait, why)
		if err := sleepCtx(ctx, wait); err != nil {
			return answer{}, fmt.Errorf("CloudDC %s: gave up waiting to retry: %w (last error: %w)", op.name, err, lastErr)
		}
	}
}

// decodeAnswer decodes the JSON body of a 2xx answer into out (when out is
// not nil and the answer has a body).
func decodeAnswer(op operation, res result, out any) (answer, error) {
	ans := answer{status: res.status, requestID: res.requestID, empty: len(bytes.TrimSpace(res.body)) == 0}
	if out == nil || ans.empty {
		return ans, nil
	}
	if err := json.Unmarshal(res.body, out); err != nil {
		return ans, fmt.Errorf("CloudDC %s: decode %d answer (request id %s): %w", op.name, res.status, res.requestID, err)
	}
	return ans, nil
}

// result is the outcome of one attempt.
type result struct {
	path       string
	status     int
	header     http.Header
	body       []byte
	requestID  string
	retryAfter time.Duration
	err        error // transport error (no HTTP answer)
	sent       bool  // false when the error proves nothing reached the server
}

// send makes one attempt of op.
func (c *Client) send(ctx context.Context, op operation, body []byte, attempt int) result {
	u := *c.base
	u.Path = c.base.Path + "/v1/" + c.projectID + pathUnescaped(op.path)
	u.RawPath = c.base.EscapedPath() + "/v1/" + url.PathEscape(c.projectID) + op.path
	u.RawQuery = op.query.Encode()
	res := result{path: u.Path, sent: true}

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, op.method, u.String(), reader)
	if err != nil {
		res.err, res.sent = err, false
		return res
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	} else if err := signRequest(req, body, credentials{
		accessKey: c.accessKey, secretKey: c.secretKey, securityToken: c.secToken, projectID: c.projectID,
	}, c.now()); err != nil {
		res.err, res.sent = fmt.Errorf("sign request: %w", err), false
		return res
	}

	start := time.Now()
	resp, err := c.httpClient.Do(req)
	if err != nil {
		res.err = err
		res.sent = !isDialError(err)
		logAttempt(ctx, op, res, attempt, time.Since(start))
		return res
	}
	defer func() { _ = resp.Body.Close() }()
	res.status = resp.StatusCode
	res.header = resp.Header
	res.requestID = resp.Header.Get("X-Request-Id")
	res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	res.body, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil && res.status >= 200 && res.status < 300 {
		// The answer was cut off: the request did reach the server.
		res.err = fmt.Errorf("read %d answer: %w", res.status, err)
	}
	logAttempt(ctx, op, res, attempt, time.Since(start))
	return res
}

// attemptsNote says how many attempts were made, when more than one.
func attemptsNote(attempts int) string {
	if attempts <= 1 {
		return ""
	}
	return fmt.Sprintf(" (after %d attempts)", attempts)
}

// pathUnescaped returns the decoded form of an escaped path.
func pathUnescaped(escaped string) string {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return escaped
	}
	return p
}

// apiPath joins escaped path segments below /v1/{project_id}.
func apiPath(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}
