package emulator_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// server is what the tests read of a PhysicalServer.
type server struct {
	ID             string `json:"id"`
	ManageState    string `json:"manage_state"`
	FrozenState    int    `json:"frozen_state"`
	PowerState     string `json:"power_state"`
	OperationState string `json:"operation_state"`
	HealthState    string `json:"health_state"`
}

func (a *api) server(id string) server {
	a.t.Helper()
	var s server
	a.mustDo("GET", "/physicalservers/"+id, nil, http.StatusOK, &s)
	return s
}

// setServer calls the admin endpoint PUT /_emulator/servers/{id}.
func (a *api) setServer(id string, body any) (int, []byte) {
	a.t.Helper()
	status, _, data := a.doWith("PUT", a.srv.URL+"/_emulator/servers/"+id, body, nil)
	return status, data
}

func (a *api) mustSetServer(id string, body any) server {
	a.t.Helper()
	status, data := a.setServer(id, body)
	if status != http.StatusOK {
		a.t.Fatalf("PUT /_emulator/servers/%s: %d %s", id, status, data)
	}
	var s server
	if err := json.Unmarshal(data, &s); err != nil {
		a.t.Fatalf("decode %s: %v", data, err)
	}
	return s
}

func powerBody(action string, ids ...string) map[string]any {
	return map[string]any{"action": action, "server_id_set": ids}
}

// TestPowerOffAsTheAPIReportsIt is the acceptance check: a power
// off shows power_state on with operation_state power-off-processing, then
// off with power-off-succeed; power_state is never a third value, and
// every server carries frozen_state.
func TestPowerOffAsTheAPIReportsIt(t *testing.T) {
	f := newFixture(t)
	f.mustDo("PUT", "/physicalservers/power-state", powerBody("power off", f.busyServer), http.StatusOK, nil)
	s := f.server(f.busyServer)
	if s.PowerState != "on" || s.OperationState != "power-off-processing" {
		t.Fatalf("during the power off: %+v, want on and power-off-processing", s)
	}
	if st := f.status(f.running).State; st != "running" {
		t.Fatalf("instance during the power off: %q, want running until the server is off", st)
	}
	f.clock.Advance(time.Minute)
	s = f.server(f.busyServer)
	if s.PowerState != "off" || s.OperationState != "power-off-succeed" {
		t.Fatalf("after the power off: %+v, want off and power-off-succeed", s)
	}
	if st := f.status(f.running).State; st != "stopped" {
		t.Fatalf("instance after the power off: %q, want stopped", st)
	}
	f.mustDo("PUT", "/physicalservers/power-state", powerBody("power on", f.busyServer), http.StatusOK, nil)
	if s := f.server(f.busyServer); s.PowerState != "off" || s.OperationState != "power-on-processing" {
		t.Fatalf("during the power on: %+v, want off and power-on-processing", s)
	}
	f.clock.Advance(time.Minute)
	if s := f.server(f.busyServer); s.PowerState != "on" || s.OperationState != "power-on-succeed" || f.status(f.running).State != "running" {
		t.Fatalf("after the power on: %+v, instance %q; want on, power-on-succeed, running", s, f.status(f.running).State)
	}

	var list struct {
		Servers []map[string]json.RawMessage `json:"servers"`
	}
	f.mustDo("GET", "/physicalservers?limit=1000", nil, http.StatusOK, &list)
	for _, s := range list.Servers {
		if string(s["frozen_state"]) != "0" {
			t.Fatalf("server %s: frozen_state %s, want 0", s["id"], s["frozen_state"])
		}
		if p := string(s["power_state"]); p != `"on"` && p != `"off"` {
			t.Fatalf("server %s: power_state %s, want on or off", s["id"], p)
		}
	}
}

// TestPowerFailureRate makes every power change fail through
// PUT /_emulator/faults and checks where each action leaves the server and
// its instance.
func TestPowerFailureRate(t *testing.T) {
	f := newFixture(t)
	status, _, data := f.doWith("PUT", f.srv.URL+"/_emulator/faults", `{"power_failure_rate": 1}`, nil)
	if status != http.StatusOK || !strings.Contains(string(data), `"power_failure_rate":1`) {
		t.Fatalf("PUT faults: %d %s", status, data)
	}
	for _, tt := range []struct {
		action, wantPower, wantOp, wantInstance string
	}{
		{"power off", "on", "power-off-failed", "running"},
		{"rebooting", "off", "reboot-failed", "stopped"},
		{"power on", "off", "power-on-failed", "stopped"},
	} {
		f.mustDo("PUT", "/physicalservers/power-state", powerBody(tt.action, f.busyServer), http.StatusOK, nil)
		if s := f.server(f.busyServer); !strings.HasSuffix(s.OperationState, "-processing") {
			t.Fatalf("%s: operation_state %q right after the request, want *-processing", tt.action, s.OperationState)
		}
		f.clock.Advance(time.Minute)
		s := f.server(f.busyServer)
		if s.PowerState != tt.wantPower || s.OperationState != tt.wantOp {
			t.Fatalf("%s: server %+v, want %s and %s", tt.action, s, tt.wantPower, tt.wantOp)
		}
		if st := f.status(f.running).State; st != tt.wantInstance {
			t.Fatalf("%s: instance %q, want %q", tt.action, st, tt.wantInstance)
		}
	}
	// Bad values are refused like the other shares; a reset restores none.
	status, _, data = f.doWith("PUT", f.srv.URL+"/_emulator/faults", `{"power_failure_rate": 1.5}`, nil)
	wantError(t, status, data, http.StatusBadRequest, "iMetal.0001", "power_failure_rate")
	f.mustDo("PUT", "/physicalservers/power-state", powerBody("power on", f.busyServer), http.StatusOK, nil)
	f.srv.Emulator.SetFaults(emulator.Faults{PowerFailureRate: ptr(0.0)})
	f.mustDo("PUT", "/physicalservers/power-state", powerBody("power on", f.freeServer), http.StatusOK, nil)
	f.clock.Advance(time.Minute)
	if s := f.server(f.busyServer); s.OperationState != "power-on-failed" {
		t.Fatalf("a change started while the rate was 1 ended %q, want power-on-failed", s.OperationState)
	}
}

// TestFrozenAndMaintainedServers checks what the emulator refuses on a
// frozen server and on one in maintenance (the choices of the package
// documentation), each with its error code, and that a refusal changes
// nothing.
func TestFrozenAndMaintainedServers(t *testing.T) {
	runCases(t, func(f *fixture) []opCase {
		ready := f.readyServers(3)
		frozen, maintained, osReady := ready[0], ready[1], ready[2]
		f.mustSetServer(frozen, map[string]any{"frozen_state": 4})
		f.mustSetServer(maintained, map[string]any{"manage_state": "maintain"})
		f.mustSetServer(osReady, map[string]any{"manage_state": "os-ready"})
		f.mustSetServer(f.busyServer, map[string]any{"frozen_state": 1})
		f.mustSetServer(f.stoppedServer, map[string]any{"manage_state": "maintain"})
		create := func(server string) map[string]any {
			b := createBody("x")
			b["placement"] = map[string]any{"server_id": server}
			return b
		}
		run := func(minCount int, servers ...string) map[string]any {
			b := createBody("x")
			b["placement"] = map[string]any{"server_id_set": servers}
			b["min_count"], b["max_count"] = minCount, len(servers)
			return b
		}
		return []opCase{
			{name: "create on a frozen server", method: "POST", path: "/instances", body: create(frozen),
				status: 400, code: "iMetal.0101", msg: []string{frozen, "frozen_state is 4 (arrears)"}},
			{name: "create on a maintained server", method: "POST", path: "/instances", body: create(maintained),
				status: 400, code: "iMetal.0101", msg: []string{maintained, "manage_state is maintain"}},
			{name: "run on frozen and maintained servers", method: "POST", path: "/instances/batch-create", body: run(1, frozen, maintained),
				status: 400, code: "iMetal.0101", msg: []string{frozen, maintained, "nothing was created"}},
			{name: "run skips them when min_count allows", method: "POST", path: "/instances/batch-create", body: run(1, frozen, f.freeServer), status: 202},
			{name: "power on a frozen server", method: "PUT", path: "/physicalservers/power-state", body: powerBody("power on", frozen),
				status: 400, code: "iMetal.0101", msg: []string{frozen, "frozen_state is 4"}},
			{name: "power off a frozen server with an instance", method: "PUT", path: "/physicalservers/power-state", body: powerBody("power off", f.freeServer, f.busyServer),
				status: 400, code: "iMetal.0101", msg: []string{f.busyServer, "frozen_state is 1 (police)"}},
			{name: "reboot a maintained server", method: "PUT", path: "/physicalservers/power-state", body: powerBody("rebooting", maintained),
				status: 400, code: "iMetal.0101", msg: []string{maintained, "manage_state is maintain"}},
			{name: "power off a server not delivered yet", method: "PUT", path: "/physicalservers/power-state", body: powerBody("power off", osReady),
				status: 400, code: "iMetal.0101", msg: []string{osReady, "manage_state is os-ready"}},
			{name: "reboot a ready, unfrozen server", method: "PUT", path: "/physicalservers/power-state", body: powerBody("rebooting", f.freeServer), status: 200},
			{name: "reinstall on a frozen server", method: "PUT", path: "/instances/reinstall",
				body:   map[string]any{"password": testPassword, "instance_id_set": []string{f.running}},
				status: 400, code: "iMetal.0101", msg: []string{f.busyServer, "ReinstallOS", f.running}},
			{name: "reinstall on a maintained server", method: "PUT", path: "/instances/reinstall",
				body:   map[string]any{"password": testPassword, "instance_id_set": []string{f.stopped}},
				status: 400, code: "iMetal.0101", msg: []string{f.stoppedServer, "manage_state is maintain"}},
			{name: "IP change on a frozen server", method: "PUT", path: "/instances/" + f.running + "/ip",
				body:   map[string]any{"nics": []map[string]any{{"subnet_id": "subnet-2"}}},
				status: 400, code: "iMetal.0101", msg: []string{f.busyServer, "ModifyInstanceIp"}},
			{name: "password change on a frozen server is allowed", method: "PUT", path: "/instances/password",
				body: map[string]any{"new_password": "An0ther!pass", "instance_id_set": []string{f.running}}, status: 200},
			{name: "delete on a frozen server is allowed", method: "DELETE", path: "/instances/" + f.running, status: 204},
			{name: "delete on a maintained server is allowed", method: "DELETE", path: "/instances/" + f.stopped, status: 204},
		}
	})
}

// readyServers returns the IDs of n ready servers other than f.freeServer.
func (f *fixture) readyServers(n int) []string {
	f.t.Helper()
	var list struct {
		Servers []server `json:"servers"`
	}
	f.mustDo("GET", "/physicalservers?manage_state=ready&limit=1000", nil, http.StatusOK, &list)
	var out []string
	for _, s := range list.Servers {
		if s.ID != f.freeServer && len(out) < n {
			out = append(out, s.ID)
		}
	}
	if len(out) < n {
		f.t.Fatalf("fixture has %d other ready servers, want %d", len(out), n)
	}
	return out
}

// TestRandomPlacementSkipsFrozenAndMaintained checks that CreateInstance
// without placement never picks a frozen or maintained server, and fails
// with 400 iMetal.0101 once only those are left.
func TestRandomPlacementSkipsFrozenAndMaintained(t *testing.T) {
	a := newAPI(t, emulator.Config{Servers: 4, Seed: 3})
	var list struct {
		Servers []server `json:"servers"`
	}
	a.mustDo("GET", "/physicalservers", nil, http.StatusOK, &list)
	a.mustSetServer(list.Servers[0].ID, map[string]any{"frozen_state": 2})
	a.mustSetServer(list.Servers[1].ID, map[string]any{"manage_state": "maintain"})
	a.mustSetServer(list.Servers[2].ID, map[string]any{"frozen_state": 7, "health_state": "Critical"})
	id := a.create("only-one-fits")
	var inst struct {
		Instances []struct {
			ServerID string `json:"server_id"`
		} `json:"instances"`
	}
	a.mustDo("GET", "/instances?instance_id="+id, nil, http.StatusOK, &inst)
	if got := inst.Instances[0].ServerID; got != list.Servers[3].ID {
		t.Fatalf("instance placed on %s, want the one usable server %s", got, list.Servers[3].ID)
	}
	status, _, data := a.do("POST", "/instances", createBody("no-room"))
	wantError(t, status, data, http.StatusBadRequest, "iMetal.0101", "no physical server is ready")
}

// TestAdminSetServer checks PUT /_emulator/servers/{id}: what it sets,
// what it refuses (each with the API's error format), and that it needs
// no credentials.
func TestAdminSetServer(t *testing.T) {
	f := newFixture(t)
	free := f.freeServer
	for _, tt := range []struct {
		name, id string
		body     any
		status   int
		code     string
		msg      []string
	}{
		{"empty body", free, "", 400, "iMetal.0002", []string{"request body"}},
		{"no field", free, `{}`, 400, "iMetal.0002", []string{"manage_state, frozen_state or health_state"}},
		{"not JSON", free, `{`, 400, "iMetal.0001", nil},
		{"misspelt field", free, `{"frozen": 1}`, 400, "iMetal.0001", []string{"frozen"}},
		{"frozen_state as a string", free, `{"frozen_state": "1"}`, 400, "iMetal.0001", nil},
		{"unknown manage state", free, map[string]any{"manage_state": "asleep"}, 400, "iMetal.0001", []string{"asleep", "maintain"}},
		{"old frozen manage state", free, map[string]any{"manage_state": "frozen"}, 400, "iMetal.0001", []string{"set frozen_state instead"}},
		{"frozen_state 8", free, map[string]any{"frozen_state": 8}, 400, "iMetal.0001", []string{"0 to 7"}},
		{"frozen_state negative", free, map[string]any{"frozen_state": -1}, 400, "iMetal.0001", []string{"0 to 7"}},
		{"unknown health", free, map[string]any{"health_state": "ok"}, 400, "iMetal.0001", []string{"Warning"}},
		{"in-use without an instance", free, map[string]any{"manage_state": "in-use"}, 400, "iMetal.0001", []string{"hosts no instance"}},
		{"ready with an instance", f.busyServer, map[string]any{"manage_state": "ready"}, 400, "iMetal.0001", []string{f.running}},
		{"unknown server", unknownID, map[string]any{"frozen_state": 1}, 404, "iMetal.0100", []string{unknownID}},
		{"not a server ID", "srv-1", map[string]any{"frozen_state": 1}, 400, "iMetal.0001", []string{"srv-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := f.snapshot()
			status, data := f.setServer(tt.id, tt.body)
			wantError(t, status, data, tt.status, tt.code, tt.msg...)
			if after := f.snapshot(); after != before {
				t.Fatalf("a refused admin call changed the state:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	// Only the fields given change.
	s := f.mustSetServer(free, map[string]any{"frozen_state": 6, "health_state": "Warning"})
	if s.ID != free || s.FrozenState != 6 || s.HealthState != "Warning" || s.ManageState != "ready" || s.PowerState != "on" {
		t.Fatalf("after setting frozen and health: %+v", s)
	}
	s = f.mustSetServer(free, map[string]any{"manage_state": "offboarding"})
	if s.FrozenState != 6 || s.HealthState != "Warning" || s.ManageState != "offboarding" {
		t.Fatalf("after setting the manage state: %+v", s)
	}
	if got := f.server(free); got != s {
		t.Fatalf("ShowServer %+v disagrees with the admin answer %+v", got, s)
	}
	// A server in use can go into maintenance and stays there when its
	// instance is deleted; back to ready it takes instances again.
	if s := f.mustSetServer(f.busyServer, map[string]any{"manage_state": "maintain"}); s.ManageState != "maintain" {
		t.Fatalf("in-use → maintain: %+v", s)
	}
	f.mustDo("DELETE", "/instances/"+f.running, nil, http.StatusNoContent, nil)
	f.clock.Advance(time.Minute)
	if s := f.server(f.busyServer); s.ManageState != "maintain" {
		t.Fatalf("after its instance was deleted the maintained server is %q, want maintain", s.ManageState)
	}
	status, data := f.setServer(f.busyServer, map[string]any{"manage_state": "in-use"})
	wantError(t, status, data, http.StatusBadRequest, "iMetal.0001", "hosts no instance")
	f.mustSetServer(f.busyServer, map[string]any{"manage_state": "ready"})
	b := createBody("again")
	b["placement"] = map[string]any{"server_id": f.busyServer}
	f.mustDo("POST", "/instances", b, http.StatusAccepted, nil)

	// The endpoint needs no credentials, is exempt from injected faults and
	// counts as no API request.
	f.srv.Emulator.SetFaults(emulator.Faults{FaultRate: ptr(1.0)})
	requests := func() (n int64) {
		for _, c := range f.srv.Emulator.Stats().Requests {
			n += c
		}
		return n
	}
	before := requests()
	f.mustSetServer(free, map[string]any{"health_state": "OK"})
	if after := requests(); after != before {
		t.Fatalf("the admin call counted as %d API requests", after-before)
	}
	// A reset brings back the seeded servers (and the configured faults).
	f.mustDo("POST", f.srv.URL+"/_emulator/reset", nil, http.StatusOK, nil)
	if s := f.server(free); s.ManageState != "ready" || s.FrozenState != 0 || s.HealthState != "OK" {
		t.Fatalf("after a reset: %+v, want a ready, unfrozen, healthy server", s)
	}
}

// TestListServersByManageState lists servers by every manage state of the
// SDK's enum and by the old frozen one, which matches frozen_state != 0.
func TestListServersByManageState(t *testing.T) {
	a := newAPI(t, emulator.Config{Servers: 12, Seed: 5})
	var list struct {
		Servers []server `json:"servers"`
		Count   int      `json:"count"`
	}
	a.mustDo("GET", "/physicalservers?limit=100", nil, http.StatusOK, &list)
	all := list.Servers
	for i, m := range []string{"onboard", "os-ready", "maintain", "offboarding", "onboard"} {
		a.mustSetServer(all[i].ID, map[string]any{"manage_state": m})
	}
	a.mustSetServer(all[5].ID, map[string]any{"frozen_state": 1})
	a.mustSetServer(all[0].ID, map[string]any{"frozen_state": 3})
	a.create("in-use") // on one of the six usable servers
	want := map[string]int{"onboard": 2, "os-ready": 1, "ready": 6, "in-use": 1, "maintain": 1, "offboarding": 1, "frozen": 2}
	for state, n := range want {
		a.mustDo("GET", "/physicalservers?limit=100&manage_state="+state, nil, http.StatusOK, &list)
		if list.Count != n || len(list.Servers) != n {
			t.Errorf("manage_state=%s: count %d, %d servers; want %d", state, list.Count, len(list.Servers), n)
		}
		for _, s := range list.Servers {
			if state == "frozen" && s.FrozenState == 0 || state != "frozen" && s.ManageState != state {
				t.Errorf("manage_state=%s listed %+v", state, s)
			}
		}
	}
	status, _, data := a.do("GET", "/physicalservers?manage_state=delivering", nil)
	wantError(t, status, data, http.StatusBadRequest, "iMetal.0001", "delivering", "os-ready")
}

// TestShowServerStatus counts servers by health, power and manage state.
// Its path is not taken for ShowServer of a server called "status".
func TestShowServerStatus(t *testing.T) {
	clock := emulatortest.NewStepClock()
	// 25 servers: 20 in the first rack's DC, 5 in the second's.
	a := newAPI(t, emulator.Config{Servers: 25, Seed: 9, PowerDuration: time.Minute, Now: clock.Now})
	var list struct {
		Servers []struct {
			server
			Location struct {
				DC string `json:"dc"`
			} `json:"location"`
		} `json:"servers"`
	}
	a.mustDo("GET", "/physicalservers?limit=100", nil, http.StatusOK, &list)
	s := list.Servers
	b := createBody("one")
	b["placement"] = map[string]any{"server_id": s[5].ID}
	a.mustDo("POST", "/instances", b, http.StatusAccepted, nil)
	a.mustSetServer(s[0].ID, map[string]any{"health_state": "Warning", "manage_state": "maintain"})
	a.mustSetServer(s[1].ID, map[string]any{"health_state": "Critical", "frozen_state": 4})
	a.mustSetServer(s[2].ID, map[string]any{"health_state": "Unknown"})
	a.mustDo("PUT", "/physicalservers/power-state", powerBody("power off", s[3].ID, s[4].ID), http.StatusOK, nil)
	clock.Advance(time.Minute)

	var got struct {
		ServerStatus map[string]struct {
			Count   int            `json:"count"`
			DCStats map[string]int `json:"dc_stats"`
		} `json:"server_status"`
		Power  map[string]int `json:"server_power_status"`
		Manage map[string]int `json:"server_manage_state"`
	}
	a.mustDo("GET", "/physicalservers/status", nil, http.StatusOK, &got)
	dc1, dc2 := s[0].Location.DC, s[24].Location.DC
	for k, want := range map[string]int{"total": 25, "ok": 22, "warning": 1, "critical": 1, "unknown": 1, "health": 22, "unHealth": 3, "isolation": 2} {
		c, ok := got.ServerStatus[k]
		if !ok || c.Count != want {
			t.Errorf("server_status.%s = %+v, want count %d", k, c, want)
			continue
		}
		if _, ok := c.DCStats[dc2]; !ok || len(c.DCStats) != 2 || c.DCStats[dc1]+c.DCStats[dc2] != c.Count {
			t.Errorf("server_status.%s.dc_stats %v: want %s and %s (zeros too), adding up to %d", k, c.DCStats, dc1, dc2, c.Count)
		}
	}
	if dc1 == dc2 || got.ServerStatus["total"].DCStats[dc2] != 5 || got.ServerStatus["critical"].DCStats[dc1] != 1 {
		t.Errorf("dc_stats total %v, critical %v: want 5 servers in %s and the critical one in %s",
			got.ServerStatus["total"].DCStats, got.ServerStatus["critical"].DCStats, dc2, dc1)
	}
	if got.Power["on"] != 23 || got.Power["off"] != 2 || got.Power["unknown"] != 0 {
		t.Errorf("server_power_status = %v, want on 23, off 2, unknown 0", got.Power)
	}
	wantManage := map[string]int{"onboard": 0, "os-ready": 0, "ready": 23, "in-use": 1, "maintain": 1, "offboarding": 0}
	if len(got.Manage) != len(wantManage) {
		t.Errorf("server_manage_state = %v, want every state of the enum", got.Manage)
	}
	for k, n := range wantManage {
		if got.Manage[k] != n {
			t.Errorf("server_manage_state[%s] = %d, want %d", k, got.Manage[k], n)
		}
	}
	st := a.srv.Emulator.Stats()
	if st.Requests["ShowServerStatus"] != 1 || st.Requests["ShowServer"] != 0 {
		t.Errorf("stats %v: want one ShowServerStatus and no ShowServer", st.Requests)
	}
	status, _, data := a.do("GET", "/physicalservers/"+unknownID, nil)
	wantError(t, status, data, http.StatusNotFound, "iMetal.0100")
}

// TestStateFileFromTheOldPowerModel opens a state file written by an
// emulator that reported power_state powering-on, powering-off and
// rebooting: the servers come back in the new model (the power_state they
// had before the change, the change in operation_state) and the change
// finishes by the clock.
func TestStateFileFromTheOldPowerModel(t *testing.T) {
	clock := emulatortest.NewStepClock()
	cfg := emulator.Config{StateFile: t.TempDir() + "/state.db", Servers: 3, Now: clock.Now}
	a := newAPI(t, cfg)
	var list struct {
		Servers []server `json:"servers"`
	}
	a.mustDo("GET", "/physicalservers", nil, http.StatusOK, &list)
	if err := a.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	old := map[string]struct{ power, op, final, finalOp, now string }{
		list.Servers[0].ID: {"powering-on", "power-on-processing", "on", "power-on-succeed", "off"},
		list.Servers[1].ID: {"powering-off", "power-off-processing", "off", "power-off-succeed", "on"},
		list.Servers[2].ID: {"rebooting", "reboot-processing", "on", "reboot-succeed", "on"},
	}
	db, err := bolt.Open(cfg.StateFile, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("servers"))
		for id, o := range old {
			var rec map[string]any
			if err := json.Unmarshal(b.Get([]byte(id)), &rec); err != nil {
				return err
			}
			rec["power_state"], rec["operation_state"] = o.power, o.op
			rec["next"] = map[string]any{"at": clock.Now().Add(time.Minute), "power_state": o.final, "operation_state": o.finalOp}
			data, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(id), data); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	b := newAPI(t, cfg)
	for id, o := range old {
		if s := b.server(id); s.PowerState != o.now || s.OperationState != o.op {
			t.Errorf("old %s server reopened as %+v, want %s and %s", o.power, s, o.now, o.op)
		}
	}
	clock.Advance(time.Minute)
	for id, o := range old {
		if s := b.server(id); s.PowerState != o.final || s.OperationState != o.finalOp {
			t.Errorf("old %s server after the change: %+v, want %s and %s", o.power, s, o.final, o.finalOp)
		}
	}
}
