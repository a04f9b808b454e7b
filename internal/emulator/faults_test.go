package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

func TestRateLimit(t *testing.T) {
	clock := emulatortest.NewStepClock()
	a := newAPI(t, emulator.Config{RateLimit: 2, Now: clock.Now})
	for i := range 2 {
		if status, _, data := a.do("GET", "/instances", nil); status != http.StatusOK {
			t.Fatalf("request %d within the limit: %d %s", i, status, data)
		}
	}
	status, hdr, data := a.do("GET", "/instances", nil)
	if status != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %d, want 429", status)
	}
	var msg string
	if err := json.Unmarshal(data, &msg); err != nil || msg != "Too many requests" {
		t.Fatalf("429 body %s: want the bare JSON string \"Too many requests\"", data)
	}
	if secs, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || secs < 1 {
		t.Fatalf("Retry-After %q: want a positive number of seconds", hdr.Get("Retry-After"))
	}
	// Admin endpoints are not limited.
	resp, err := http.Get(a.srv.URL + "/_emulator/stats")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stats while throttled: %v %v", resp, err)
	}
	resp.Body.Close()
	// Tokens refill with time.
	clock.Advance(1e9)
	if status, _, _ := a.do("GET", "/instances", nil); status != http.StatusOK {
		t.Fatalf("after a second: %d, want 200", status)
	}
	st := a.srv.Emulator.Stats()
	if st.Responses["429"] != 1 || st.Responses["200"] != 3 {
		t.Fatalf("responses %v: want one 429 and three 200", st.Responses)
	}
	// Lifting the limit at run time.
	a.srv.Emulator.SetFaults(emulator.Faults{RateLimit: ptr(0.0)})
	for range 10 {
		if status, _, _ := a.do("GET", "/instances", nil); status != http.StatusOK {
			t.Fatalf("unlimited: %d", status)
		}
	}
}

func TestFaultRate(t *testing.T) {
	a := newAPI(t, emulator.Config{FaultRate: 1, Servers: 2})
	status, _, data := a.do("POST", "/instances", createBody("x"))
	wantError(t, status, data, http.StatusInternalServerError, "iMetal.0099", "Internal server error")
	a.srv.Emulator.SetFaults(emulator.Faults{FaultRate: ptr(0.0)})
	var list listPage
	a.mustDo("GET", "/instances", nil, http.StatusOK, &list)
	if list.Count != 0 {
		t.Fatalf("a request failed by an injected fault created %d instances", list.Count)
	}

	// Half the requests fail, repeatably for a seed.
	outcomes := func() string {
		b := newAPI(t, emulator.Config{FaultRate: 0.5, Seed: 99})
		var s strings.Builder
		for range 40 {
			status, _, _ := b.do("GET", "/instances", nil)
			fmt.Fprint(&s, status/100)
		}
		return s.String()
	}
	first := outcomes()
	if n := strings.Count(first, "5"); n < 8 || n > 32 {
		t.Fatalf("fault rate 0.5 failed %d of 40 requests", n)
	}
	if second := outcomes(); second != first {
		t.Fatalf("same seed, different faults:\n%s\n%s", first, second)
	}
}

func TestDeleteFailureRate(t *testing.T) {
	a := newAPI(t, emulator.Config{DeleteFailureRate: 1, Servers: 2})
	id := a.create("doomed")
	a.waitState(id, "running")
	a.mustDo("DELETE", "/instances/"+id, nil, http.StatusNoContent, nil)
	s := a.waitState(id, "error")
	if s.Error == nil || s.Error.Type != "delete_instance_error" || s.OperationState != "uninstall-failed" {
		t.Fatalf("failed deletion: %+v", s)
	}
	var srv struct {
		Count int `json:"count"`
	}
	a.mustDo("GET", "/physicalservers?manage_state=in-use", nil, http.StatusOK, &srv)
	if srv.Count != 1 {
		t.Fatalf("in-use servers after a failed deletion: %d, want 1 (resources not fully deleted)", srv.Count)
	}
	// Retrying after the fault is lifted deletes it (error → shutting-down).
	status, _, data := a.doWith("PUT", a.srv.URL+"/_emulator/faults", `{"delete_failure_rate":0}`, nil)
	if status != http.StatusOK || !strings.Contains(string(data), `"delete_failure_rate":0`) {
		t.Fatalf("PUT faults: %d %s", status, data)
	}
	a.mustDo("POST", "/instances/batch-delete", map[string]any{"instance_id_set": []string{id}}, http.StatusAccepted, nil)
	if s := a.waitState(id, "terminated"); s.Error != nil {
		t.Fatalf("terminated instance still carries an error: %+v", s.Error)
	}
}

func TestAdminEndpoints(t *testing.T) {
	a := newAPI(t, emulator.Config{Servers: 3, FaultRate: 0})
	id := a.create("one")
	get := func(path string) (int, []byte) {
		status, hdr, data := a.doWith("GET", a.srv.URL+path, nil, nil)
		if hdr.Get("X-Request-Id") == "" {
			t.Fatalf("%s: no X-Request-Id", path)
		}
		return status, data
	}
	if status, data := get("/_emulator/health"); status != 200 || !strings.Contains(string(data), "ok") {
		t.Fatalf("health: %d %s", status, data)
	}
	status, data := get("/_emulator/stats")
	var st emulator.Stats
	if err := json.Unmarshal(data, &st); err != nil || status != 200 {
		t.Fatalf("stats: %d %s %v", status, data, err)
	}
	if st.Requests["CreateInstance"] != 1 || st.Responses["202"] != 1 || st.Instances["pending"]+st.Instances["running"] != 1 {
		t.Fatalf("stats %+v: want 1 CreateInstance, one 202 and one instance", st)
	}
	// Faults: bad values are refused, good ones apply and admin ignores them.
	for _, bad := range []string{`{"fault_rate": 2}`, `{"rate_limit": -1}`, `{"delete_failure_rate": -0.1}`, `{`} {
		status, _, data := a.doWith("PUT", a.srv.URL+"/_emulator/faults", bad, nil)
		wantError(t, status, data, http.StatusBadRequest, "iMetal.0001")
	}
	status, _, data = a.doWith("PUT", a.srv.URL+"/_emulator/faults", `{"fault_rate": 1}`, nil)
	if status != 200 || !strings.Contains(string(data), `"fault_rate":1`) {
		t.Fatalf("PUT faults: %d %s", status, data)
	}
	if status, _, _ := a.do("GET", "/instances", nil); status != 500 {
		t.Fatalf("API with fault_rate 1: %d, want 500", status)
	}
	if status, _ := get("/_emulator/health"); status != 200 {
		t.Fatalf("health with fault_rate 1: %d", status)
	}
	status, _, data = a.doWith("POST", a.srv.URL+"/_emulator/reset", nil, nil)
	if status != 200 {
		t.Fatalf("reset: %d %s", status, data)
	}
	// Reset restores the configured faults (none), drops instances and stats.
	status, _, data = a.do("GET", "/instances/"+id+"/status", nil)
	wantError(t, status, data, http.StatusNotFound, "iMetal.0200")
	st = a.srv.Emulator.Stats()
	if len(st.Instances) != 0 || st.Requests["CreateInstance"] != 0 {
		t.Fatalf("stats after reset: %+v", st)
	}
	var servers struct {
		Count int `json:"count"`
	}
	a.mustDo("GET", "/physicalservers?manage_state=ready", nil, http.StatusOK, &servers)
	if servers.Count != 3 {
		t.Fatalf("ready servers after reset: %d, want 3", servers.Count)
	}
}

func TestBodyTooLarge(t *testing.T) {
	a := newAPI(t, emulator.Config{})
	big := `{"instance_id_set":["` + strings.Repeat("a", emulator.MaxBodyBytes) + `"]}`
	status, _, data := a.do("POST", "/instances/batch-delete", big)
	wantError(t, status, data, http.StatusRequestEntityTooLarge, "iMetal.0001", "larger than")
	// Just under the limit is read (and refused for its content, not its size).
	under := `{"instance_id_set":["` + strings.Repeat("a", emulator.MaxBodyBytes-100) + `"]}`
	status, _, data = a.do("POST", "/instances/batch-delete", under)
	wantError(t, status, data, http.StatusBadRequest, "iMetal.0001", "lowercase UUIDs")
}

// TestConcurrentUse hammers the emulator from many goroutines (run with
// -race): creates, status polls, lists and deletes must all succeed and
// every server must be ready again at the end.
func TestConcurrentUse(t *testing.T) {
	a := newAPI(t, emulator.Config{Servers: 40})
	tok := map[string]string{"X-Auth-Token": a.srv.Config.Token}
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for w := range 20 {
		wg.Go(func() {
			for i := range 2 {
				status, _, data, err := a.send("POST", "/instances", createBody(fmt.Sprintf("c%d-%d", w, i)), tok)
				if err != nil || status != http.StatusAccepted {
					errs <- fmt.Sprintf("create: %d %s %v", status, data, err)
					return
				}
				var out struct {
					InstanceID string `json:"instance_id"`
				}
				if err := json.Unmarshal(data, &out); err != nil {
					errs <- err.Error()
					return
				}
				if _, err := a.pollState(out.InstanceID, "running"); err != nil {
					errs <- err.Error()
					return
				}
				if status, _, data, err := a.send("GET", "/instances?limit=100", nil, tok); err != nil || status != http.StatusOK {
					errs <- fmt.Sprintf("list: %d %s %v", status, data, err)
				}
				if status, _, data, err := a.send("DELETE", "/instances/"+out.InstanceID, nil, tok); err != nil || status != http.StatusNoContent {
					errs <- fmt.Sprintf("delete: %d %s %v", status, data, err)
				}
				if _, err := a.pollState(out.InstanceID, "terminated"); err != nil {
					errs <- err.Error()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	st := a.srv.Emulator.Stats()
	if st.Instances["terminated"] != 40 || len(st.Instances) != 1 {
		t.Fatalf("instances %v: want 40 terminated", st.Instances)
	}
}
