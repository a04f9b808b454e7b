package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCommitFailureChangesNothing makes every write to the state file fail
// after its changes are in the bbolt transaction (as a full disk or an I/O
// error at commit would) and checks that each write request answers 500
// iMetal.0099 and that neither memory nor the file keeps any of it: the
// answers before and after are the same, and so is the file once reopened.
func TestCommitFailureChangesNothing(t *testing.T) {
	clock := &testClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	cfg := Config{StateFile: t.TempDir() + "/state.db", Servers: 4, Token: "tok",
		CreateDuration: time.Minute, DeleteDuration: time.Minute, Seed: 3, Now: clock.Now}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Auth-Token", "tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(data)
	}
	api := "/v1/" + DefaultProjectID
	create := `{"name":"a","image_id":"img","vpc_id":"vpc","network_interfaces":[{"subnet_id":"s"}],"password":"Passw0rd!x"}`
	status, body := do("POST", api+"/instances", create)
	if status != http.StatusAccepted {
		t.Fatalf("CreateInstance: %d %s", status, body)
	}
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	id := created.InstanceID
	clock.Advance(time.Minute)

	// snapshot is everything a client can see.
	snapshot := func(do func(string, string, string) (int, string)) string {
		_, instances := do("GET", api+"/instances?limit=1000", "")
		_, servers := do("GET", api+"/physicalservers?limit=1000", "")
		return instances + "\n" + servers
	}
	before := snapshot(do)
	if !strings.Contains(before, `"state":"running"`) {
		t.Fatalf("the instance is not running before the test: %s", before)
	}

	var list struct {
		Instances []struct {
			ServerID string `json:"server_id"`
		} `json:"instances"`
	}
	if _, data := do("GET", api+"/instances", ""); json.Unmarshal([]byte(data), &list) != nil || len(list.Instances) != 1 {
		t.Fatalf("ListInstances: %s", data)
	}
	serverID := list.Instances[0].ServerID

	bs, ok := e.backend.store.(*boltStore)
	if !ok {
		t.Fatalf("store %T, want the bolt store", e.backend.store)
	}
	e.backend.wmu.Lock() // saves run under the write lock
	bs.failSave = errors.New("no space left on device (injected)")
	e.backend.wmu.Unlock()

	for _, w := range []struct{ name, method, path, body string }{
		{"CreateInstance", "POST", api + "/instances", create},
		{"RunInstances", "POST", api + "/instances/batch-create", strings.Replace(create, `"password"`, `"min_count":2,"password"`, 1)},
		{"DeleteInstances", "POST", api + "/instances/batch-delete", `{"instance_id_set":["` + id + `"]}`},
		{"DeleteInstance", "DELETE", api + "/instances/" + id, ""},
		{"ReinstallOS", "PUT", api + "/instances/reinstall", `{"password":"Passw0rd!y","instance_id_set":["` + id + `"]}`},
		{"ChangeInstancePassword", "PUT", api + "/instances/password", `{"new_password":"x","instance_id_set":["` + id + `"]}`},
		{"ModifyInstanceIp", "PUT", api + "/instances/" + id + "/ip", `{"nics":[{"subnet_id":"s2"}]}`},
		{"ChangeServerPowerState", "PUT", api + "/physicalservers/power-state", `{"action":"power off","server_id_set":["` + serverID + `"]}`},
		{"reset", "POST", "/_emulator/reset", ""},
	} {
		status, body := do(w.method, w.path, w.body)
		if status != http.StatusInternalServerError || !strings.Contains(body, `"error_code":"iMetal.0099"`) {
			t.Errorf("%s with a failing state file: %d %s, want 500 iMetal.0099", w.name, status, body)
		}
	}
	if got := snapshot(do); got != before {
		t.Fatalf("memory kept a change whose commit failed:\nbefore %s\nafter  %s", before, got)
	}
	// Admin requests are not counted: eight API requests failed.
	if n := e.Stats().Responses["500"]; n != 8 {
		t.Fatalf("%d responses 500, want 8", n)
	}

	// The file holds the state from before the failed writes.
	srv.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	srv2 := httptest.NewServer(e2)
	defer srv2.Close()
	srv = srv2
	if got := snapshot(do); got != before {
		t.Fatalf("the state file kept a change whose commit failed:\nbefore %s\nafter  %s", before, got)
	}
	// And the emulator works again once writes succeed.
	if status, body := do("DELETE", api+"/instances/"+id, ""); status != http.StatusNoContent {
		t.Fatalf("DeleteInstance after the failure: %d %s", status, body)
	}
}
