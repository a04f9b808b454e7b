// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package clouddc

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
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

func (f *fakeServers) ShowServer(_ context.Context, id string) (*PhysicalServer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	steps, ok := f.script[id]
	if !ok {
		return nil, &APIError{StatusCode: 404, Code: "iMetal.0100", Message: "server not found", Operation: "ShowServer"}
	}
	n := f.calls[id]
	f.calls[id] = n + 1
	step := steps[min(n, len(steps)-1)]
	if step.err != nil {
		return nil, step.err
	}
	return &PhysicalServer{ID: id, PowerState: step.power, OperationState: step.op}, nil
}

func newFakeServers(script map[string][]fakeStep) *fakeServers {
	return &fakeServers{script: script, calls: map[string]int{}}
}

var fastPoll = PowerWaitOptions{PollInitial: time.Millisecond, PollMax: 4 * time.Millisecond}

func TestTargetPowerState(t *testing.T) {
	for _, tc := range []struct{ action, want string }{
		{PowerActionOn, PowerStateOn},
		{PowerActionOff, PowerStateOff},
		{PowerActionReboot, PowerStateOn},
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
	if err := WaitForPowerState(t.Context(), api, []string{"a", "b", "a"}, PowerActionOff, opts); err != nil {
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
	if first.Total != 2 || first.Done != 1 || first.Counts["powering-off"] != 1 || first.Counts["off"] != 1 {
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
	if err := WaitForPowerState(t.Context(), api, []string{"s"}, PowerActionReboot, fastPoll); err != nil {
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
	err := WaitForPowerState(t.Context(), api, []string{"ok", "broken", "gone"}, PowerActionOn, fastPoll)
	var pe *PowerError
	if !errors.As(err, &pe) {
		t.Fatalf("want *PowerError, got %v", err)
	}
	if got := strings.Join(pe.RemainingIDs(), ","); got != "broken,gone" {
		t.Errorf("RemainingIDs = %s, want broken,gone", got)
	}
	msg := err.Error()
	for _, want := range []string{"broken", "power-on-failed", "gone: server not found", `"on"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "ok:") {
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
	err := WaitForPowerState(ctx, api, []string{"slow"}, PowerActionOff, PowerWaitOptions{PollInitial: 5 * time.Millisecond, PollMax: 10 * time.Millisecond})
	if took := time.Since(start); took > time.Second {
		t.Errorf("wait returned %v after the deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "slow") {
		t.Errorf("error does not say it timed out for server slow: %q", err)
	}
}

func TestWaitForPowerStateStopsOnAPIError(t *testing.T) {
	api := newFakeServers(map[string][]fakeStep{
		"s": {{err: &APIError{StatusCode: 500, Code: "iMetal.0099", Message: "internal error", Operation: "ShowServer"}}},
	})
	err := WaitForPowerState(t.Context(), api, []string{"s"}, PowerActionOn, fastPoll)
	var pe *PowerError
	if !errors.As(err, &pe) || pe.Cause == nil {
		t.Fatalf("want *PowerError with a cause, got %v", err)
	}
	if !strings.Contains(err.Error(), "iMetal.0099") {
		t.Errorf("error hides the API error: %q", err)
	}
}
