package clouddc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error codes of the CloudDC API that callers branch on.
const (
	CodeInvalidParameter   = "iMetal.0001"
	CodeMissingParameter   = "iMetal.0002"
	CodeUnauthorized       = "iMetal.0003"
	CodeForbidden          = "iMetal.0004"
	CodeTooManyRequests    = "iMetal.0005"
	CodeInternalError      = "iMetal.0099"
	CodeServerNotFound     = "iMetal.0100"
	CodeServerNotReady     = "iMetal.0101"
	CodeInstanceNotFound   = "iMetal.0200"
	CodeInstanceWrongState = "iMetal.0201"
)

// maxErrorBodyChars bounds how much of a non-JSON error body is kept in an
// APIError, so an HTML error page from a proxy does not flood diagnostics.
const maxErrorBodyChars = 256

// APIError is an error answer of the CloudDC API (any non-2xx status).
type APIError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Code is the error_code of the body, e.g. "iMetal.0200"; empty when the
	// body carried none (bare-string 429 bodies, proxy pages).
	Code string
	// Message is the error_msg of the body, the bare string of a 429 body or
	// the (truncated) text of a body that was not JSON.
	Message string
	// RequestID is the X-Request-Id response header (or request_id of the body).
	RequestID string
	// Operation is the API operation, e.g. "DeleteInstances".
	Operation string
	// Attempts is how many times the request was sent before giving up.
	Attempts int
}

// Error reads like: CloudDC DeleteInstances failed: HTTP 404 iMetal.0200:
// Instances not found: [a, b] (request id 1f2e..., after 3 attempts).
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("CloudDC ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(" ")
	}
	fmt.Fprintf(&b, "failed: HTTP %d", e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" && e.Code == "" {
		b.WriteString(" " + text)
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var extra []string
	if e.RequestID != "" {
		extra = append(extra, "request id "+e.RequestID)
	}
	if e.Attempts > 1 {
		extra = append(extra, fmt.Sprintf("after %d attempts", e.Attempts))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// RequestError is a request that got no HTTP answer to read: the
// connection was refused, reset or timed out, or a success answer was cut
// off. Attempts is how many times it was sent.
type RequestError struct {
	Operation, Method, Path string
	Attempts                int
	Err                     error
}

// Error reads like: CloudDC ListInstances: GET /v1/p/instances (after 3
// attempts): read: connection reset by peer.
func (e *RequestError) Error() string {
	return fmt.Sprintf("CloudDC %s: %s %s%s: %v", e.Operation, e.Method, e.Path, attemptsNote(e.Attempts), e.Err)
}

// Unwrap returns the transport's error.
func (e *RequestError) Unwrap() error { return e.Err }

// errorBody is the documented error body; request_id is what the API gateway
// (APIGW.xxxx errors) adds.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// parseAPIError builds an APIError from a non-2xx response. The body may be
// the documented JSON object, a bare JSON string (429), plain text or garbage.
func parseAPIError(operation string, status int, header http.Header, body []byte) *APIError {
	e := &APIError{
		StatusCode: status,
		Operation:  operation,
		RequestID:  header.Get("X-Request-Id"),
	}
	trimmed := strings.TrimSpace(string(body))
	switch {
	case trimmed == "":
	case strings.HasPrefix(trimmed, "{"):
		var eb errorBody
		if err := json.Unmarshal([]byte(trimmed), &eb); err == nil && (eb.ErrorCode != "" || eb.ErrorMsg != "") {
			e.Code = cleanText(eb.ErrorCode, maxErrorBodyChars)
			e.Message = cleanText(eb.ErrorMsg, 4*maxErrorBodyChars)
			if e.RequestID == "" {
				e.RequestID = cleanText(eb.RequestID, maxErrorBodyChars)
			}
			break
		}
		e.Message = cleanText(trimmed, maxErrorBodyChars)
	case strings.HasPrefix(trimmed, `"`):
		var s string
		if err := json.Unmarshal([]byte(trimmed), &s); err == nil {
			e.Message = cleanText(s, maxErrorBodyChars)
			break
		}
		e.Message = cleanText(trimmed, maxErrorBodyChars)
	default:
		e.Message = cleanText(trimmed, maxErrorBodyChars)
	}
	if e.Code == "" && status == http.StatusTooManyRequests {
		e.Code = CodeTooManyRequests
	}
	return e
}

// cleanText makes s safe to show on one line: invalid UTF-8 and control
// characters become spaces, runs of space collapse, and the result is cut at
// limit runes with an ellipsis.
func cleanText(s string, limit int) string {
	var b strings.Builder
	n := 0
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 || unicode.IsControl(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		if n >= limit {
			b.WriteString("…")
			return b.String()
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// IsThrottled reports whether err is an API answer saying too many requests
// (HTTP 429 or iMetal.0005).
func IsThrottled(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	return e.StatusCode == http.StatusTooManyRequests || e.Code == CodeTooManyRequests
}

// HasCode reports whether err is an API answer with the given error_code,
// e.g. HasCode(err, CodeInstanceWrongState).
func HasCode(err error, code string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code
}
