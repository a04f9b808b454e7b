package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// The admin endpoints live outside the API's paths, need no credentials
// and are exempt from rate limits and injected faults: the emulator is a
// local tool and tests must be able to steer it whatever they inject.

func (e *Emulator) adminHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (e *Emulator) adminStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, e.Stats())
}

func (e *Emulator) adminReset(w http.ResponseWriter, _ *http.Request) {
	if err := e.reset(); err != nil {
		e.log.Error("reset failed", "error", err)
		writeError(w, errInternal("reset failed: the state file could not be written"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

func (e *Emulator) adminGetFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, e.chaos.get())
}

func (e *Emulator) adminPutFaults(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	var f Faults
	if err := json.Unmarshal(body, &f); err != nil {
		writeError(w, errInvalid("faults body is not valid JSON: %v", err))
		return
	}
	for _, p := range []struct {
		name  string
		value *float64
	}{{"fault_rate", f.FaultRate}, {"delete_failure_rate", f.DeleteFailureRate}, {"power_failure_rate", f.PowerFailureRate}} {
		if p.value != nil {
			if err := CheckShare(p.name, *p.value); err != nil {
				writeError(w, errInvalid("%v", err))
				return
			}
		}
	}
	if f.RateLimit != nil {
		if err := CheckRateLimit("rate_limit", *f.RateLimit); err != nil {
			writeError(w, errInvalid("%v", err))
			return
		}
	}
	writeJSON(w, http.StatusOK, e.chaos.update(f))
}

// adminPutServer sets a server's manage_state, frozen_state and
// health_state (PUT /_emulator/servers/{id}) and answers the server as
// ShowServer would. Unknown fields are refused, so a misspelt one is not
// silently ignored.
func (e *Emulator) adminPutServer(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		writeError(w, errMissing("request body"))
		return
	}
	var st ServerState
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		writeError(w, errInvalid("server state body: %v (fields: manage_state, frozen_state, health_state)", err))
		return
	}
	srv, err := e.backend.setServerState(setServerStateRequest{ID: r.PathValue("id"), ServerState: st})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, srv)
}
