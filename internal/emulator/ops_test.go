package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// fixture is an emulator on a fake clock with one instance in each state.
type fixture struct {
	*api
	clock                                                    *emulatortest.StepClock
	running, pending, shutting, terminated, errored, stopped string
	freeServer, busyServer, stoppedServer                    string
}

const unknownID = "0198170e-4ca7-7ee4-89a7-fa631843920b"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := emulatortest.NewStepClock()
	f := &fixture{clock: clock, api: newAPI(t, emulator.Config{Servers: 10, CreateDuration: time.Minute,
		DeleteDuration: time.Minute, TerminatedTTL: time.Hour, Now: clock.Now, Seed: 7})}
	f.running, f.terminated, f.errored, f.stopped = f.create("running"), f.create("terminated"), f.create("errored"), f.create("stopped")
	clock.Advance(time.Minute)
	f.mustDo("DELETE", "/instances/"+f.terminated, nil, http.StatusNoContent, nil)
	f.srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: ptr(1.0)})
	f.mustDo("DELETE", "/instances/"+f.errored, nil, http.StatusNoContent, nil)
	f.srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: ptr(0.0)})
	f.stoppedServer = f.serverOf(f.stopped)
	f.mustDo("PUT", "/physicalservers/power-state", map[string]any{"action": "power off", "server_id_set": []string{f.stoppedServer}}, http.StatusOK, nil)
	clock.Advance(time.Minute)
	f.pending, f.shutting = f.create("pending"), f.create("shutting")
	f.mustDo("DELETE", "/instances/"+f.shutting, nil, http.StatusNoContent, nil)
	f.busyServer = f.serverOf(f.running)
	var servers struct {
		Servers []struct {
			ID string `json:"id"`
		} `json:"servers"`
	}
	f.mustDo("GET", "/physicalservers?manage_state=ready", nil, http.StatusOK, &servers)
	f.freeServer = servers.Servers[0].ID

	for id, want := range map[string]string{f.running: "running", f.pending: "pending", f.shutting: "shutting-down",
		f.terminated: "terminated", f.errored: "error", f.stopped: "stopped"} {
		if got := f.status(id).State; got != want {
			t.Fatalf("fixture: instance %s is %q, want %q", id, got, want)
		}
	}
	return f
}

func (f *fixture) serverOf(id string) string {
	f.t.Helper()
	var list struct {
		Instances []struct {
			ServerID string `json:"server_id"`
		} `json:"instances"`
	}
	f.mustDo("GET", "/instances?instance_id="+id, nil, http.StatusOK, &list)
	if len(list.Instances) != 1 {
		f.t.Fatalf("instance %s not listed", id)
	}
	return list.Instances[0].ServerID
}

// opCase is one request and the answer it must get.
type opCase struct {
	name   string
	method string
	path   string
	body   any
	status int
	code   string   // error_code for errors
	msg    []string // parts of error_msg
}

// runCases runs each case on a fresh fixture and, for errors, checks that
// nothing changed.
func runCases(t *testing.T, cases func(f *fixture) []opCase) {
	t.Helper()
	f := newFixture(t)
	n := len(cases(f))
	for i := range n {
		f := newFixture(t)
		tc := cases(f)[i]
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			status, hdr, data := f.do(tc.method, tc.path, tc.body)
			if hdr.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id header")
			}
			if tc.code != "" {
				wantError(t, status, data, tc.status, tc.code, tc.msg...)
				if after := f.snapshot(); after != before {
					t.Fatalf("a refused request changed the state:\nbefore %s\nafter  %s", before, after)
				}
				return
			}
			if status != tc.status {
				t.Fatalf("status %d, want %d; body %s", status, tc.status, data)
			}
		})
	}
}

// snapshot renders every instance and server as JSON, to compare states.
func (f *fixture) snapshot() string {
	f.t.Helper()
	var b strings.Builder
	_, _, inst := f.do("GET", "/instances?limit=1000", nil)
	_, _, srv := f.do("GET", "/physicalservers?limit=1000", nil)
	b.Write(inst)
	b.Write(srv)
	return b.String()
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("0198170e-4ca7-7ee4-89a7-%012x", i)
	}
	return out
}

func TestCreateInstanceValidation(t *testing.T) {
	with := func(k string, v any) map[string]any {
		b := createBody("bm-01")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "good", method: "POST", path: "/instances", body: createBody("bm-01"), status: 202},
			{name: "good on named server", method: "POST", path: "/instances", body: with("placement", map[string]string{"server_id": f.freeServer}), status: 202},
			{name: "fixed IP", method: "POST", path: "/instances", body: with("network_interfaces", []map[string]string{{"subnet_id": "s", "ipv4_address": "10.1.2.3"}}), status: 202},
			{name: "malformed JSON", method: "POST", path: "/instances", body: `{"name":`, status: 400, code: "iMetal.0001", msg: []string{"not valid JSON"}},
			{name: "wrong type", method: "POST", path: "/instances", body: `{"name": 5}`, status: 400, code: "iMetal.0001", msg: []string{"name"}},
			{name: "empty body", method: "POST", path: "/instances", body: "", status: 400, code: "iMetal.0002"},
			{name: "missing name", method: "POST", path: "/instances", body: with("name", nil), status: 400, code: "iMetal.0002", msg: []string{"name"}},
			{name: "bad name", method: "POST", path: "/instances", body: with("name", "bad name!"), status: 400, code: "iMetal.0001", msg: []string{"name"}},
			{name: "long name", method: "POST", path: "/instances", body: with("name", strings.Repeat("a", 64)), status: 400, code: "iMetal.0001", msg: []string{"name"}},
			{name: "missing image", method: "POST", path: "/instances", body: with("image_id", nil), status: 400, code: "iMetal.0002", msg: []string{"image_id"}},
			{name: "missing vpc", method: "POST", path: "/instances", body: with("vpc_id", ""), status: 400, code: "iMetal.0002", msg: []string{"vpc_id"}},
			{name: "no NICs", method: "POST", path: "/instances", body: with("network_interfaces", []any{}), status: 400, code: "iMetal.0002", msg: []string{"network_interfaces"}},
			{name: "three NICs", method: "POST", path: "/instances", body: with("network_interfaces", []map[string]string{{"subnet_id": "a"}, {"subnet_id": "b"}, {"subnet_id": "c"}}), status: 400, code: "iMetal.0001", msg: []string{"at most 2"}},
			{name: "NIC without subnet", method: "POST", path: "/instances", body: with("network_interfaces", []map[string]string{{"ipv4_address": "10.0.0.1"}}), status: 400, code: "iMetal.0002", msg: []string{"subnet_id"}},
			{name: "bad IP", method: "POST", path: "/instances", body: with("network_interfaces", []map[string]string{{"subnet_id": "s", "ipv4_address": "10.0.0.300"}}), status: 400, code: "iMetal.0001", msg: []string{"ipv4_address"}},
			{name: "missing password", method: "POST", path: "/instances", body: with("password", nil), status: 400, code: "iMetal.0002", msg: []string{"password"}},
			{name: "short password", method: "POST", path: "/instances", body: with("password", "Aa1!"), status: 400, code: "iMetal.0001", msg: []string{"8 to 26"}},
			{name: "two classes", method: "POST", path: "/instances", body: with("password", "abcdefgh12"), status: 400, code: "iMetal.0001", msg: []string{"three"}},
			{name: "contains root", method: "POST", path: "/instances", body: with("password", "Root1234!x"), status: 400, code: "iMetal.0001", msg: []string{"user name"}},
			{name: "reverse of root", method: "POST", path: "/instances", body: with("password", "xToor1234!"), status: 400, code: "iMetal.0001", msg: []string{"user name"}},
			{name: "password bad char", method: "POST", path: "/instances", body: with("password", "Passw0rd x"), status: 400, code: "iMetal.0001", msg: []string{"special"}},
			{name: "too much metadata", method: "POST", path: "/instances", body: with("metadata", func() map[string]string {
				m := map[string]string{}
				for i := range 11 {
					m[fmt.Sprint("k", i)] = "v"
				}
				return m
			}()), status: 400, code: "iMetal.0001", msg: []string{"metadata"}},
			{name: "bad metadata key", method: "POST", path: "/instances", body: with("metadata", map[string]string{"a/b": "v"}), status: 400, code: "iMetal.0001", msg: []string{"metadata key"}},
			{name: "long description", method: "POST", path: "/instances", body: with("description", strings.Repeat("d", 256)), status: 400, code: "iMetal.0001", msg: []string{"description"}},
			{name: "malformed server", method: "POST", path: "/instances", body: with("placement", map[string]string{"server_id": "NOT-A-UUID"}), status: 400, code: "iMetal.0001", msg: []string{"placement.server_id"}},
			{name: "unknown server", method: "POST", path: "/instances", body: with("placement", map[string]string{"server_id": unknownID}), status: 404, code: "iMetal.0100", msg: []string{"Physical servers ID not found: [" + unknownID + "]"}},
			{name: "busy server", method: "POST", path: "/instances", body: with("placement", map[string]string{"server_id": f.busyServer}), status: 400, code: "iMetal.0101", msg: []string{f.busyServer}},
		}
	})
}

func TestCreateInstanceNoReadyServer(t *testing.T) {
	a := newAPI(t, emulator.Config{Servers: 1})
	a.create("only")
	status, _, data := a.do("POST", "/instances", createBody("second"))
	wantError(t, status, data, http.StatusBadRequest, "iMetal.0101", "no physical server is ready")
}

func TestRunInstances(t *testing.T) {
	run := func(extra map[string]any) map[string]any {
		b := createBody("fleet")
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	runCases(t, func(f *fixture) []opCase {
		// The fixture leaves 5 ready servers of 10 (5 live instances hold one each).
		return []opCase{
			{name: "default one", method: "POST", path: "/instances/batch-create", body: run(nil), status: 202},
			{name: "five of five", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"min_count": 5, "max_count": 5}), status: 202},
			{name: "two to ten", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"min_count": 2, "max_count": 10}), status: 202},
			{name: "named", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"placement": map[string]any{"server_id_set": []string{f.freeServer}}}), status: 202},
			{name: "min too high", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"min_count": 6, "max_count": 6}), status: 400, code: "iMetal.0101", msg: []string{"min_count 6", "nothing was created"}},
			{name: "min above max", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"min_count": 3, "max_count": 2}), status: 400, code: "iMetal.0001", msg: []string{"greater than max_count"}},
			{name: "zero", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"min_count": 0}), status: 400, code: "iMetal.0001", msg: []string{"at least 1"}},
			{name: "named unknown", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"placement": map[string]any{"server_id_set": []string{f.freeServer, unknownID}}}), status: 404, code: "iMetal.0100", msg: []string{unknownID}},
			{name: "named busy", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"placement": map[string]any{"server_id_set": []string{f.busyServer}}}), status: 400, code: "iMetal.0101", msg: []string{f.busyServer}},
			{name: "max above named", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"max_count": 2, "placement": map[string]any{"server_id_set": []string{f.freeServer}}}), status: 400, code: "iMetal.0001", msg: []string{"exceeds"}},
			{name: "NIC without subnet", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"network_interfaces": []map[string]any{{}}}), status: 400, code: "iMetal.0002", msg: []string{"subnet_id"}},
			{name: "bad password", method: "POST", path: "/instances/batch-create", body: run(map[string]any{"password": "password"}), status: 400, code: "iMetal.0001", msg: []string{"password"}},
		}
	})
}

func TestRunInstancesNamesAndServers(t *testing.T) {
	a := newAPI(t, emulator.Config{Servers: 3})
	var out struct {
		Instances []struct {
			ID string `json:"id"`
		} `json:"instances"`
	}
	b := createBody("web")
	b["min_count"], b["max_count"] = 3, 3
	a.mustDo("POST", "/instances/batch-create", b, http.StatusAccepted, &out)
	if len(out.Instances) != 3 {
		t.Fatalf("got %d instances, want 3", len(out.Instances))
	}
	var list struct {
		Instances []struct {
			Name     string `json:"name"`
			ServerID string `json:"server_id"`
		} `json:"instances"`
	}
	a.mustDo("GET", "/instances", nil, http.StatusOK, &list)
	names, servers := map[string]bool{}, map[string]bool{}
	for _, i := range list.Instances {
		names[i.Name], servers[i.ServerID] = true, true
	}
	if !names["web-0001"] || !names["web-0003"] || len(servers) != 3 {
		t.Fatalf("names %v on servers %v: want web-0001..web-0003 on 3 distinct servers", names, servers)
	}
}

func TestListInstances(t *testing.T) {
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "all", method: "GET", path: "/instances", status: 200},
			{name: "limit high", method: "GET", path: "/instances?limit=5000", status: 200},
			{name: "limit not a number", method: "GET", path: "/instances?limit=ten", status: 400, code: "iMetal.0001", msg: []string{"limit"}},
			{name: "bad state", method: "GET", path: "/instances?instance_state=dead", status: 400, code: "iMetal.0001", msg: []string{"instance_state"}},
			{name: "bad marker", method: "GET", path: "/instances?marker=xyz", status: 400, code: "iMetal.0001", msg: []string{"marker"}},
			{name: "101 IDs", method: "GET", path: "/instances?instance_id=" + strings.Join(ids(101), ","), status: 400, code: "iMetal.0001", msg: []string{"at most 100"}},
			{name: "100 IDs", method: "GET", path: "/instances?instance_id=" + strings.Join(ids(100), ","), status: 200},
			{name: "upper-case ID", method: "GET", path: "/instances?instance_id=" + strings.ToUpper(unknownID), status: 400, code: "iMetal.0001", msg: []string{"lowercase"}},
			{name: "both filters", method: "GET", path: "/instances?instance_id=" + f.running + "&server_id=" + f.busyServer, status: 400, code: "iMetal.0001", msg: []string{"mutually exclusive"}},
		}
	})
}

type listPage struct {
	Instances []struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"instances"`
	PageInfo struct {
		NextMarker   string `json:"next_marker"`
		CurrentCount int    `json:"current_count"`
	} `json:"page_info"`
	Count int `json:"count"`
}

func TestListInstancesFiltersAndPaging(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"instance_state=running", []string{f.running}},
		{"instance_state=error", []string{f.errored}},
		{"instance_state=failed", []string{f.errored}},
		{"instance_state=terminated", []string{f.terminated}},
		{"instance_state=shutting-down", []string{f.shutting}},
		{"instance_id=" + f.running + "," + f.pending + "," + unknownID, []string{f.running, f.pending}},
		{"server_id=" + f.busyServer, []string{f.running}},
	} {
		var p listPage
		f.mustDo("GET", "/instances?"+tt.query, nil, http.StatusOK, &p)
		got := map[string]bool{}
		for _, i := range p.Instances {
			got[i.ID] = true
		}
		if len(got) != len(tt.want) || p.Count != len(tt.want) {
			t.Fatalf("%s: got %v (count %d), want %v", tt.query, got, p.Count, tt.want)
		}
		for _, id := range tt.want {
			if !got[id] {
				t.Fatalf("%s: %s missing from %v", tt.query, id, got)
			}
		}
	}

	a := newAPI(t, emulator.Config{Servers: 25})
	var made []string
	for i := range 25 {
		made = append(made, a.create(fmt.Sprint("p", i)))
	}
	var seen []string
	marker := ""
	for pages := 0; ; pages++ {
		var p listPage
		a.mustDo("GET", "/instances?limit=10&marker="+marker, nil, http.StatusOK, &p)
		if p.Count != 25 || p.PageInfo.CurrentCount != len(p.Instances) {
			t.Fatalf("page %d: count %d current_count %d with %d items", pages, p.Count, p.PageInfo.CurrentCount, len(p.Instances))
		}
		for _, i := range p.Instances {
			seen = append(seen, i.ID)
		}
		if p.PageInfo.NextMarker == "" {
			break
		}
		marker = p.PageInfo.NextMarker
	}
	if strings.Join(seen, ",") != strings.Join(made, ",") {
		t.Fatalf("paging returned %d instances %v, want the %d created in creation order", len(seen), seen, len(made))
	}
}

func TestShowInstanceStatus(t *testing.T) {
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "running", method: "GET", path: "/instances/" + f.running + "/status", status: 200},
			{name: "unknown", method: "GET", path: "/instances/" + unknownID + "/status", status: 404, code: "iMetal.0200", msg: []string{"Instances not found: [" + unknownID + "]"}},
			{name: "malformed", method: "GET", path: "/instances/not-an-id/status", status: 400, code: "iMetal.0001"},
			{name: "upper case", method: "GET", path: "/instances/" + strings.ToUpper(f.running) + "/status", status: 400, code: "iMetal.0001"},
		}
	})
	f := newFixture(t)
	s := f.status(f.errored)
	if s.OperationState != "uninstall-failed" || s.Error == nil || s.Error.Type != "delete_instance_error" ||
		s.Error.Code != "iMetal.0299" || !strings.Contains(s.Error.Msg, f.errored) {
		t.Fatalf("failed deletion status %+v: want uninstall-failed with a delete_instance_error naming the instance", s)
	}
}

func TestDeleteInstances(t *testing.T) {
	runCases(t, func(f *fixture) []opCase {
		set := func(ids ...string) map[string]any { return map[string]any{"instance_id_set": ids} }
		return []opCase{
			{name: "running", method: "POST", path: "/instances/batch-delete", body: set(f.running), status: 202},
			{name: "every state", method: "POST", path: "/instances/batch-delete", body: set(f.running, f.pending, f.shutting, f.terminated, f.errored, f.stopped), status: 202},
			{name: "fifty", method: "POST", path: "/instances/batch-delete", body: set(ids(50)...), status: 404, code: "iMetal.0200"},
			{name: "fifty-one", method: "POST", path: "/instances/batch-delete", body: set(ids(51)...), status: 400, code: "iMetal.0001", msg: []string{"at most 50"}},
			{name: "empty", method: "POST", path: "/instances/batch-delete", body: set(), status: 400, code: "iMetal.0002", msg: []string{"instance_id_set"}},
			{name: "no body", method: "POST", path: "/instances/batch-delete", status: 400, code: "iMetal.0002", msg: []string{"instance_id_set"}},
			{name: "duplicates", method: "POST", path: "/instances/batch-delete", body: set(f.running, f.running), status: 400, code: "iMetal.0001", msg: []string{"duplicate", f.running}},
			{name: "not a UUID", method: "POST", path: "/instances/batch-delete", body: set("i-123"), status: 400, code: "iMetal.0001", msg: []string{`"i-123"`}},
			{name: "upper case", method: "POST", path: "/instances/batch-delete", body: set(strings.ToUpper(f.running)), status: 400, code: "iMetal.0001", msg: []string{"lowercase"}},
			{name: "one unknown fails all", method: "POST", path: "/instances/batch-delete", body: set(f.running, unknownID, ids(1)[0]), status: 404, code: "iMetal.0200", msg: []string{"Instances not found: [" + unknownID + ", " + ids(1)[0] + "]"}},
			{name: "malformed JSON", method: "POST", path: "/instances/batch-delete", body: `{"instance_id_set": [`, status: 400, code: "iMetal.0001"},
			{name: "wrong type", method: "POST", path: "/instances/batch-delete", body: `{"instance_id_set": "abc"}`, status: 400, code: "iMetal.0001"},
		}
	})
}

func TestDeleteInstancesStates(t *testing.T) {
	f := newFixture(t)
	var out struct {
		Instances []struct {
			ID string `json:"id"`
		} `json:"instances"`
	}
	all := []string{f.running, f.pending, f.shutting, f.terminated, f.errored, f.stopped}
	f.mustDo("POST", "/instances/batch-delete", map[string]any{"instance_id_set": all}, http.StatusAccepted, &out)
	if len(out.Instances) != len(all) {
		t.Fatalf("answer names %d instances, want %d", len(out.Instances), len(all))
	}
	for _, id := range []string{f.running, f.pending, f.shutting, f.errored, f.stopped} {
		if s := f.status(id); s.State != "shutting-down" || s.Error != nil {
			t.Fatalf("%s after batch-delete: %+v, want shutting-down without error", id, s)
		}
	}
	if s := f.status(f.terminated); s.State != "terminated" {
		t.Fatalf("terminated instance after batch-delete: %q, want terminated", s.State)
	}
	f.clock.Advance(time.Minute)
	for _, id := range all {
		if s := f.status(id); s.State != "terminated" {
			t.Fatalf("%s: %q after the delete duration, want terminated", id, s.State)
		}
	}
	var srv struct {
		Count int `json:"count"`
	}
	f.mustDo("GET", "/physicalservers?manage_state=ready", nil, http.StatusOK, &srv)
	if srv.Count != 10 {
		t.Fatalf("%d ready servers after deleting everything, want 10", srv.Count)
	}
}

func TestDeleteInstance(t *testing.T) {
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "running", method: "DELETE", path: "/instances/" + f.running, status: 204},
			{name: "shutting-down is a no-op", method: "DELETE", path: "/instances/" + f.shutting, status: 204},
			{name: "terminated is a no-op", method: "DELETE", path: "/instances/" + f.terminated, status: 204},
			{name: "error is retried", method: "DELETE", path: "/instances/" + f.errored, status: 204},
			{name: "unknown", method: "DELETE", path: "/instances/" + unknownID, status: 404, code: "iMetal.0200", msg: []string{unknownID}},
			{name: "malformed", method: "DELETE", path: "/instances/abc", status: 400, code: "iMetal.0001"},
		}
	})
}

func TestReinstallOS(t *testing.T) {
	body := func(ids ...string) map[string]any {
		return map[string]any{"password": testPassword, "image_id": "img-2", "instance_id_set": ids}
	}
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "running", method: "PUT", path: "/instances/reinstall", body: body(f.running), status: 202},
			{name: "stopped", method: "PUT", path: "/instances/reinstall", body: body(f.stopped), status: 202},
			{name: "pending", method: "PUT", path: "/instances/reinstall", body: body(f.running, f.pending), status: 400, code: "iMetal.0201", msg: []string{"[" + f.pending + "]"}},
			{name: "terminated and error", method: "PUT", path: "/instances/reinstall", body: body(f.terminated, f.errored), status: 400, code: "iMetal.0201", msg: []string{f.terminated, f.errored}},
			{name: "unknown", method: "PUT", path: "/instances/reinstall", body: body(unknownID), status: 404, code: "iMetal.0200"},
			{name: "fifty-one", method: "PUT", path: "/instances/reinstall", body: body(ids(51)...), status: 400, code: "iMetal.0001"},
			{name: "weak password", method: "PUT", path: "/instances/reinstall", body: map[string]any{"password": "weak", "instance_id_set": []string{f.running}}, status: 400, code: "iMetal.0001", msg: []string{"password"}},
			{name: "no password", method: "PUT", path: "/instances/reinstall", body: map[string]any{"instance_id_set": []string{f.running}}, status: 400, code: "iMetal.0002", msg: []string{"password"}},
			{name: "no IDs", method: "PUT", path: "/instances/reinstall", body: map[string]any{"password": testPassword}, status: 400, code: "iMetal.0002"},
		}
	})
	f := newFixture(t)
	f.mustDo("PUT", "/instances/reinstall", body(f.running), http.StatusAccepted, nil)
	if s := f.status(f.running); s.State != "pending" || s.OperationState != "reinstall-processing" {
		t.Fatalf("during reinstall: %+v", s)
	}
	f.clock.Advance(time.Minute)
	if s := f.status(f.running); s.State != "running" || s.OperationState != "reinstall-succeed" {
		t.Fatalf("after reinstall: %+v", s)
	}
}

func TestChangeInstancePassword(t *testing.T) {
	body := func(pw string, ids ...string) map[string]any {
		return map[string]any{"new_password": pw, "instance_id_set": ids}
	}
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "running", method: "PUT", path: "/instances/password", body: body("An0ther!pw", f.running), status: 200},
			{name: "weak password accepted", method: "PUT", path: "/instances/password", body: body("weak", f.running, f.stopped), status: 200},
			{name: "empty password", method: "PUT", path: "/instances/password", body: body("", f.running), status: 400, code: "iMetal.0002", msg: []string{"new_password"}},
			{name: "shutting-down", method: "PUT", path: "/instances/password", body: body("An0ther!pw", f.running, f.shutting), status: 400, code: "iMetal.0201", msg: []string{f.shutting}},
			{name: "unknown", method: "PUT", path: "/instances/password", body: body("An0ther!pw", unknownID), status: 404, code: "iMetal.0200"},
			{name: "duplicate", method: "PUT", path: "/instances/password", body: body("An0ther!pw", f.running, f.running), status: 400, code: "iMetal.0001"},
		}
	})
}

func TestModifyInstanceIP(t *testing.T) {
	nics := func(subnet, ip string) map[string]any {
		return map[string]any{"nics": []map[string]string{{"subnet_id": subnet, "ip_address": ip}}}
	}
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "running", method: "PUT", path: "/instances/" + f.running + "/ip", body: nics("s2", "10.0.0.9"), status: 202},
			{name: "auto address", method: "PUT", path: "/instances/" + f.running + "/ip", body: nics("s2", ""), status: 202},
			{name: "vpc only", method: "PUT", path: "/instances/" + f.running + "/ip", body: map[string]any{"vpc_id": "vpc-2"}, status: 202},
			{name: "nothing to change", method: "PUT", path: "/instances/" + f.running + "/ip", body: map[string]any{}, status: 400, code: "iMetal.0002", msg: []string{"nics"}},
			{name: "bad IP", method: "PUT", path: "/instances/" + f.running + "/ip", body: nics("s2", "fe80::1"), status: 400, code: "iMetal.0001", msg: []string{"ip_address"}},
			{name: "no subnet", method: "PUT", path: "/instances/" + f.running + "/ip", body: nics("", "10.0.0.9"), status: 400, code: "iMetal.0002", msg: []string{"subnet_id"}},
			{name: "stopped", method: "PUT", path: "/instances/" + f.stopped + "/ip", body: nics("s2", "10.0.0.9"), status: 400, code: "iMetal.0201", msg: []string{f.stopped}},
			{name: "unknown", method: "PUT", path: "/instances/" + unknownID + "/ip", body: nics("s2", "10.0.0.9"), status: 404, code: "iMetal.0200"},
			{name: "malformed", method: "PUT", path: "/instances/xyz/ip", body: nics("s2", "10.0.0.9"), status: 400, code: "iMetal.0001"},
		}
	})
	f := newFixture(t)
	f.mustDo("PUT", "/instances/"+f.running+"/ip", nics("s2", "10.0.0.9"), http.StatusAccepted, nil)
	if s := f.status(f.running); s.State != "pending" || s.OperationState != "modify-ip-processing" {
		t.Fatalf("during IP change: %+v", s)
	}
	f.clock.Advance(time.Minute)
	if s := f.status(f.running); s.State != "running" || s.OperationState != "modify-ip-succeed" {
		t.Fatalf("after IP change: %+v", s)
	}
}

func TestServers(t *testing.T) {
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "list", method: "GET", path: "/physicalservers", status: 200},
			{name: "list in-use", method: "GET", path: "/physicalservers?manage_state=in-use&limit=20", status: 200},
			{name: "bad manage_state", method: "GET", path: "/physicalservers?manage_state=busy", status: 400, code: "iMetal.0001"},
			{name: "bad limit", method: "GET", path: "/physicalservers?limit=x", status: 400, code: "iMetal.0001"},
			{name: "show", method: "GET", path: "/physicalservers/" + f.freeServer, status: 200},
			{name: "show unknown", method: "GET", path: "/physicalservers/" + unknownID, status: 404, code: "iMetal.0100", msg: []string{unknownID}},
			{name: "show malformed", method: "GET", path: "/physicalservers/XYZ", status: 400, code: "iMetal.0001"},
			{name: "hardware attributes", method: "GET", path: "/physicalservers/" + f.freeServer + "/hardware-attributes", status: 501, code: "iMetal.0098", msg: []string{"ShowServerHardwareAttributes"}},
			{name: "event", method: "GET", path: "/physicalservers/events/e-1", status: 501, code: "iMetal.0098", msg: []string{"ShowEvent"}},
			{name: "unknown attribute", method: "GET", path: "/physicalservers/" + f.freeServer + "/colour", status: 404, code: "APIGW.0101"},
		}
	})
	f := newFixture(t)
	var list struct {
		Servers []struct {
			ID          string `json:"id"`
			ManageState string `json:"manage_state"`
			PowerState  string `json:"power_state"`
			HealthState string `json:"health_state"`
			Location    struct {
				DC string `json:"dc"`
			} `json:"location"`
			Hardware struct {
				SN string `json:"sn"`
			} `json:"hardware_attributes"`
		} `json:"servers"`
		Count int `json:"count"`
	}
	f.mustDo("GET", "/physicalservers?manage_state=in-use", nil, http.StatusOK, &list)
	if list.Count != 5 {
		t.Fatalf("in-use servers: %d, want 5 (one per live fixture instance)", list.Count)
	}
	s := list.Servers[0]
	if s.ManageState != "in-use" || s.HealthState != "OK" || s.Location.DC == "" || s.Hardware.SN == "" {
		t.Fatalf("server %+v lacks realistic fields", s)
	}
}

func TestSeededServersRepeatable(t *testing.T) {
	first := func(seed int64) string {
		a := newAPI(t, emulator.Config{Servers: 3, Seed: seed})
		_, _, data := a.do("GET", "/physicalservers", nil)
		return string(data)
	}
	again := first(42)
	if first(42) != again {
		t.Fatal("the same seed gave different servers")
	}
	if first(42) == first(43) {
		t.Fatal("different seeds gave the same servers")
	}
}

func TestChangeServerPowerState(t *testing.T) {
	body := func(action string, ids ...string) map[string]any {
		return map[string]any{"action": action, "server_id_set": ids}
	}
	runCases(t, func(f *fixture) []opCase {
		return []opCase{
			{name: "power off", method: "PUT", path: "/physicalservers/power-state", body: body("power off", f.busyServer, f.freeServer), status: 200},
			{name: "power on", method: "PUT", path: "/physicalservers/power-state", body: body("power on", f.stoppedServer), status: 200},
			{name: "reboot", method: "PUT", path: "/physicalservers/power-state", body: body("rebooting", f.busyServer), status: 200},
			{name: "bad action", method: "PUT", path: "/physicalservers/power-state", body: body("explode", f.busyServer), status: 400, code: "iMetal.0001", msg: []string{"action"}},
			{name: "no action", method: "PUT", path: "/physicalservers/power-state", body: map[string]any{"server_id_set": []string{f.busyServer}}, status: 400, code: "iMetal.0002", msg: []string{"action"}},
			{name: "no servers", method: "PUT", path: "/physicalservers/power-state", body: body("power on"), status: 400, code: "iMetal.0002", msg: []string{"server_id_set"}},
			{name: "fifty-one", method: "PUT", path: "/physicalservers/power-state", body: body("power on", ids(51)...), status: 400, code: "iMetal.0001"},
			{name: "unknown", method: "PUT", path: "/physicalservers/power-state", body: body("power on", f.freeServer, unknownID), status: 404, code: "iMetal.0100", msg: []string{unknownID}},
			{name: "pending instance", method: "PUT", path: "/physicalservers/power-state", body: body("power off", f.serverOf(f.pending)), status: 400, code: "iMetal.0201", msg: []string{f.pending}},
		}
	})

	f := newFixture(t)
	var srv struct {
		PowerState     string `json:"power_state"`
		OperationState string `json:"operation_state"`
	}
	// A reboot goes on → off → on; power_state is never anything but on
	// or off, the change in progress shows in operation_state.
	f.mustDo("PUT", "/physicalservers/power-state", body("rebooting", f.busyServer), http.StatusOK, nil)
	f.mustDo("GET", "/physicalservers/"+f.busyServer, nil, http.StatusOK, &srv)
	if srv.PowerState != "on" || srv.OperationState != "reboot-processing" || f.status(f.running).State != "stopped" {
		t.Fatalf("as the reboot starts: server %+v, instance %q; want on, reboot-processing and stopped", srv, f.status(f.running).State)
	}
	status, _, data := f.do("PUT", "/physicalservers/power-state", body("power off", f.busyServer))
	wantError(t, status, data, http.StatusBadRequest, "iMetal.0101", "in progress")
	f.clock.Advance(30 * time.Second)
	f.mustDo("GET", "/physicalservers/"+f.busyServer, nil, http.StatusOK, &srv)
	if srv.PowerState != "off" || srv.OperationState != "reboot-processing" {
		t.Fatalf("half-way through the reboot: server %+v; want off and reboot-processing", srv)
	}
	f.clock.Advance(30 * time.Second)
	f.mustDo("GET", "/physicalservers/"+f.busyServer, nil, http.StatusOK, &srv)
	if srv.PowerState != "on" || srv.OperationState != "reboot-succeed" || f.status(f.running).State != "running" {
		t.Fatalf("after reboot: server %+v, instance %q; want on and running", srv, f.status(f.running).State)
	}
	f.mustDo("PUT", "/physicalservers/power-state", body("power on", f.stoppedServer), http.StatusOK, nil)
	f.clock.Advance(time.Minute)
	if s := f.status(f.stopped); s.State != "running" {
		t.Fatalf("after power on: %q, want running", s.State)
	}
}

func TestNotImplementedAndUnknownPaths(t *testing.T) {
	a := newAPI(t, emulator.Config{})
	for _, tt := range []struct{ method, path, op string }{
		{"GET", "/idcs?region=cn-southwest-2", "ListIDcs"},
		{"GET", "/iracks", "ListIRacks"},
		{"GET", "/physicalservers/alarms", "ListAlarms"},
		{"GET", "/physicalservers/alarms/summary", "ShowAlarmSummary"},
		{"POST", "/physicalservers/" + unknownID + "/tags/create", "BatchCreateTags"},
	} {
		status, _, data := a.do(tt.method, tt.path, nil)
		wantError(t, status, data, http.StatusNotImplemented, "iMetal.0098", tt.op)
		if got := a.srv.Emulator.Stats().Requests[tt.op]; got != 1 {
			t.Fatalf("stats count %d requests of %s, want 1", got, tt.op)
		}
	}
	status, _, data := a.do("GET", a.srv.URL+"/v2/whatever", nil)
	wantError(t, status, data, http.StatusNotFound, "APIGW.0101")
	status, _, data = a.do("PATCH", "/instances", nil)
	wantError(t, status, data, http.StatusNotFound, "APIGW.0101")
}

func TestResponsesDecodeAsDocumented(t *testing.T) {
	f := newFixture(t)
	var raw map[string]json.RawMessage
	f.mustDo("GET", "/instances?instance_id="+f.errored, nil, http.StatusOK, &raw)
	for _, k := range []string{"instances", "page_info", "count"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("ListInstances answer lacks %q: %v", k, raw)
		}
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw["instances"], &items); err != nil || len(items) != 1 {
		t.Fatalf("instances: %v (%s)", err, raw["instances"])
	}
	for _, k := range []string{"id", "name", "vpc_id", "tags", "image", "state", "operation_state", "server_id", "created_at", "updated_at", "launched_at", "error", "network_interfaces"} {
		if _, ok := items[0][k]; !ok {
			t.Fatalf("instance lacks %q: %v", k, items[0])
		}
	}
}

func TestReinstallStoppedPowersServerOn(t *testing.T) {
	f := newFixture(t)
	var srv struct {
		PowerState     string `json:"power_state"`
		OperationState string `json:"operation_state"`
	}
	f.mustDo("GET", "/physicalservers/"+f.stoppedServer, nil, http.StatusOK, &srv)
	if srv.PowerState != "off" {
		t.Fatalf("fixture: stopped instance's server is %q, want off", srv.PowerState)
	}
	f.mustDo("PUT", "/instances/reinstall", map[string]any{"password": testPassword, "instance_id_set": []string{f.stopped}}, http.StatusAccepted, nil)
	f.mustDo("GET", "/physicalservers/"+f.stoppedServer, nil, http.StatusOK, &srv)
	if srv.PowerState != "off" || srv.OperationState != "power-on-processing" {
		t.Fatalf("during the reinstall of a stopped instance the server is %+v, want off and power-on-processing", srv)
	}
	f.clock.Advance(time.Minute)
	f.mustDo("GET", "/physicalservers/"+f.stoppedServer, nil, http.StatusOK, &srv)
	if srv.PowerState != "on" || f.status(f.stopped).State != "running" {
		t.Fatalf("after the reinstall: server %q, instance %q; want on and running", srv.PowerState, f.status(f.stopped).State)
	}
}
