// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

type recorder struct{ msgs []string }

func (r *recorder) send(ev action.InvokeProgressEvent) { r.msgs = append(r.msgs, ev.Message) }

func TestProgressThrottleSendsFirstAndLast(t *testing.T) {
	var r recorder
	p := newProgressThrottle(r.send, time.Hour)
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
	p := newProgressThrottle(r.send, 20*time.Millisecond)
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

func TestProgressThrottleDefaultInterval(t *testing.T) {
	if p := newProgressThrottle(nil, 0); p.interval != defaultProgressInterval {
		t.Errorf("interval = %v, want the default %v", p.interval, defaultProgressInterval)
	}
}

func TestFormatDeleteProgress(t *testing.T) {
	got := formatDeleteProgress(clouddc.Progress{Total: 50, Done: 3, Counts: map[string]int{
		"terminated": 2, "gone": 1, "shutting-down": 46, "error": 1, "running": 0,
	}})
	if want := "3/50 terminated; error: 1, shutting-down: 46"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := formatDeleteProgress(clouddc.Progress{Total: 2, Done: 2, Counts: map[string]int{"terminated": 2}}); got != "2/2 terminated" {
		t.Errorf("all done: got %q", got)
	}
}

func TestFormatPowerProgress(t *testing.T) {
	tests := []struct {
		p    clouddc.PowerProgress
		want string
	}{
		{clouddc.PowerProgress{Target: "off", Total: 50, Done: 3, Counts: map[string]int{"off": 3, "powering-off": 47}}, "3/50 off; powering-off: 47"},
		// Two are "on" but still processing a reboot: not done, so shown.
		{clouddc.PowerProgress{Target: "on", Total: 4, Done: 1, Counts: map[string]int{"on": 3, "rebooting": 1}}, "1/4 on; on: 3, rebooting: 1"},
		{clouddc.PowerProgress{Target: "on", Total: 2, Done: 1, Failed: 1, Counts: map[string]int{"on": 1, "off": 1}}, "1/2 on; off: 1; failed: 1"},
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
