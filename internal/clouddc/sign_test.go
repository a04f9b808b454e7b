package clouddc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

const (
	testAK = "HPUAEXAMPLEACCESSKEY"
	testSK = "sk-SECRET-Zq8w1s9d0f7g6h5j4k3l"
	testST = "st-SECRET-temporary-token"
)

var signTime = time.Date(2026, 11, 29, 8, 30, 15, 0, time.UTC)

// newAKSKClient returns an AK/SK client for rec whose clock reads signTime.
func newAKSKClient(t *testing.T, rec http.Handler, securityToken string) *Client {
	t.Helper()
	c, _ := newTestClient(t, rec, func(cfg *Config) {
		cfg.AuthToken = ""
		cfg.AccessKey, cfg.SecretKey, cfg.SecurityToken = testAK, testSK, securityToken
	})
	c.now = func() time.Time { return signTime }
	return c
}

// officialAuthorization signs the recorded request with the official SDK's
// basic.Credentials, the way the SDK's own HTTP client does for CloudDC
// (path template with {project_id} filled in by the credentials).
func officialAuthorization(t *testing.T, endpoint string, r recorded, pathTemplate, securityToken string) (string, map[string]string) {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	b := request.NewHttpRequestBuilder().
		WithEndpoint(endpoint).
		WithMethod(r.Method).
		WithPath(pathTemplate).
		WithSigningAlgorithm(algorithm.GetDefaultSigningAlgorithm()).
		AddHeaderParam("Host", u.Host).
		AddHeaderParam("Content-Type", r.Header.Get("Content-Type")).
		AddHeaderParam("X-Sdk-Date", r.Header.Get("X-Sdk-Date"))
	q, err := url.ParseQuery(r.Query)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range q {
		b.AddQueryParam(k, reflect.ValueOf(v[0]))
	}
	if r.Body != "" {
		b.WithBody("", r.Body)
	}
	builder := basic.NewCredentialsBuilder().WithAk(testAK).WithSk(testSK).WithProjectId(testProject)
	if securityToken != "" {
		builder = builder.WithSecurityToken(securityToken)
	}
	cred, err := builder.SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	req, err := cred.ProcessAuthRequest(nil, b.Build())
	if err != nil {
		t.Fatalf("official ProcessAuthRequest: %v", err)
	}
	if got, want := req.GetPath(), r.Path; got != want {
		t.Fatalf("official path %q, client path %q", got, want)
	}
	return req.GetHeaderParams()["Authorization"], req.GetHeaderParams()
}

// TestSignatureMatchesOfficialSDK proves that the Authorization header the
// client sends is exactly what the official SDK's credentials produce for
// the same request and date: GET with a query, POST with a body, temporary
// credentials with X-Security-Token.
func TestSignatureMatchesOfficialSDK(t *testing.T) {
	tests := []struct {
		name          string
		securityToken string
		call          func(c *Client) error
		template      string
		reply         string // the answer's body; default {"instances":[]}
	}{
		{
			name: "ListInstances with filters",
			call: func(c *Client) error {
				_, err := c.ListInstances(t.Context(), &ListInstancesRequest{
					Limit: 100, Marker: "m/1 +x", InstanceState: StateShuttingDown, InstanceIDs: []string{"a", "b"},
				})
				return err
			},
			template: "/v1/{project_id}/instances",
		},
		{
			name:  "DeleteInstances body",
			reply: `{"instances":[{"id":"0198170e-4ca7-7ee4-89a7-fa631843920b"}]}`,
			call: func(c *Client) error {
				_, err := c.DeleteInstances(t.Context(), []string{"0198170e-4ca7-7ee4-89a7-fa631843920b"})
				return err
			},
			template: "/v1/{project_id}/instances/batch-delete",
		},
		{
			name:          "temporary credentials",
			securityToken: testST,
			call: func(c *Client) error {
				return c.DeleteInstance(t.Context(), "0198170e-4ca7-7ee4-89a7-fa631843920b")
			},
			template: "/v1/{project_id}/instances/0198170e-4ca7-7ee4-89a7-fa631843920b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.reply == "" {
				tt.reply = `{"instances":[]}`
			}
			rec := &recorder{replies: []reply{{status: http.StatusOK, body: tt.reply}}}
			c := newAKSKClient(t, rec, tt.securityToken)
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			r := rec.requests()[0]
			want, headers := officialAuthorization(t, c.base.String(), r, tt.template, tt.securityToken)
			got := r.Header.Get("Authorization")
			if got != want {
				t.Fatalf("Authorization\n got  %s\n want %s", got, want)
			}
			if !strings.HasPrefix(got, "SDK-HMAC-SHA256 Access="+testAK+", SignedHeaders=host;x-project-id;") {
				t.Errorf("Authorization %q does not sign host and x-project-id", got)
			}
			if d := r.Header.Get("X-Sdk-Date"); d != "20261129T083015Z" {
				t.Errorf("X-Sdk-Date = %q", d)
			}
			for _, h := range []string{"X-Project-Id", "X-Security-Token"} {
				if r.Header.Get(h) != headers[h] {
					t.Errorf("%s = %q, official SDK sends %q", h, r.Header.Get(h), headers[h])
				}
			}
			if r.Header.Get("X-Auth-Token") != "" {
				t.Error("AK/SK requests must not carry X-Auth-Token")
			}
			if err := verifySignature(r, r.Host, testSK); err != nil {
				t.Errorf("server-side verification: %v", err)
			}
		})
	}
}

// TestSignatureServerSideVerification checks the signature the way a server
// (the emulator, the API gateway) does, from nothing but the received
// request and the secret key, and that tampering is detected.
func TestSignatureServerSideVerification(t *testing.T) {
	var verr error
	var reqs int
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs++
		body, _ := io.ReadAll(r.Body)
		rr := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)}
		verr = verifySignature(rr, r.Host, testSK)
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"instances":[]}`))
	})
	c := newAKSKClient(t, h, testST)
	if _, err := c.ReinstallOS(t.Context(), &ReinstallOSRequest{Password: "Passw0rd!x", InstanceIDSet: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if verr != nil {
		t.Fatalf("server could not verify the signature: %v", verr)
	}

	rec := &recorder{replies: []reply{{status: http.StatusOK, body: `{"instances":[]}`}}}
	c = newAKSKClient(t, rec, "")
	if _, err := c.ListInstances(t.Context(), &ListInstancesRequest{InstanceIDs: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	host := strings.TrimPrefix(c.base.String(), "http://")
	tampered := []func(r *recorded){
		func(r *recorded) { r.Query = "instance_id=y" },
		func(r *recorded) { r.Path += "x" },
		func(r *recorded) { r.Method = http.MethodDelete },
		func(r *recorded) { r.Header.Set("X-Project-Id", "other") },
		func(r *recorded) { r.Header.Set("X-Sdk-Date", "20261129T083016Z") },
	}
	if err := verifySignature(r, host, testSK); err != nil {
		t.Fatalf("untampered request: %v", err)
	}
	for i, tamper := range tampered {
		cp := r
		cp.Header = r.Header.Clone()
		tamper(&cp)
		if verifySignature(cp, host, testSK) == nil {
			t.Errorf("tampering #%d not detected", i)
		}
	}
	if verifySignature(r, host, "wrong") == nil {
		t.Error("wrong secret key not detected")
	}
}

// TestSignedAgainEveryAttempt checks that a retried request carries a fresh
// X-Sdk-Date and signature and the same body.
func TestSignedAgainEveryAttempt(t *testing.T) {
	rec := &recorder{replies: []reply{
		{status: 500, body: `{"error_code":"iMetal.0099","error_msg":"Internal server error"}`},
		{status: 202, body: `{"instances":[{"id":"a"}]}`},
	}}
	c := newAKSKClient(t, rec, "")
	tick := signTime
	c.now = func() time.Time { tick = tick.Add(time.Second); return tick }
	if _, err := c.DeleteInstances(t.Context(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if reqs[0].Header.Get("X-Sdk-Date") == reqs[1].Header.Get("X-Sdk-Date") ||
		reqs[0].Header.Get("Authorization") == reqs[1].Header.Get("Authorization") {
		t.Error("the retry reused the first attempt's date or signature")
	}
	if reqs[0].Body != `{"instance_id_set":["a"]}` || reqs[1].Body != reqs[0].Body {
		t.Errorf("bodies %q and %q, want the same full body twice", reqs[0].Body, reqs[1].Body)
	}
	for i, r := range reqs {
		if err := verifySignature(r, r.Host, testSK); err != nil {
			t.Errorf("attempt %d: %v", i+1, err)
		}
	}
}

// verifySignature checks an SDK-HMAC-SHA256 Authorization header from first
// principles, as a server would: canonical request (method, path with a
// trailing slash, sorted query, signed headers, body hash), string to sign,
// HMAC with the secret key. host is the request's Host.
func verifySignature(r recorded, host, secretKey string) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "SDK-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("authorization %q is not SDK-HMAC-SHA256", auth)
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(p, "=")
		parts[k] = v
	}
	signed := strings.Split(parts["SignedHeaders"], ";")
	if !slices.Contains(signed, "x-sdk-date") {
		return fmt.Errorf("x-sdk-date is not signed: %q", parts["SignedHeaders"])
	}

	segs := strings.Split(r.Path, "/")
	for i, s := range segs {
		segs[i] = sdkEscape(s)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	q, err := url.ParseQuery(r.Query)
	if err != nil {
		return err
	}
	var qs []string
	for k, vs := range q {
		for _, v := range vs {
			qs = append(qs, sdkEscape(k)+"="+sdkEscape(v))
		}
	}
	slices.Sort(qs)
	var hs []string
	for _, name := range signed {
		v := r.Header.Get(name)
		if name == "host" {
			v = host
		}
		hs = append(hs, name+":"+strings.TrimSpace(v))
	}
	bodyHash := sha256.Sum256([]byte(r.Body))
	canonical := strings.Join([]string{
		r.Method, uri, strings.Join(qs, "&"), strings.Join(hs, "\n") + "\n",
		parts["SignedHeaders"], hex.EncodeToString(bodyHash[:]),
	}, "\n")
	crHash := sha256.Sum256([]byte(canonical))
	sts := "SDK-HMAC-SHA256\n" + r.Header.Get("X-Sdk-Date") + "\n" + hex.EncodeToString(crHash[:])
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(sts))
	if want := hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(parts["Signature"])) {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

// sdkEscape percent-encodes everything but unreserved characters, as the
// signing algorithm requires.
func sdkEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
