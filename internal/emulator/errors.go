package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Error codes of the CloudDC API (clouddc-api.md §7) and the two the
// emulator adds where the documentation's table is cut off.
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
)

// apiError is an error answered in the API's format:
// {"error_code": "...", "error_msg": "..."}.
type apiError struct {
	Status int    `json:"-"`
	Code   string `json:"error_code"`
	Msg    string `json:"error_msg"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg)
}

func errInvalid(format string, args ...any) *apiError {
	return &apiError{
		Status: http.StatusBadRequest,
		Code:   codeInvalidParam,
		Msg:    "A request parameter contains invalid or unsupported value: " + fmt.Sprintf(format, args...),
	}
}

func errMissing(param string) *apiError {
	return &apiError{
		Status: http.StatusBadRequest,
		Code:   codeMissingParam,
		Msg:    "Missing required parameters: " + param,
	}
}

func errUnauthorized(reason string) *apiError {
	msg := "Unauthorized"
	if reason != "" {
		msg += ": " + reason
	}
	return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Msg: msg}
}

func errForbidden(reason string) *apiError {
	msg := "Insufficient permissions"
	if reason != "" {
		msg += ": " + reason
	}
	return &apiError{Status: http.StatusForbidden, Code: codeForbidden, Msg: msg}
}

func errInternal(reason string) *apiError {
	msg := "Internal server error"
	if reason != "" {
		msg += ": " + reason
	}
	return &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Msg: msg}
}

func errInstancesNotFound(ids []string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeInstNotFound, Msg: "Instances not found: " + idList(ids)}
}

func errInstancesState(ids []string, op string) *apiError {
	return &apiError{
		Status: http.StatusBadRequest,
		Code:   codeInstBadState,
		Msg:    fmt.Sprintf("Instances state is not allowed for this operation: %s (%s)", idList(ids), op),
	}
}

func errServersNotFound(ids []string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeServerNotFound, Msg: "Physical servers ID not found: " + idList(ids)}
}

func errServersNotReady(ids []string, detail string) *apiError {
	msg := "Physical servers state is not ready: " + idList(ids)
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeServerNotReady, Msg: msg}
}

func errNotImplemented(op string) *apiError {
	return &apiError{
		Status: http.StatusNotImplemented,
		Code:   codeNotImplemented,
		Msg:    "Operation " + op + " is not implemented by clouddc-emulator",
	}
}

func errNotFoundPath(method, path string) *apiError {
	return &apiError{
		Status: http.StatusNotFound,
		Code:   "APIGW.0101",
		Msg:    fmt.Sprintf("The API does not exist or has not been published: %s %s", method, path),
	}
}

func errBodyTooLarge(limit int64) *apiError {
	return &apiError{
		Status: http.StatusRequestEntityTooLarge,
		Code:   codeInvalidParam,
		Msg:    fmt.Sprintf("A request parameter contains invalid or unsupported value: body larger than %d bytes", limit),
	}
}

// idList formats IDs as the API does in its messages: "[a, b]".
func idList(ids []string) string {
	return "[" + strings.Join(ids, ", ") + "]"
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		body = []byte(`{"error_code":"iMetal.0099","error_msg":"Internal server error"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes err in the API's error format.
func writeError(w http.ResponseWriter, err *apiError) {
	writeJSON(w, err.Status, err)
}
