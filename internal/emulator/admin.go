package emulator

import (
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
	}{{"fault_rate", f.FaultRate}, {"delete_failure_rate", f.DeleteFailureRate}} {
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
