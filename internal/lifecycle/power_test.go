// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// fakeServers answers ShowServer from a script per server: each call returns
// the next step, the last step repeats.
type fakeServers struct {
	mu     sync.Mutex
	script map[string][]fakeStep
	calls  map[string]int
}

type fakeStep struct {
	power, op string
	err       error
}

func (f *fakeServers) ShowServer(_ context.Context, id string) (*clouddc.PhysicalServer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	steps, ok := f.script[id]
	if !ok {
		return nil, &clouddc.APIError{StatusCode: 404, Code: "iMetal.0100", Message: "Physical servers ID not found: [" + id + "]", Operation: "ShowServer"}
	}
	n := f.calls[id]
	f.calls[id] = n + 1
	step := steps[min(n, len(steps)-1)]
	if step.err != nil {
		return nil, step.err
	}
	return &clouddc.PhysicalServer{ID: id, PowerState: step.power, OperationState: step.op}, nil
}

func newFakeServers(script map[string][]fakeStep) *fakeServers {
	return &fakeServers{script: script, calls: map[string]int{}}
}

var fastPoll = PowerWaitOptions{PollInitial: time.Millisecond, PollMax: 4 * time.Millisecond}

func TestTargetPowerState(t *testing.T) {
	for _, tc := range []struct{ action, want string }{
		{clouddc.PowerActionOn, clouddc.PowerStateOn},
		{clouddc.PowerActionOff, clouddc.PowerStateOff},
		{clouddc.PowerActionReboot, clouddc.PowerStateOn},
	} {
		got, err := TargetPowerState(tc.action)
		if err != nil || got != tc.want {
			t.Errorf("TargetPowerState(%q) = %q, %v; want %q", tc.action, got, err, tc.want)
		}
	}
	if _, err := TargetPowerState("off"); err == nil {
		t.Error("TargetPowerState accepted the unmapped name \"off\"")
	}
}

func TestWaitForPowerStateReachesTarget(t *testing.T) {
	api := newFakeServers(map[string][]fakeStep{
		"a": {{power: "powering-off", op: "power-off-processing"}, {power: "powering-off", op: "power-off-processing"}, {power: "off", op: "power-off-succeed"}},
		"b": {{power: "off", op: "power-off-succeed"}},
	})
	var snaps []PowerProgress
	opts := fastPoll
	opts.OnProgress = func(p PowerProgress) { snaps = append(snaps, p) }
	if err := WaitForPowerState(t.Context(), api, []string{"a", "b", "a"}, clouddc.PowerActionOff, opts); err != nil {
		t.Fatalf("WaitForPowerState: %v", err)
	}
	if api.calls["b"] != 1 {
		t.Errorf("a settled server was polled %d times, want 1", api.calls["b"])
	}
	if api.calls["a"] != 3 {
		t.Errorf("server a polled %d times, want 3", api.calls["a"])
	}
	if len(snaps) != 3 {
		t.Fatalf("got %d progress snapshots, want one per round (3): %+v", len(snaps), snaps)
	}
	first, final := snaps[0], snaps[len(snaps)-1]
	// A server whose change is processing counts under its operation_state.
	if first.Total != 2 || first.Done != 1 || first.Counts["power-off-processing"] != 1 || first.Counts["off"] != 1 {
		t.Errorf("first snapshot = %+v", first)
	}
	if final.Done != 2 || final.Counts["off"] != 2 || final.Target != "off" {
		t.Errorf("final snapshot = %+v", final)
	}
}

func TestWaitForPowerStateRebootWaitsThroughRebooting(t *testing.T) {
	// Right after the request the server may still say "on" while the
	// reboot is processing; that must not count as done.
	api := newFakeServers(map[string][]fakeStep{
		"s": {{power: "on", op: "reboot-processing"}, {power: "rebooting", op: "reboot-processing"}, {power: "on", op: "reboot-succeed"}},
	})
	if err := WaitForPowerState(t.Context(), api, []string{"s"}, clouddc.PowerActionReboot, fastPoll); err != nil {
		t.Fatalf("WaitForPowerState: %v", err)
	}
	if api.calls["s"] != 3 {
		t.Errorf("polled %d times, want 3 (through rebooting back to on)", api.calls["s"])
	}
}

func TestWaitForPowerStateNamesFailedServers(t *testing.T) {
	api := newFakeServers(map[string][]fakeStep{
		"ok":     {{power: "on", op: "power-on-succeed"}},
		"broken": {{power: "powering-on", op: "power-on-processing"}, {power: "off", op: "power-on-failed"}},
	})
	err := WaitForPowerState(t.Context(), api, []string{"ok", "broken", "gone"}, clouddc.PowerActionOn, fastPoll)
	var pe *PowerError
	if !errors.As(err, &pe) {
		t.Fatalf("want *PowerError, got %v", err)
	}
	if got := strings.Join(pe.RemainingIDs(), ","); got != "broken,gone" {
		t.Errorf("RemainingIDs = %s, want broken,gone", got)
	}
	msg := err.Error()
	for _, want := range []string{"2 of 3 servers did not reach power state \"on\"", "broken (power_state: off, operation_state: power-on-failed)", "gone (not found)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "ok (") {
		t.Errorf("error names the server that succeeded: %q", msg)
	}
}

func TestWaitForPowerStateHonoursDeadline(t *testing.T) {
	api := newFakeServers(map[string][]fakeStep{
		"slow": {{power: "powering-off", op: "power-off-processing"}},
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := WaitForPowerState(ctx, api, []string{"slow"}, clouddc.PowerActionOff, PowerWaitOptions{PollInitial: 5 * time.Millisecond, PollMax: 10 * time.Millisecond})
	if took := time.Since(start); took > time.Second {
		t.Errorf("wait returned %v after the deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if !strings.Contains(err.Error(), "before the timeout") || !strings.Contains(err.Error(), "slow (power_state: powering-off, operation_state: power-off-processing), still in progress") {
		t.Errorf("error does not say it timed out for server slow: %q", err)
	}
}

func TestWaitForPowerStateStopsOnAPIError(t *testing.T) {
	api := newFakeServers(map[string][]fakeStep{
		"s": {{err: &clouddc.APIError{StatusCode: 500, Code: "iMetal.0099", Message: "internal error", Operation: "ShowServer"}}},
	})
	err := WaitForPowerState(t.Context(), api, []string{"s"}, clouddc.PowerActionOn, fastPoll)
	var pe *PowerError
	if !errors.As(err, &pe) || pe.Cause == nil {
		t.Fatalf("want *PowerError with a cause, got %v", err)
	}
	if !strings.Contains(err.Error(), "iMetal.0099") {
		t.Errorf("error hides the API error: %q", err)
	}
}

// TestWaitForPowerStateOperationState covers the model of SDK 0.1.190 and
// later, where power_state stays on or off and operation_state shows the
// change: each script is what ShowServer answers poll after poll, and the
// wait must end at the poll given, settled or failed.
func TestWaitForPowerStateOperationState(t *testing.T) {
	for _, tt := range []struct {
		name   string
		action string
		steps  []fakeStep
		polls  int
		failed string // part of the error; empty: settled
	}{
		{"power off", clouddc.PowerActionOff, []fakeStep{{power: "on", op: "power-off-processing"}, {power: "on", op: "power-off-processing"}, {power: "off", op: "power-off-succeed"}}, 3, ""},
		{"power on", clouddc.PowerActionOn, []fakeStep{{power: "off", op: "power-on-processing"}, {power: "on", op: "power-on-succeed"}}, 2, ""},
		{"reboot on, off, on", clouddc.PowerActionReboot, []fakeStep{{power: "on", op: "reboot-processing"}, {power: "off", op: "reboot-processing"}, {power: "on", op: "reboot-succeed"}}, 3, ""},
		{"reboot not begun yet", clouddc.PowerActionReboot, []fakeStep{{power: "on", op: "power-on-succeed"}, {power: "off", op: "reboot-processing"}, {power: "on", op: "reboot-succeed"}}, 3, ""},
		{"power on a server that is on", clouddc.PowerActionOn, []fakeStep{{power: "on", op: "power-off-failed"}}, 1, ""},
		{"power off a server that is off", clouddc.PowerActionOff, []fakeStep{{power: "off", op: "power-off-succeed"}}, 1, ""},
		{"power off fails", clouddc.PowerActionOff, []fakeStep{{power: "on", op: "power-off-processing"}, {power: "on", op: "power-off-failed"}}, 2, "power-off-failed"},
		{"reboot fails", clouddc.PowerActionReboot, []fakeStep{{power: "on", op: "reboot-processing"}, {power: "off", op: "reboot-failed"}}, 2, "reboot-failed"},
		{"power on fails", clouddc.PowerActionOn, []fakeStep{{power: "off", op: "power-on-failed"}}, 1, "power-on-failed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeServers(map[string][]fakeStep{"s": tt.steps})
			err := WaitForPowerState(t.Context(), api, []string{"s"}, tt.action, fastPoll)
			if api.calls["s"] != tt.polls {
				t.Errorf("polled %d times, want %d", api.calls["s"], tt.polls)
			}
			switch {
			case tt.failed == "" && err != nil:
				t.Fatalf("want settled, got %v", err)
			case tt.failed != "" && (err == nil || !strings.Contains(err.Error(), tt.failed)):
				t.Fatalf("want an error naming %s, got %v", tt.failed, err)
			}
		})
	}
}

const testProject = "0123456789abcdef0123456789abcdef"

// newTestClient starts an httptest server with h and returns a client for
// it with millisecond backoff.
func newTestClient(t *testing.T, h http.Handler) *clouddc.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := clouddc.NewClient(clouddc.Config{
		Endpoint: srv.URL, ProjectID: testProject, AuthToken: "test-token",
		RetryWaitMin: time.Millisecond, RetryWaitMax: 4 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// oldDeployment is an httptest CloudDC that answers ShowServer in the model
// before SDK 0.1.190: power_state shows a change in progress (powering-on,
// powering-off, rebooting), there is no frozen_state and a frozen server
// has manage_state frozen. Each server answers its script poll after poll.
type oldDeployment struct {
	mu     sync.Mutex
	script map[string][]string // server ID -> power_state per poll
	polls  map[string]int
}

func (o *oldDeployment) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := path.Base(r.URL.Path)
	o.mu.Lock()
	steps, ok := o.script[id]
	n := o.polls[id]
	o.polls[id] = n + 1
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1/"+testProject+"/physicalservers/") {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error_code":"iMetal.0100","error_msg":"Physical servers ID not found: [%s]"}`, id)
		return
	}
	fmt.Fprintf(w, `{"id":%q,"name":"old-1","project_id":%q,"domain_id":"d","manage_state":"frozen","power_state":%q,`+
		`"health_state":"OK","onboard_time":"2025-03-20T02:48:06+00:00","location":{"dc":"GY-DC1","rack":"R01","unit":"U01"},`+
		`"hardware_attributes":{"sn":"2102","manufacturer":"Huawei","model":"TaiShan"}}`, id, testProject, steps[min(n, len(steps)-1)])
}

func (o *oldDeployment) pollsOf(id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.polls[id]
}

// TestWaitForPowerStateOlderDeployments waits through real HTTP answers of
// the older model, which has no operation_state at all: the wait follows
// power_state through powering-on, powering-off and rebooting.
func TestWaitForPowerStateOlderDeployments(t *testing.T) {
	for _, tt := range []struct {
		action string
		steps  []string
	}{
		{clouddc.PowerActionOff, []string{"powering-off", "powering-off", "off"}},
		{clouddc.PowerActionOn, []string{"powering-on", "on"}},
		{clouddc.PowerActionReboot, []string{"rebooting", "rebooting", "on"}},
	} {
		t.Run(tt.action, func(t *testing.T) {
			dep := &oldDeployment{script: map[string][]string{"s1": tt.steps, "s2": tt.steps}, polls: map[string]int{}}
			c := newTestClient(t, dep)
			var snaps []PowerProgress
			opts := fastPoll
			opts.OnProgress = func(p PowerProgress) { snaps = append(snaps, p) }
			if err := WaitForPowerState(t.Context(), c, []string{"s1", "s2"}, tt.action, opts); err != nil {
				t.Fatalf("WaitForPowerState: %v", err)
			}
			if n := dep.pollsOf("s1"); n != len(tt.steps) {
				t.Errorf("polled %d times, want %d (until power_state settles)", n, len(tt.steps))
			}
			if first := snaps[0]; first.Done != 0 || first.Counts[tt.steps[0]] != 2 {
				t.Errorf("first snapshot %+v: want both servers counted as %s", first, tt.steps[0])
			}
			srv, err := c.ShowServer(t.Context(), "s1")
			if err != nil || !srv.Frozen() || srv.FrozenState != nil {
				t.Errorf("old frozen server %+v (%v): want Frozen() from manage_state frozen, no frozen_state", srv, err)
			}
		})
	}
	// A server that never settles is named when the deadline ends the wait.
	dep := &oldDeployment{script: map[string][]string{"stuck": {"powering-off"}}, polls: map[string]int{}}
	c := newTestClient(t, dep)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := WaitForPowerState(ctx, c, []string{"stuck"}, clouddc.PowerActionOff, fastPoll)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `stuck (power_state: powering-off), still in progress`) {
		t.Fatalf("want a timeout naming the stuck server, got %v", err)
	}
}

// serverFunc is a ServerAPI from a function: any answer, however odd.
type serverFunc func(ctx context.Context, id string) (*clouddc.PhysicalServer, error)

func (f serverFunc) ShowServer(ctx context.Context, id string) (*clouddc.PhysicalServer, error) {
	return f(ctx, id)
}

// TestWaitForPowerStateRejectsOddAnswers: an answer that does not describe
// the server asked for ends the wait with an error naming it, never with
// the server settled, gone or a panic.
func TestWaitForPowerStateRejectsOddAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		show serverFunc
		want string // the error must contain it
	}{
		{"no server and no error", func(context.Context, string) (*clouddc.PhysicalServer, error) {
			return nil, nil
		}, "no server"},
		{"another server, settled", func(context.Context, string) (*clouddc.PhysicalServer, error) {
			return &clouddc.PhysicalServer{ID: "other", PowerState: clouddc.PowerStateOn}, nil
		}, "other"},
		{"iMetal.0100 naming another server", func(context.Context, string) (*clouddc.PhysicalServer, error) {
			return nil, &clouddc.APIError{StatusCode: 404, Code: clouddc.CodeServerNotFound, Operation: "ShowServer",
				Message: "Physical servers ID not found: [other]"}
		}, "iMetal.0100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WaitForPowerState(t.Context(), tc.show, []string{"s"}, clouddc.PowerActionOn, fastPoll)
			var pe *PowerError
			if !errors.As(err, &pe) || pe.Cause == nil {
				t.Fatalf("WaitForPowerState = %v, want a *PowerError with a cause", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "show server s") {
				t.Errorf("the error does not say what was odd (%q) about server s: %v", tc.want, err)
			}
			if len(pe.Pending) != 1 || pe.Pending[0].ID != "s" || pe.Pending[0].Gone {
				t.Errorf("pending %+v, want server s, not gone", pe.Pending)
			}
		})
	}
}
