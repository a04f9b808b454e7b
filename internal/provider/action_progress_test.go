// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

type recorder struct{ msgs []string }

func (r *recorder) send(ev action.InvokeProgressEvent) { r.msgs = append(r.msgs, ev.Message) }

func TestProgressThrottleSendsFirstAndLast(t *testing.T) {
	var r recorder
	p := newProgressThrottle(t.Context(), r.send, time.Hour)
	p.Update("1/3")
	p.Update("2/3")
	p.Update("3/3 almost")
	if want := []string{"1/3"}; !slices.Equal(r.msgs, want) {
		t.Fatalf("within the interval sent %q, want only the first %q", r.msgs, want)
	}
	p.Flush()
	if want := []string{"1/3", "3/3 almost"}; !slices.Equal(r.msgs, want) {
		t.Fatalf("after Flush sent %q, want %q", r.msgs, want)
	}
	p.Flush()
	p.Update("4/3 held")
	p.Final("done")
	if want := []string{"1/3", "3/3 almost", "done"}; !slices.Equal(r.msgs, want) {
		t.Fatalf("sent %q, want %q (a second Flush repeats nothing; Final supersedes what is held)", r.msgs, want)
	}
}

func TestProgressThrottleSendsAfterInterval(t *testing.T) {
	var r recorder
	p := newProgressThrottle(t.Context(), r.send, 20*time.Millisecond)
	p.Update("a")
	p.Update("b") // held
	timer := time.NewTimer(30 * time.Millisecond)
	<-timer.C
	p.Update("c") // the interval has passed: sent, and "b" is dropped
	p.Flush()
	if want := []string{"a", "c"}; !slices.Equal(r.msgs, want) {
		t.Fatalf("sent %q, want %q", r.msgs, want)
	}
}

// TestProgressThrottleSendsNothingOnceContextDone: once Terraform's context
// is done nobody may read the progress channel any more (framework v1.19.0),
// so no call may send, whatever is held.
func TestProgressThrottleSendsNothingOnceContextDone(t *testing.T) {
	var r recorder
	ctx, cancel := context.WithCancel(t.Context())
	p := newProgressThrottle(ctx, r.send, time.Hour)
	p.Update("1/3")
	p.Update("2/3 held")
	cancel()
	p.Update("3/3")
	p.Flush()
	p.Final("done")
	if want := []string{"1/3"}; !slices.Equal(r.msgs, want) {
		t.Fatalf("sent %q, want only %q: nothing after the context is done", r.msgs, want)
	}
}

func TestProgressThrottleSendsNothingAfterClose(t *testing.T) {
	var r recorder
	p := newProgressThrottle(t.Context(), r.send, time.Hour)
	p.Update("1/3")
	p.Update("2/3 held")
	p.Close()
	p.Flush()
	p.Final("done")
	if want := []string{"1/3"}; !slices.Equal(r.msgs, want) {
		t.Fatalf("sent %q, want only %q: nothing after Close", r.msgs, want)
	}
}

// TestProgressThrottleAbandonsBlockedSend: a send that Terraform never takes
// (the framework's SendProgress once Terraform has stopped reading) must not
// hold the action past the end of its context, and nothing is sent after it.
func TestProgressThrottleAbandonsBlockedSend(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	calls := 0
	send := func(action.InvokeProgressEvent) {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release // nobody reads
	}
	t.Cleanup(func() { close(release) }) // lets the abandoned send end, for the leak checks

	ctx, cancel := context.WithCancel(t.Context())
	p := newProgressThrottle(ctx, send, time.Nanosecond)
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		p.Update("0/2 terminated; shutting-down: 2")
	}()
	timer := time.NewTimer(50 * time.Millisecond)
	select {
	case <-returned:
		t.Fatal("Update returned while its send was still blocked and the context live")
	case <-timer.C:
	}
	cancel()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	select {
	case <-returned:
	case <-deadline.C:
		t.Fatal("Update still blocked 5s after the context ended")
	}
	p.Update("1/2 terminated")
	p.Final("2/2 terminated; done")
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("send called %d times, want 1: nothing after the blocked send was abandoned", calls)
	}
}

func TestProgressThrottleDefaultInterval(t *testing.T) {
	if p := newProgressThrottle(t.Context(), nil, 0); p.interval != defaultProgressInterval {
		t.Errorf("interval = %v, want the default %v", p.interval, defaultProgressInterval)
	}
}

func TestFormatDeleteProgress(t *testing.T) {
	got := formatDeleteProgress(lifecycle.Progress{Total: 50, Done: 3, Counts: map[string]int{
		"terminated": 2, "gone": 1, "shutting-down": 46, "error": 1, "running": 0,
	}})
	if want := "3/50 terminated; error: 1, shutting-down: 46"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := formatDeleteProgress(lifecycle.Progress{Total: 2, Done: 2, Counts: map[string]int{"terminated": 2}}); got != "2/2 terminated" {
		t.Errorf("all done: got %q", got)
	}
}

func TestFormatPowerProgress(t *testing.T) {
	tests := []struct {
		p    lifecycle.PowerProgress
		want string
	}{
		{lifecycle.PowerProgress{Target: "off", Total: 50, Done: 3, Counts: map[string]int{"off": 3, "power-off-processing": 47}}, "3/50 off; power-off-processing: 47"},
		{lifecycle.PowerProgress{Target: "on", Total: 4, Done: 1, Counts: map[string]int{"on": 1, "reboot-processing": 3}}, "1/4 on; reboot-processing: 3"},
		// An older deployment shows the change in power_state.
		{lifecycle.PowerProgress{Target: "off", Total: 50, Done: 3, Counts: map[string]int{"off": 3, "powering-off": 47}}, "3/50 off; powering-off: 47"},
		// Two are "on" but still processing a reboot: not done, so shown.
		{lifecycle.PowerProgress{Target: "on", Total: 4, Done: 1, Counts: map[string]int{"on": 3, "rebooting": 1}}, "1/4 on; on: 3, rebooting: 1"},
		{lifecycle.PowerProgress{Target: "on", Total: 2, Done: 1, Failed: 1, Counts: map[string]int{"on": 1, "off": 1}}, "1/2 on; off: 1; failed: 1"},
	}
	for _, tc := range tests {
		if got := formatPowerProgress(tc.p); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestActionTimeout(t *testing.T) {
	tests := []struct {
		in      types.String
		want    time.Duration
		wantErr bool
	}{
		{types.StringNull(), defaultActionTimeout, false},
		{types.StringUnknown(), defaultActionTimeout, false},
		{types.StringValue("90s"), 90 * time.Second, false},
		{types.StringValue("1h30m"), 90 * time.Minute, false},
		{types.StringValue("30"), 0, true},
		{types.StringValue("-1m"), 0, true},
	}
	for _, tc := range tests {
		got, err := actionTimeout(tc.in, defaultActionTimeout)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("actionTimeout(%s) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
