package emulator

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

const (
	sigAK = "EMULATORTESTAK0000001"
	sigSK = "emulator-test-secret-key-0123456789abcdef"
)

// sdkSigned signs a request with the official SDK's signer and returns it
// as the emulator would receive it (path and query parsed from the URL the
// SDK would send).
func sdkSigned(t testing.TB, method, path string, query map[string][]string, headers map[string]string, body string, at time.Time) signedRequest {
	t.Helper()
	b := request.NewHttpRequestBuilder().WithEndpoint("http://127.0.0.1:8787").WithMethod(method).WithPath(path)
	for k, v := range query {
		b.AddQueryParam(k, reflect.ValueOf(v))
	}
	b.AddHeaderParam("Content-Type", "application/json;charset=UTF-8")
	b.AddHeaderParam(headerSdkDate, at.UTC().Format(sdkDateFormat))
	for k, v := range headers {
		b.AddHeaderParam(k, v)
	}
	if body != "" {
		b.WithBody("", body)
	}
	add, err := signer.Signer{}.Sign(b.Build(), sigAK, sigSK)
	if err != nil {
		t.Fatalf("SDK signer: %v", err)
	}
	for k, v := range add {
		b.AddHeaderParam(k, v)
	}
	req, err := b.Build().ConvertRequest()
	if err != nil {
		t.Fatalf("SDK ConvertRequest: %v", err)
	}
	u, err := url.Parse(req.URL.String())
	if err != nil {
		t.Fatalf("parse the SDK's URL %s: %v", req.URL, err)
	}
	return signedRequest{Method: method, Path: u.Path, RawQuery: u.RawQuery, Host: u.Host, Header: req.Header, Body: []byte(body)}
}

func TestSignatureMatchesOfficialSDK(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	pid := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		method  string
		path    string
		query   map[string][]string
		headers map[string]string
		body    string
	}{
		{name: "list with filters", method: "GET", path: "/v1/" + pid + "/instances",
			query: map[string][]string{"limit": {"100"}, "instance_id": {"0198170e-4ca7-7ee4-89a7-fa631843920b,0198170e-4ca7-7ee4-89a7-fa631843920c"}, "instance_state": {"shutting-down"}}},
		{name: "batch delete body", method: "POST", path: "/v1/" + pid + "/instances/batch-delete",
			body: `{"instance_id_set":["0198170e-4ca7-7ee4-89a7-fa631843920b"]}` + "\n"},
		{name: "project header and user agent", method: "PUT", path: "/v1/" + pid + "/instances/password",
			headers: map[string]string{"X-Project-Id": pid, "User-Agent": "huaweicloud-usdk-go/3.0; terraform"},
			body:    `{"new_password":"x","instance_id_set":[]}`},
		{name: "query needing escapes", method: "GET", path: "/v1/" + pid + "/physicalservers",
			query: map[string][]string{"manage_state": {"in use"}, "marker": {"a+b/c=d&e"}}},
		{name: "repeated query key", method: "GET", path: "/v1/" + pid + "/instances",
			query: map[string][]string{"instance_id": {"b", "a"}}},
		{name: "delete without body", method: "DELETE", path: "/v1/" + pid + "/instances/0198170e-4ca7-7ee4-89a7-fa631843920b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sdkSigned(t, tt.method, tt.path, tt.query, tt.headers, tt.body, now.Add(-time.Minute))
			if err := verifySignature(req, sigAK, sigSK, now); err != nil {
				t.Fatalf("a request signed by the official SDK was refused: %v", err)
			}
			if err := verifySignature(req, sigAK, "wrong-secret", now); err == nil {
				t.Fatal("accepted with the wrong secret key")
			}
			if err := verifySignature(req, "OTHERAK", sigSK, now); err == nil || !strings.Contains(err.Error(), "access key") {
				t.Fatalf("another access key: %v, want an unknown access key error", err)
			}
			tampered := req
			tampered.Body = append([]byte(tt.body), ' ')
			if err := verifySignature(tampered, sigAK, sigSK, now); err == nil {
				t.Fatal("accepted a request whose body was changed after signing")
			}
			tampered = req
			tampered.Path += "x"
			if err := verifySignature(tampered, sigAK, sigSK, now); err == nil {
				t.Fatal("accepted a request whose path was changed after signing")
			}
			tampered = req
			tampered.RawQuery += "&limit=1000"
			if err := verifySignature(tampered, sigAK, sigSK, now); err == nil {
				t.Fatal("accepted a request whose query was changed after signing")
			}
		})
	}
}

func TestSignatureClockSkew(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	path := "/v1/0123456789abcdef0123456789abcdef/instances"
	for _, tt := range []struct {
		name   string
		signed time.Time
		ok     bool
	}{
		{"on time", now, true},
		{"14 minutes slow", now.Add(-14 * time.Minute), true},
		{"14 minutes fast", now.Add(14 * time.Minute), true},
		{"16 minutes slow", now.Add(-16 * time.Minute), false},
		{"16 minutes fast", now.Add(16 * time.Minute), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := verifySignature(sdkSigned(t, "GET", path, nil, nil, "", tt.signed), sigAK, sigSK, now)
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), "differs from the server time")) {
				t.Fatalf("got %v, want a clock skew error", err)
			}
		})
	}
}

func TestSignatureMalformedAuthorization(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	good := sdkSigned(t, "GET", "/v1/p/instances", nil, nil, "", now)
	goodAuth := good.Header.Get("Authorization")
	for _, tt := range []struct{ name, auth, date string }{
		{"empty", "", good.Header.Get(headerSdkDate)},
		{"other algorithm", strings.Replace(goodAuth, "SDK-HMAC-SHA256", "AWS4-HMAC-SHA256", 1), good.Header.Get(headerSdkDate)},
		{"no signature", "SDK-HMAC-SHA256 Access=" + sigAK + ", SignedHeaders=x-sdk-date", good.Header.Get(headerSdkDate)},
		{"signature not hex", strings.Split(goodAuth, "Signature=")[0] + "Signature=zz", good.Header.Get(headerSdkDate)},
		{"upper-case signed header", strings.Replace(goodAuth, "x-sdk-date", "X-Sdk-Date", 1), good.Header.Get(headerSdkDate)},
		{"missing date", goodAuth, ""},
		{"bad date", goodAuth, "2026-03-01 12:00:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			req.Header = good.Header.Clone()
			req.Header.Set("Authorization", tt.auth)
			req.Header.Set(headerSdkDate, tt.date)
			if tt.date == "" {
				req.Header.Del(headerSdkDate)
			}
			if err := verifySignature(req, sigAK, sigSK, now); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// FuzzSignature checks, for arbitrary requests, that whatever the official
// SDK signs is accepted, that the same request with another body is
// refused, and that an arbitrary Authorization header never verifies.
func FuzzSignature(f *testing.F) {
	f.Add("GET", "instances", "limit", "10", "", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=00")
	f.Add("POST", "instances/batch-delete", "", "", `{"instance_id_set":["a"]}`, "garbage")
	f.Add("PUT", "physicalservers/power-state", "marker", "a b+c", `{"action":"power on"}`, "SDK-HMAC-SHA256 ")
	f.Add("DELETE", "instances/ü/%2F", "k", "", "", "SDK-HMAC-SHA256 Access=,,,")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, method, sub, qk, qv, body, auth string) {
		if !validToken(method) || strings.ContainsAny(sub, "?#") || !printable(sub+qk+qv) {
			t.Skip()
		}
		query := map[string][]string{}
		if qk != "" {
			query[qk] = []string{qv}
		}
		path := "/v1/0123456789abcdef0123456789abcdef/" + sub
		req := sdkSigned(t, method, path, query, nil, body, now)
		if err := verifySignature(req, sigAK, sigSK, now); err != nil {
			t.Fatalf("SDK-signed %s %q query %v body %q refused: %v", method, path, query, body, err)
		}
		other := req
		other.Body = []byte(body + "x")
		if err := verifySignature(other, sigAK, sigSK, now); err == nil {
			t.Fatal("accepted a changed body")
		}
		forged := req
		forged.Header = req.Header.Clone()
		forged.Header.Set("Authorization", auth)
		if auth != req.Header.Get("Authorization") {
			if err := verifySignature(forged, sigAK, sigSK, now); err == nil {
				t.Fatalf("accepted a forged Authorization %q", auth)
			}
		}
	})
}

func validToken(method string) bool {
	if method == "" {
		return false
	}
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	for _, c := range s {
		if !unicode.IsPrint(c) || c == unicode.ReplacementChar {
			return false
		}
	}
	return true
}
