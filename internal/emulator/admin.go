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
	body, apiErr := readBody(w, r)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	var f Faults
	if err := json.Unmarshal(body, &f); err != nil {
		writeError(w, errInvalid("faults body is not valid JSON: %v", err))
		return
	}
	for name, p := range map[string]*float64{"fault_rate": f.FaultRate, "delete_failure_rate": f.DeleteFailureRate} {
		if p != nil && (*p < 0 || *p > 1) {
			writeError(w, errInvalid("%s must be between 0 and 1", name))
			return
		}
	}
	if f.RateLimit != nil && *f.RateLimit < 0 {
		writeError(w, errInvalid("rate_limit must not be negative"))
		return
	}
	writeJSON(w, http.StatusOK, e.chaos.update(f))
}
