package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// AK/SK request signing as the official Huawei Cloud SDKs do it
// ("SDK-HMAC-SHA256", huaweicloud-sdk-go-v3 core/auth/signer). The
// emulator recomputes the signature over the headers the client lists in
// SignedHeaders, exactly as the SDK's signer canonicalises a request, and
// compares in constant time. signature_test.go checks it against the SDK's
// own signer.

const (
	signAlgorithm     = "SDK-HMAC-SHA256"
	headerSdkDate     = "X-Sdk-Date"
	headerContentHash = "X-Sdk-Content-Sha256"
	sdkDateFormat     = "20060102T150405Z"
)

// signedRequest is the part of an HTTP request that a signature covers.
type signedRequest struct {
	Method   string
	Path     string // unescaped URL path
	RawQuery string
	Host     string
	Header   http.Header
	Body     []byte
}

// authorization is a parsed "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=..." header.
type authorization struct {
	access        string
	signedHeaders []string
	signature     string
}

func parseAuthorization(v string) (authorization, error) {
	rest, ok := strings.CutPrefix(v, signAlgorithm+" ")
	if !ok {
		return authorization{}, errors.New("the Authorization header does not use " + signAlgorithm)
	}
	var a authorization
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, errors.New("malformed Authorization header")
		}
		switch k {
		case "Access":
			a.access = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	if a.access == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return authorization{}, errors.New("the Authorization header lacks Access, SignedHeaders or Signature")
	}
	for _, h := range a.signedHeaders {
		if h == "" || h != strings.ToLower(h) {
			return authorization{}, errors.New("SignedHeaders must list lower-case header names")
		}
	}
	if !slices.IsSorted(a.signedHeaders) {
		return authorization{}, errors.New("SignedHeaders must be sorted")
	}
	return a, nil
}

// verifySignature checks the AK/SK signature of req at time now. The error
// says what is wrong without revealing any secret.
func verifySignature(req signedRequest, ak, sk string, now time.Time) error {
	a, err := parseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(a.access), []byte(ak)) != 1 {
		return errors.New("unknown access key")
	}
	date := req.Header.Get(headerSdkDate)
	if date == "" {
		return errors.New("the " + headerSdkDate + " header is missing")
	}
	t, err := time.Parse(sdkDateFormat, date)
	if err != nil {
		return fmt.Errorf("the %s header is not in the form YYYYMMDDTHHMMSSZ", headerSdkDate)
	}
	if skew := now.Sub(t); skew > MaxClockSkew || skew < -MaxClockSkew {
		return fmt.Errorf("the request time %s differs from the server time by more than %s", date, MaxClockSkew)
	}
	want := signature(req, a.signedHeaders, date, sk)
	got, err := hex.DecodeString(a.signature)
	if err != nil || !hmac.Equal(got, want) {
		return errors.New("the request signature does not match")
	}
	return nil
}

// signature computes the SDK-HMAC-SHA256 signature of req.
func signature(req signedRequest, signedHeaders []string, date, sk string) []byte {
	sts := signAlgorithm + "\n" + date + "\n" + hexSHA256([]byte(canonicalRequest(req, signedHeaders)))
	m := hmac.New(sha256.New, []byte(sk))
	m.Write([]byte(sts))
	return m.Sum(nil)
}

// canonicalRequest is the SDK's canonical form: method, URI, query,
// headers, signed header list and body hash, one per line.
func canonicalRequest(req signedRequest, signedHeaders []string) string {
	bodyHash := req.Header.Get(headerContentHash)
	if bodyHash == "" {
		bodyHash = hexSHA256(req.Body)
	}
	return strings.Join([]string{
		req.Method,
		canonicalURI(req.Path),
		canonicalQuery(req.RawQuery),
		canonicalHeaders(req, signedHeaders),
		strings.Join(signedHeaders, ";"),
		bodyHash,
	}, "\n")
}

func canonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = sdkEscape(s)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

func canonicalQuery(raw string) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		// A query the server cannot parse cannot match a signature either;
		// canonicalise what is there so verification simply fails.
		return raw
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	})
	var parts []string
	for _, k := range keys {
		vals := slices.Clone(q[k])
		slices.Sort(vals)
		for _, v := range vals {
			parts = append(parts, sdkEscape(k)+"="+sdkEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

func canonicalHeaders(req signedRequest, signedHeaders []string) string {
	var b strings.Builder
	for _, name := range signedHeaders {
		var vals []string
		if name == "host" {
			vals = []string{req.Host}
		} else {
			vals = slices.Clone(req.Header.Values(name))
		}
		slices.Sort(vals)
		for _, v := range vals {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sdkEscape percent-encodes everything but unreserved characters, as the SDK's signer does.
func sdkEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}
