package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error codes of the CloudDC API (CLOUDDC-API.md at the repository root,
// "Errors") and the two the emulator adds where the documentation's
// table is cut off.
const (
	codeInvalidParam    = "iMetal.0001"
	codeMissingParam    = "iMetal.0002"
	codeUnauthorized    = "iMetal.0003"
	codeForbidden       = "iMetal.0004"
	codeTooManyRequests = "iMetal.0005"
	codeInternal        = "iMetal.0099"
	codeServerNotFound  = "iMetal.0100"
	codeServerNotReady  = "iMetal.0101"
	codeInstNotFound    = "iMetal.0200"
	codeInstBadState    = "iMetal.0201"
	// codeNotImplemented answers documented operations the emulator does not
	// implement (emulator-specific; the real API implements them).
	codeNotImplemented = "iMetal.0098"
	// codeDeleteFailed is the error_code of an instance whose deletion
	// failed (injected by --delete-failure-rate). The documentation's
	// instance error table is cut off after iMetal.0201, so the emulator
	// picks the last code of the instance range for it.
	codeDeleteFailed = "iMetal.0299"
	// codeRouteNotFound is the API gateway's answer to a path that is no
	// CloudDC operation.
	codeRouteNotFound = "APIGW.0101"
)

// errorKind is what went wrong, as the backend reports it. Each kind has
// one error_code and one HTTP status, in errorKinds.
type errorKind int

const (
	kindInvalid errorKind = iota
	kindMissing
	kindUnauthorized
	kindForbidden
	kindInternal
	kindNotImplemented
	kindServerNotFound
	kindServerNotReady
	kindInstanceNotFound
	kindInstanceState
	kindRouteNotFound
	kindBodyTooLarge
)

// errorKinds maps every kind of error to its error_code and HTTP status:
// the one place where the API's error codes meet HTTP.
var errorKinds = [...]struct {
	code   string
	status int
}{
	kindInvalid:          {codeInvalidParam, http.StatusBadRequest},
	kindMissing:          {codeMissingParam, http.StatusBadRequest},
	kindUnauthorized:     {codeUnauthorized, http.StatusUnauthorized},
	kindForbidden:        {codeForbidden, http.StatusForbidden},
	kindInternal:         {codeInternal, http.StatusInternalServerError},
	kindNotImplemented:   {codeNotImplemented, http.StatusNotImplemented},
	kindServerNotFound:   {codeServerNotFound, http.StatusNotFound},
	kindServerNotReady:   {codeServerNotReady, http.StatusBadRequest},
	kindInstanceNotFound: {codeInstNotFound, http.StatusNotFound},
	kindInstanceState:    {codeInstBadState, http.StatusBadRequest},
	kindRouteNotFound:    {codeRouteNotFound, http.StatusNotFound},
	kindBodyTooLarge:     {codeInvalidParam, http.StatusRequestEntityTooLarge},
}

// apiError is an error of the API: a kind (which gives the error_code and
// the HTTP status) and the error_msg. Backend operations return it; the
// HTTP front end writes it as {"error_code": "...", "error_msg": "..."}.
type apiError struct {
	kind errorKind
	msg  string
}

// Code is the error_code.
func (e *apiError) Code() string { return errorKinds[e.kind].code }

// Status is the HTTP status the error is answered with.
func (e *apiError) Status() int { return errorKinds[e.kind].status }

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status(), e.Code(), e.msg)
}

// asAPIError returns err as an API error; anything else (a bug, a failed
// write that was not turned into one) is an internal error.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return errInternal("")
}

func errInvalid(format string, args ...any) *apiError {
	return &apiError{kind: kindInvalid, msg: "A request parameter contains invalid or unsupported value: " + fmt.Sprintf(format, args...)}
}

func errMissing(param string) *apiError {
	return &apiError{kind: kindMissing, msg: "Missing required parameters: " + param}
}

func errUnauthorized(reason string) *apiError {
	msg := "Unauthorized"
	if reason != "" {
		msg += ": " + reason
	}
	return &apiError{kind: kindUnauthorized, msg: msg}
}

func errForbidden(reason string) *apiError {
	msg := "Insufficient permissions"
	if reason != "" {
		msg += ": " + reason
	}
	return &apiError{kind: kindForbidden, msg: msg}
}

func errInternal(reason string) *apiError {
	msg := "Internal server error"
	if reason != "" {
		msg += ": " + reason
	}
	return &apiError{kind: kindInternal, msg: msg}
}

func errInstancesNotFound(ids []string) *apiError {
	return &apiError{kind: kindInstanceNotFound, msg: "Instances not found: " + idList(ids)}
}

func errInstancesState(ids []string, op string) *apiError {
	return &apiError{kind: kindInstanceState, msg: fmt.Sprintf("Instances state is not allowed for this operation: %s (%s)", idList(ids), op)}
}

func errServersNotFound(ids []string) *apiError {
	return &apiError{kind: kindServerNotFound, msg: "Physical servers ID not found: " + idList(ids)}
}

func errServersNotReady(ids []string, detail string) *apiError {
	msg := "Physical servers state is not ready: " + idList(ids)
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return &apiError{kind: kindServerNotReady, msg: msg}
}

func errNotImplemented(op string) *apiError {
	return &apiError{kind: kindNotImplemented, msg: "Operation " + op + " is not implemented by clouddc-emulator"}
}

func errNotFoundPath(method, path string) *apiError {
	return &apiError{kind: kindRouteNotFound, msg: fmt.Sprintf("The API does not exist or has not been published: %s %s", method, path)}
}

func errBodyTooLarge(limit int64) *apiError {
	return &apiError{kind: kindBodyTooLarge, msg: fmt.Sprintf("A request parameter contains invalid or unsupported value: body larger than %d bytes", limit)}
}

// idList formats IDs as the API does in its messages: "[a, b]".
func idList(ids []string) string {
	return "[" + strings.Join(ids, ", ") + "]"
}
