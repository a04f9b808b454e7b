package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// call is one API request being served: the request and its body, read
// whole (at most MaxBodyBytes).
type call struct {
	r    *http.Request
	body []byte
}

// reply is what an adapter answers besides the status: headers to add and
// a JSON body (nil for none).
type reply struct {
	header http.Header
	body   any
}

// adapter is the HTTP side of one operation: it decodes the request into
// the operation's typed request (the wire checks: JSON shape, query
// syntax), calls the backend, and returns the typed result to encode.
type adapter func(e *Emulator, c *call) (reply, error)

// operation is one API operation: its name (as in the API reference and
// the stats), its route, the status of a success, and its adapter (nil:
// answered with 501).
type operation struct {
	name    string
	pattern string
	status  int
	handle  adapter
	// public operations need no credentials and are exempt from the rate
	// limit and injected faults (token issuance belongs to IAM, not CloudDC).
	public bool
}

// operations lists every documented CloudDC operation. Those with a nil
// adapter answer 501 in the API's error format.
func operations() []operation {
	return []operation{
		{name: "KeystoneCreateToken", pattern: "POST /v3/auth/tokens", status: http.StatusCreated, handle: handleCreateToken, public: true},

		{name: "CreateInstance", pattern: "POST /v1/{project_id}/instances", status: http.StatusAccepted, handle: handleCreateInstance},
		{name: "RunInstances", pattern: "POST /v1/{project_id}/instances/batch-create", status: http.StatusAccepted, handle: handleRunInstances},
		{name: "ListInstances", pattern: "GET /v1/{project_id}/instances", status: http.StatusOK, handle: handleListInstances},
		{name: "ShowInstanceStatus", pattern: "GET /v1/{project_id}/instances/{id}/status", status: http.StatusOK, handle: handleShowInstanceStatus},
		{name: "DeleteInstances", pattern: "POST /v1/{project_id}/instances/batch-delete", status: http.StatusAccepted, handle: handleDeleteInstances},
		{name: "DeleteInstance", pattern: "DELETE /v1/{project_id}/instances/{id}", status: http.StatusNoContent, handle: handleDeleteInstance},
		{name: "ReinstallOS", pattern: "PUT /v1/{project_id}/instances/reinstall", status: http.StatusAccepted, handle: handleReinstallOS},
		{name: "ChangeInstancePassword", pattern: "PUT /v1/{project_id}/instances/password", status: http.StatusOK, handle: handleChangeInstancePassword},
		{name: "ModifyInstanceIp", pattern: "PUT /v1/{project_id}/instances/{id}/ip", status: http.StatusAccepted, handle: handleModifyInstanceIP},

		{name: "ListServers", pattern: "GET /v1/{project_id}/physicalservers", status: http.StatusOK, handle: handleListServers},
		{name: "ShowServer", pattern: "GET /v1/{project_id}/physicalservers/{id}", status: http.StatusOK, handle: handleShowServer},
		{name: "ChangeServerPowerState", pattern: "PUT /v1/{project_id}/physicalservers/power-state", status: http.StatusOK, handle: handleChangeServerPowerState},
		// A ServeMux prefers this literal path to ShowServer's {id}: "status"
		// is never taken for a server ID.
		{name: "ShowServerStatus", pattern: "GET /v1/{project_id}/physicalservers/status", status: http.StatusOK, handle: handleShowServerStatus},

		{name: "ShowRemoteConsole", pattern: "GET /v1/{project_id}/physicalservers/{id}/remote-console-address"},
		{name: "ShowServerHardwareAttributes", pattern: "GET /v1/{project_id}/physicalservers/{id}/hardware-attributes"},
		{name: "ShowServerFirmwareAttributes", pattern: "GET /v1/{project_id}/physicalservers/{id}/firmware-attributes"},
		{name: "ExportServerLogs", pattern: "POST /v1/{project_id}/physicalservers/{id}/logs/exports"},
		{name: "ShowLogsExportStatus", pattern: "GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}"},
		{name: "DownloadServerLogs", pattern: "GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content"},
		{name: "ShowAlarmSummary", pattern: "GET /v1/{project_id}/physicalservers/alarms/summary"},
		{name: "ShowAlarmTrend", pattern: "GET /v1/{project_id}/physicalservers/alarms/trend"},
		{name: "ListAlarms", pattern: "GET /v1/{project_id}/physicalservers/alarms"},
		{name: "ListEvents", pattern: "GET /v1/{project_id}/physicalservers/events"},
		{name: "ShowEvent", pattern: "GET /v1/{project_id}/physicalservers/events/{event_id}"},
		{name: "ListIDcs", pattern: "GET /v1/{project_id}/idcs"},
		{name: "UpdateIDcs", pattern: "PUT /v1/{project_id}/idcs"},
		{name: "ListIRacks", pattern: "GET /v1/{project_id}/iracks"},
		{name: "UpdateIRack", pattern: "PUT /v1/{project_id}/iracks/{irack_id}"},
		{name: "BatchCreateIrackTags", pattern: "POST /v1/{project_id}/iracks/{id}/tags/create"},
		{name: "BatchDeleteIrackTags", pattern: "POST /v1/{project_id}/iracks/{id}/tags/delete"},
		{name: "BatchCreateTags", pattern: "POST /v1/{project_id}/{resource_type}/{resource_id}/tags/create"},
		{name: "BatchDeleteTags", pattern: "POST /v1/{project_id}/{resource_type}/{resource_id}/tags/delete"},
	}
}

func (e *Emulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// GET /v1/{project_id}/physicalservers/{id}/<attribute> would conflict
	// with GET .../physicalservers/events/{event_id} in a ServeMux, so those
	// operations share one route and are told apart by the last segment.
	const serverAttr = "GET /v1/{project_id}/physicalservers/{id}/"
	byAttr := map[string]http.Handler{}
	for _, op := range operations() {
		if attr, ok := strings.CutPrefix(op.pattern, serverAttr); ok && !strings.Contains(attr, "/") {
			byAttr[attr] = e.apiHandler(op)
			continue
		}
		mux.Handle(op.pattern, e.apiHandler(op))
	}
	mux.HandleFunc(serverAttr+"{attr}", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := byAttr[r.PathValue("attr")]; ok {
			h.ServeHTTP(w, r)
			return
		}
		e.unknownPath(w, r)
	})
	mux.HandleFunc("GET /_emulator/health", e.adminHealth)
	mux.HandleFunc("GET /_emulator/stats", e.adminStats)
	mux.HandleFunc("POST /_emulator/reset", e.adminReset)
	mux.HandleFunc("GET /_emulator/faults", e.adminGetFaults)
	mux.HandleFunc("PUT /_emulator/faults", e.adminPutFaults)
	mux.HandleFunc("PUT /_emulator/servers/{id}", e.adminPutServer)
	mux.HandleFunc("/", e.unknownPath)
	return mux
}

// statusRecorder remembers the status written, for stats and logs.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// apiHandler wraps an operation with what every API request goes through,
// in this order: rate limit (429), body size (413), authentication (401),
// project check (403), injected fault (500), then the operation itself.
func (e *Emulator) apiHandler(op operation) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		e.stats.request(op.name)
		e.serveOperation(rec, r, op)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		e.stats.response(rec.status)
		e.logRequest(r, op.name, rec.status, time.Since(start), w.Header().Get("X-Request-Id"))
	})
}

func (e *Emulator) serveOperation(w http.ResponseWriter, r *http.Request, op operation) {
	now := e.now()
	if !op.public {
		if ok, wait := e.chaos.allow(now); !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			// The 429 body is a bare JSON string (CLOUDDC-API.md, "Errors").
			writeJSON(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	if !op.public {
		if err := e.authenticate(r, body, now); err != nil {
			writeError(w, err)
			return
		}
		if pid := r.PathValue("project_id"); pid != e.cfg.ProjectID {
			writeError(w, errForbidden(fmt.Sprintf("the credentials are for project %s, not for the project in the path", e.cfg.ProjectID)))
			return
		}
		if e.chaos.fault() {
			writeError(w, errInternal("injected by clouddc-emulator --fault-rate"))
			return
		}
	}
	if op.handle == nil {
		writeError(w, errNotImplemented(op.name))
		return
	}
	res, err := op.handle(e, &call{r: r, body: body})
	if err != nil {
		writeError(w, err)
		return
	}
	for k, v := range res.header {
		w.Header()[k] = v
	}
	if res.body == nil {
		w.WriteHeader(op.status)
		return
	}
	writeJSON(w, op.status, res.body)
}

// readBody reads the whole body, refusing more than MaxBodyBytes with 413.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, errBodyTooLarge(MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errBodyTooLarge(MaxBodyBytes)
		}
		return nil, errInvalid("request body could not be read: %v", err)
	}
	return body, nil
}

func (e *Emulator) unknownPath(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	writeError(w, errNotFoundPath(r.Method, r.URL.Path))
	e.stats.response(http.StatusNotFound)
	e.logRequest(r, "", http.StatusNotFound, time.Since(start), w.Header().Get("X-Request-Id"))
}

// logRequest logs one request. It never logs headers or bodies: they
// carry tokens, signatures and passwords.
func (e *Emulator) logRequest(r *http.Request, op string, status int, d time.Duration, requestID string) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	if !e.log.Enabled(r.Context(), level) {
		return
	}
	e.log.LogAttrs(r.Context(), level, "request",
		slog.String("request_id", requestID),
		slog.String("operation", op),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", d),
	)
}

// errorBody is the API's error format.
type errorBody struct {
	Code string `json:"error_code"`
	Msg  string `json:"error_msg"`
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

// writeError writes err in the API's error format with its status (see
// errorKinds); an error that is not an API error is a 500 iMetal.0099.
func writeError(w http.ResponseWriter, err error) {
	ae := asAPIError(err)
	writeJSON(w, ae.Status(), errorBody{Code: ae.Code(), Msg: ae.msg})
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
