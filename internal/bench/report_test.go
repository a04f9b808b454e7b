// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"strings"
	"testing"
	"time"
)

func TestParseBenchOutput(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		rps       float64
		p99       string
		wantErr   bool
	}{
		{
			name: "custom metrics",
			out:  "goos: linux\nBenchmarkShowInstanceStatus-2   \t  50000\t     61000 ns/op\t  16393 req/s\t  0.412 p99-ms\nPASS\n",
			rps:  16393, p99: "0.412 ms",
		},
		{
			name: "ns/op only",
			out:  "BenchmarkShowInstanceStatus-2   \t  50000\t     100000 ns/op\nPASS\n",
			rps:  10000, p99: "not reported",
		},
		{name: "no result", out: "FAIL\tsome error\n", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var res EmulatorResult
			parseBenchOutput(tc.out, &res)
			if (res.Err != "") != tc.wantErr {
				t.Fatalf("Err = %q, want error %v", res.Err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if res.ReqPerSec != tc.rps || res.P99 != tc.p99 {
				t.Errorf("got %v req/s, p99 %q; want %v, %q", res.ReqPerSec, res.P99, tc.rps, tc.p99)
			}
		})
	}
}

func TestFormatCalls(t *testing.T) {
	got := formatCalls(map[string]int64{"ListInstances": 30, "DeleteInstances": 20, "RunInstances": 0, "ShowInstanceStatus": 30})
	if want := "ListInstances 30, ShowInstanceStatus 30, DeleteInstances 20"; got != want {
		t.Errorf("formatCalls = %q, want %q", got, want)
	}
	if got := formatCalls(nil); got != "none" {
		t.Errorf("formatCalls(nil) = %q, want none", got)
	}
}

func measurements(onWall time.Duration, onDeletes int64) []Measurement {
	return []Measurement{
		{Scenario: "1. fleet", Command: "terraform destroy", Optimize: true, N: 1000, Wall: onWall, PeakRSSMiB: 60,
			FirstDelete: 1500 * time.Millisecond, AllTerminated: 4600 * time.Millisecond,
			Calls: map[string]int64{"DeleteInstances": onDeletes, "ListInstances": 80}},
		{Scenario: "1. fleet", Command: "terraform destroy", Optimize: false, N: 1000, Wall: 20 * time.Second, PeakRSSMiB: 70,
			Calls: map[string]int64{"DeleteInstances": 20, "ShowInstanceStatus": 5000}},
		{Scenario: "3. singles", Command: "terraform plan -refresh-only", Optimize: true, N: 200, Wall: time.Second, PeakRSSMiB: 50,
			Calls: map[string]int64{"ListInstances": 20}},
		{Scenario: "3. singles", Command: "terraform destroy", Optimize: true, N: 200, Wall: 5 * time.Second, PeakRSSMiB: 50,
			Calls: map[string]int64{"DeleteInstances": 5, "ListInstances": 20}},
		{Scenario: "3. singles", Command: "terraform destroy", Optimize: false, N: 200, Wall: 15 * time.Second, PeakRSSMiB: 50,
			Calls: map[string]int64{"DeleteInstance": 200, "ShowInstanceStatus": 1000}},
	}
}

func targetByName(ts []Target, prefix string) (Target, bool) {
	for _, tg := range ts {
		if strings.HasPrefix(tg.Name, prefix) {
			return tg, true
		}
	}
	return Target{}, false
}

func TestEvaluate(t *testing.T) {
	emu := &EmulatorResult{ReqPerSec: 8000, P99: "1 ms"}
	good := Evaluate(Results{Measurements: measurements(5*time.Second, 20)}, 3*time.Second, emu)
	for _, name := range []string{"1: wall", "1: ≤ 20 batch", "1: ≤ 0.15", "3: destroy wall ≤ 4 waves", "3: ≤ 10 batch", "3: status", "3: refresh", "provider peak", "emulator"} {
		tg, ok := targetByName(good, name)
		if !ok || !tg.Pass {
			t.Errorf("target %q = %+v (found %v), want pass", name, tg, ok)
		}
	}
	if tg, ok := targetByName(good, "scenario 2"); !ok || tg.Pass {
		t.Errorf("the unmeasured scenario 2 = %+v (found %v), want a reported miss", tg, ok)
	}

	slow := measurements(5*time.Second, 20)
	slow[3].Wall = 15*time.Second + time.Millisecond // 4 waves × 3 s + 3 s, just over
	if tg, ok := targetByName(Evaluate(Results{Measurements: slow}, 3*time.Second, emu), "3: destroy wall"); !ok || tg.Pass {
		t.Errorf("scenario 3's destroy just over 4 × 3 s + 3 s = %+v (found %v), want a miss", tg, ok)
	}

	bad := Evaluate(Results{Measurements: measurements(7*time.Second, 21)}, 3*time.Second, &EmulatorResult{ReqPerSec: 4000, P99: "9 ms"})
	for _, name := range []string{"1: wall", "1: ≤ 20 batch", "emulator"} {
		if tg, _ := targetByName(bad, name); tg.Pass {
			t.Errorf("target %q passes with %s, want a miss", name, tg.Measured)
		}
	}
	failed := measurements(time.Second, 1)
	failed[0].Err = "terraform failed"
	if tg, _ := targetByName(Evaluate(Results{Measurements: failed}, 3*time.Second, emu), "1: wall"); tg.Pass {
		t.Error("a failed run passes its wall-time target")
	}
}

func TestMarkdown(t *testing.T) {
	ms := measurements(5*time.Second, 20)
	emu := &EmulatorResult{Command: "go test -bench", Line: "BenchmarkShowInstanceStatus-2 1 2 ns/op", ReqPerSec: 8000, P99: "1 ms"}
	md := Markdown(Environment{Date: time.Unix(0, 0), CPUs: 2, DeleteDuration: 3 * time.Second}, Results{Measurements: ms}, emu, Evaluate(Results{Measurements: ms}, 3*time.Second, emu))
	for _, want := range []string{
		"| 1. fleet | `terraform destroy` | on | 1000 | 5.00 | 1.50 | 4.60 | ListInstances 80, DeleteInstances 20 | 100 | 0.100 |",
		"| 1. fleet | `terraform destroy` | 4.0× | 50.2× |", // wall 20/5, calls 5020/100
		"**8000 req/s**",
		"| 1: wall ≤ delete-duration + 3 s | 5.00 s (limit 6 s; 1.50 s before the first delete call, 3.10 s deleting, 0.40 s from the last termination to exit) | pass |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
