package emulator

import (
	"crypto/rand"
	"encoding/hex"
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

// call is one API request being served.
type call struct {
	r    *http.Request
	body []byte
	now  time.Time
}

// result is what an operation answers: a status and a JSON body (nil for none).
type result struct {
	status int
	header http.Header
	body   any
}

// operation is one API operation: its name (as in the API reference and
// the stats), its route, and its handler (nil: answered with 501).
type operation struct {
	name    string
	pattern string
	handle  func(e *Emulator, c *call) (result, *apiError)
	// public operations need no credentials and are exempt from the rate
	// limit and injected faults (token issuance belongs to IAM, not CloudDC).
	public bool
}

// operations lists every documented CloudDC operation. Those with a nil
// handler answer 501 in the API's error format.
func operations() []operation {
	return []operation{
		{name: "KeystoneCreateToken", pattern: "POST /v3/auth/tokens", handle: (*Emulator).createToken, public: true},

		{name: "CreateInstance", pattern: "POST /v1/{project_id}/instances", handle: (*Emulator).createInstance},
		{name: "RunInstances", pattern: "POST /v1/{project_id}/instances/batch-create", handle: (*Emulator).runInstances},
		{name: "ListInstances", pattern: "GET /v1/{project_id}/instances", handle: (*Emulator).listInstances},
		{name: "ShowInstanceStatus", pattern: "GET /v1/{project_id}/instances/{id}/status", handle: (*Emulator).showInstanceStatus},
		{name: "DeleteInstances", pattern: "POST /v1/{project_id}/instances/batch-delete", handle: (*Emulator).deleteInstances},
		{name: "DeleteInstance", pattern: "DELETE /v1/{project_id}/instances/{id}", handle: (*Emulator).deleteInstance},
		{name: "ReinstallOS", pattern: "PUT /v1/{project_id}/instances/reinstall", handle: (*Emulator).reinstallOS},
		{name: "ChangeInstancePassword", pattern: "PUT /v1/{project_id}/instances/password", handle: (*Emulator).changeInstancePassword},
		{name: "ModifyInstanceIp", pattern: "PUT /v1/{project_id}/instances/{id}/ip", handle: (*Emulator).modifyInstanceIP},

		{name: "ListServers", pattern: "GET /v1/{project_id}/physicalservers", handle: (*Emulator).listServers},
		{name: "ShowServer", pattern: "GET /v1/{project_id}/physicalservers/{id}", handle: (*Emulator).showServer},
		{name: "ChangeServerPowerState", pattern: "PUT /v1/{project_id}/physicalservers/power-state", handle: (*Emulator).changeServerPowerState},

		{name: "ShowRemoteConsole", pattern: "GET /v1/{project_id}/physicalservers/{id}/remote-console-address"},
		{name: "ShowServerHardwareAttributes", pattern: "GET /v1/{project_id}/physicalservers/{id}/hardware-attributes"},
		{name: "ShowServerFirmwareAttributes", pattern: "GET /v1/{project_id}/physicalservers/{id}/firmware-attributes"},
		{name: "ExportServerLogs", pattern: "POST /v1/{project_id}/physicalservers/{id}/logs/exports"},
		{name: "ShowLogsExportStatus", pattern: "GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}"},
		{name: "DownloadServerLogs", pattern: "GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content"},
		{name: "ShowServerStatus", pattern: "GET /v1/{project_id}/physicalservers/status"},
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
			// The 429 body is a bare JSON string (clouddc-api.md §2.3).
			writeJSON(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
	}
	body, apiErr := readBody(w, r)
	if apiErr != nil {
		writeError(w, apiErr)
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
	res, apiErr := op.handle(e, &call{r: r, body: body, now: now})
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	for k, v := range res.header {
		w.Header()[k] = v
	}
	if res.body == nil {
		w.WriteHeader(res.status)
		return
	}
	writeJSON(w, res.status, res.body)
}

// readBody reads the whole body, refusing more than MaxBodyBytes with 413.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
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

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
