package clouddc

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAPIError(t *testing.T) {
	long := strings.Repeat("x", 1000)
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   APIError
	}{
		{
			name: "documented JSON", status: 404,
			header: http.Header{"X-Request-Id": {"req-1"}},
			body:   `{"error_code":"iMetal.0200","error_msg":"Instances not found: [a, b]"}`,
			want:   APIError{StatusCode: 404, Code: "iMetal.0200", Message: "Instances not found: [a, b]", RequestID: "req-1", Operation: "Op"},
		},
		{
			name: "API gateway JSON with request_id", status: 401,
			body: `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"gw-9"}`,
			want: APIError{StatusCode: 401, Code: "APIGW.0301", Message: "Incorrect IAM authentication information", RequestID: "gw-9", Operation: "Op"},
		},
		{
			name: "header request id wins over body", status: 500,
			header: http.Header{"X-Request-Id": {"hdr"}},
			body:   `{"error_code":"iMetal.0099","error_msg":"Internal server error","request_id":"body"}`,
			want:   APIError{StatusCode: 500, Code: "iMetal.0099", Message: "Internal server error", RequestID: "hdr", Operation: "Op"},
		},
		{
			name: "bare JSON string 429", status: 429,
			body: `"Too many requests"`,
			want: APIError{StatusCode: 429, Code: "iMetal.0005", Message: "Too many requests", Operation: "Op"},
		},
		{
			name: "plain text 429", status: 429,
			body: "Too many requests\n",
			want: APIError{StatusCode: 429, Code: "iMetal.0005", Message: "Too many requests", Operation: "Op"},
		},
		{
			name: "empty body", status: 503,
			want: APIError{StatusCode: 503, Operation: "Op"},
		},
		{
			name: "HTML page", status: 502,
			body: "<html>\r\n<body>Bad\tGateway</body></html>",
			want: APIError{StatusCode: 502, Message: "<html> <body>Bad Gateway</body></html>", Operation: "Op"},
		},
		{
			name: "JSON object without the fields", status: 400,
			body: `{"message":"nope"}`,
			want: APIError{StatusCode: 400, Message: `{"message":"nope"}`, Operation: "Op"},
		},
		{
			name: "broken JSON", status: 400,
			body: `{"error_code":`,
			want: APIError{StatusCode: 400, Message: `{"error_code":`, Operation: "Op"},
		},
		{
			name: "broken JSON string", status: 429,
			body: `"unterminated`,
			want: APIError{StatusCode: 429, Code: "iMetal.0005", Message: `"unterminated`, Operation: "Op"},
		},
		{
			name: "long garbage is truncated", status: 500,
			body: long,
			want: APIError{StatusCode: 500, Message: strings.Repeat("x", maxErrorBodyChars) + "…", Operation: "Op"},
		},
		{
			name: "invalid UTF-8 and control bytes", status: 500,
			body: "bad\xff\x00byte",
			want: APIError{StatusCode: 500, Message: "bad byte", Operation: "Op"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := parseAPIError("Op", tt.status, h, []byte(tt.body))
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("parseAPIError =\n %#v\nwant\n %#v", *got, tt.want)
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	tests := []struct {
		err  APIError
		want string
	}{
		{
			APIError{StatusCode: 404, Code: "iMetal.0200", Message: "Instances not found: [a]", RequestID: "r1", Operation: "DeleteInstances", Attempts: 1},
			"CloudDC DeleteInstances failed: HTTP 404 iMetal.0200: Instances not found: [a] (request id r1)",
		},
		{
			APIError{StatusCode: 429, Code: "iMetal.0005", Message: "Too many requests", Operation: "ListInstances", Attempts: 6},
			"CloudDC ListInstances failed: HTTP 429 iMetal.0005: Too many requests (after 6 attempts)",
		},
		{
			APIError{StatusCode: 502, Operation: "ShowServer"},
			"CloudDC ShowServer failed: HTTP 502 Bad Gateway",
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	notFound := &APIError{StatusCode: 404, Code: CodeInstanceNotFound, Message: "Instances not found: [id1, id2]"}
	wrapped := fmt.Errorf("deleting: %w", notFound)
	serverNF := &APIError{StatusCode: 404, Code: CodeServerNotFound, Message: "Physical servers ID not found: [s1]"}
	// Only the API's own 404 answers count as not found (evidence.go).
	serverCode400 := &APIError{StatusCode: 400, Code: CodeServerNotFound, Message: "Physical servers ID not found: [s1]"}
	gateway := &APIError{StatusCode: 404, Code: "APIGW.0101", Message: "The API does not exist or has not been published: Instances not found: [id1]"}
	throttled := &APIError{StatusCode: 429, Message: "Too many requests"}
	throttledCode := &APIError{StatusCode: 400, Code: CodeTooManyRequests}
	bad := &APIError{StatusCode: 400, Code: CodeInvalidParameter, Message: "A request parameter contains invalid value: [x]"}
	plain := errors.New("Instances not found: [a]")

	tests := []struct {
		name      string
		err       error
		notFound  bool
		throttled bool
		ids       []string
	}{
		{"404", notFound, true, false, []string{"id1", "id2"}},
		{"wrapped 404", wrapped, true, false, []string{"id1", "id2"}},
		{"server code", serverNF, true, false, []string{"s1"}},
		{"server code with 400", serverCode400, false, false, nil},
		{"gateway 404 APIGW.0101", gateway, false, false, nil},
		{"429", throttled, false, true, nil},
		{"iMetal.0005", throttledCode, false, true, nil},
		{"400", bad, false, false, nil},
		{"not an APIError", plain, false, false, nil},
		{"nil", nil, false, false, nil},
		{"bare 404", &APIError{StatusCode: 404, Message: "Not Found"}, false, false, nil},
		{"bare 404 naming IDs", &APIError{StatusCode: 404, Message: "Instances not found: [a]"}, false, false, nil},
		{"404 without list", &APIError{StatusCode: 404, Code: CodeInstanceNotFound, Message: "Not Found"}, true, false, nil},
		{"quoted IDs", &APIError{StatusCode: 404, Code: CodeInstanceNotFound, Message: `Instances not found: ["a", 'b' ,]`}, true, false, []string{"a", "b"}},
		{"unclosed list", &APIError{StatusCode: 404, Code: CodeInstanceNotFound, Message: "Instances not found: [a, b"}, true, false, nil},
		{"empty list", &APIError{StatusCode: 404, Code: CodeInstanceNotFound, Message: "Instances not found: []"}, true, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsNotFound(tt.err); got != tt.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.notFound)
			}
			if got := IsThrottled(tt.err); got != tt.throttled {
				t.Errorf("IsThrottled = %v, want %v", got, tt.throttled)
			}
			if got := HasCode(tt.err, CodeInstanceNotFound); got != (tt.name == "404" || tt.name == "wrapped 404" ||
				tt.name == "404 without list" || tt.name == "quoted IDs" || tt.name == "unclosed list" || tt.name == "empty list") {
				t.Errorf("HasCode(iMetal.0200) = %v", got)
			}
			if got := NotFoundIDs(tt.err); !reflect.DeepEqual(got, tt.ids) {
				t.Errorf("NotFoundIDs = %q, want %q", got, tt.ids)
			}
		})
	}
}

// FuzzParseAPIError checks that any error answer parses without panicking
// into a bounded, printable, single-line message, and that the helpers
// agree with the status code.
func FuzzParseAPIError(f *testing.F) {
	f.Add(404, []byte(`{"error_code":"iMetal.0200","error_msg":"Instances not found: [a, b]"}`))
	f.Add(429, []byte(`"Too many requests"`))
	f.Add(429, []byte("Too many requests"))
	f.Add(500, []byte(`{"error_code":"iMetal.0099","error_msg":"Internal server error"}`))
	f.Add(502, []byte("<html><body>bad gateway</body></html>"))
	f.Add(400, []byte("\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseAPIError("Op", status, http.Header{}, body)
		for _, s := range []string{e.Code, e.Message, e.RequestID} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\x00") {
				t.Fatalf("field %q is not clean single-line text", s)
			}
		}
		if n := utf8.RuneCountInString(e.Message); n > 4*maxErrorBodyChars+1 {
			t.Fatalf("message has %d runes, more than the bound", n)
		}
		if e.StatusCode != status {
			t.Fatalf("status %d, want %d", e.StatusCode, status)
		}
		if status == http.StatusTooManyRequests && !IsThrottled(e) {
			t.Fatal("a 429 must be throttled")
		}
		if IsNotFound(e) != (status == http.StatusNotFound && (e.Code == CodeInstanceNotFound || e.Code == CodeServerNotFound)) {
			t.Fatal("only a 404 with iMetal.0200 or iMetal.0100 is not found")
		}
		for _, id := range NotFoundIDs(e) {
			if id == "" || strings.ContainsAny(id, ",[]") {
				t.Fatalf("NotFoundIDs returned %q", id)
			}
		}
		if msg := e.Error(); !strings.HasPrefix(msg, "CloudDC Op failed: HTTP ") {
			t.Fatalf("Error() = %q", msg)
		}
	})
}
