// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSizes(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{in: "1000,2000,5000,10000", want: []int{1000, 2000, 5000, 10000}},
		{in: " 5 , 6 ", want: []int{5, 6}},
		{in: "", want: nil},
		{in: "7,", want: []int{7}},
		{in: "a", wantErr: true},
		{in: "0", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "1000,1e4", wantErr: true},
	} {
		got, err := ParseSizes(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseSizes(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ParseSizes(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// scaleRun is a complete run of n instances: plan and refresh take the
// given seconds, the destroy's first delete is at before, every instance
// terminated 3 s later and the command exits lag after that.
func scaleRun(n int, plan, refresh, before, lag time.Duration, destroyCalls int64, rssMiB float64) ScaleRun {
	m := func(cmd string, wall time.Duration, calls map[string]int64) Measurement {
		return Measurement{Scenario: "scale", Command: cmd, Optimize: true, N: n, Wall: wall, Calls: calls, PeakRSSMiB: rssMiB}
	}
	d := m("terraform destroy", before+3*time.Second+lag, map[string]int64{"ListInstances": destroyCalls - int64(n/50), "DeleteInstances": int64(n / 50)})
	d.FirstDelete, d.AllTerminated = before, before+3*time.Second
	return ScaleRun{
		N: n, StateBytes: int64(n) * 60,
		Plan:    m("terraform plan -refresh=false", plan, nil),
		Refresh: m("terraform plan -refresh-only", refresh, map[string]int64{"ListInstances": int64(n / 100)}),
		Destroy: d,
	}
}

func scaleTarget(t *testing.T, ts []Target, prefix string) Target {
	t.Helper()
	tg, ok := targetByName(ts, prefix)
	if !ok {
		t.Fatalf("no target %q in %+v", prefix, ts)
	}
	return tg
}

func TestEvaluateScale(t *testing.T) {
	base := scaleRun(1000, 400*time.Millisecond, 300*time.Millisecond, 500*time.Millisecond, 300*time.Millisecond, 100, 40)
	good := scaleRun(10000, 2900*time.Millisecond, 2*time.Second, 3*time.Second, 900*time.Millisecond, 1400, 140)
	ts := evaluateScale([]ScaleRun{base, good}, 3*time.Second)
	if len(ts) != 5+len(scalePhases) {
		t.Fatalf("got %d targets, want %d: %+v", len(ts), 5+len(scalePhases), ts)
	}
	for _, tg := range ts {
		if !tg.Pass {
			t.Errorf("target %q = %s, want pass", tg.Name, tg.Measured)
		}
	}
	if tg := scaleTarget(t, ts, "growth 1000 → 10000 ≤ 10× for `plan -refresh=false`"); tg.Measured != "7.25× (0.40 s → 2.90 s)" {
		t.Errorf("plan growth measured %q", tg.Measured)
	}
	// destroy wall 6.9 s is within 3 s + 4 s.
	if tg := scaleTarget(t, ts, "fleet of 10000: destroy wall"); !strings.HasPrefix(tg.Measured, "6.90 s (limit 7 s; 3.00 s before") {
		t.Errorf("destroy wall measured %q", tg.Measured)
	}

	// Each figure just over its limit.
	bad := scaleRun(10000, 3100*time.Millisecond, 2*time.Second, 3200*time.Millisecond, 900*time.Millisecond, 1501, 144)
	bad.Refresh.Calls["ShowInstanceStatus"] = 1500
	bad.Plan.PeakRSSMiB = 150                                                                         // 157 MB
	bad.Destroy.FirstDelete, bad.Destroy.AllTerminated = 5100*time.Millisecond, 8100*time.Millisecond // growth 10.2×
	ts = evaluateScale([]ScaleRun{base, bad}, 3*time.Second)
	for _, name := range []string{
		"fleet of 10000: `plan -refresh=false`", "fleet of 10000: destroy wall", "fleet of 10000: destroy ≤ 0.15",
		"fleet of 10000: refresh ≤ 0.15", "fleet of 10000: provider peak RSS", "growth 1000 → 10000 ≤ 10× for destroy: before",
	} {
		if tg := scaleTarget(t, ts, name); tg.Pass {
			t.Errorf("target %q passes with %s, want a miss", name, tg.Measured)
		}
	}
	if tg := scaleTarget(t, ts, "growth 1000 → 10000 ≤ 10× for refresh"); !tg.Pass {
		t.Errorf("refresh growth %s misses, want pass", tg.Measured)
	}

	// The largest size's destroy failed: its targets are misses, not passes.
	failed := good
	failed.Destroy.Err = "terraform failed: boom"
	ts = evaluateScale([]ScaleRun{base, failed}, 3*time.Second)
	for _, name := range []string{"fleet of 10000: destroy wall", "fleet of 10000: destroy ≤", "fleet of 10000: provider peak RSS", "growth 1000 → 10000 ≤ 10× for destroy: lag"} {
		tg := scaleTarget(t, ts, name)
		if tg.Pass || !strings.Contains(tg.Measured, "boom") {
			t.Errorf("target %q = %+v, want a miss naming the failure", name, tg)
		}
	}
	if tg := scaleTarget(t, ts, "fleet of 10000: `plan -refresh=false`"); !tg.Pass {
		t.Errorf("the plan that ran is %+v, want pass", tg)
	}

	// A failed setup of the smallest size: growth is measured from the next.
	broken := ScaleRun{N: 500, SetupErr: "terraform apply failed: quota"}
	if tg := scaleTarget(t, evaluateScale([]ScaleRun{broken, base, good}, 3*time.Second), "growth 1000 → 10000"); !tg.Pass {
		t.Errorf("growth with a failed smallest size = %+v, want from 1000 and pass", tg)
	}

	if tg := scaleTarget(t, evaluateScale([]ScaleRun{good}, 3*time.Second), "growth to 10000"); tg.Pass {
		t.Errorf("growth with one size = %+v, want a miss", tg)
	}
	if tg := scaleTarget(t, evaluateScale(nil, 3*time.Second), "scale table"); tg.Pass || tg.Measured != "not measured" {
		t.Errorf("no scale table = %+v, want a reported miss", tg)
	}
	// Evaluate includes the scale targets.
	if _, ok := targetByName(Evaluate(Results{Scale: []ScaleRun{base, good}}, 3*time.Second, nil), "fleet of 10000: destroy wall"); !ok {
		t.Error("Evaluate lacks the scale targets")
	}
}

func TestMarkdownScale(t *testing.T) {
	base := scaleRun(1000, 400*time.Millisecond, 300*time.Millisecond, 500*time.Millisecond, 300*time.Millisecond, 100, 40)
	top := scaleRun(10000, 2900*time.Millisecond, 2*time.Second, 3*time.Second, 900*time.Millisecond, 1400, 140)
	failed := ScaleRun{N: 20000, StateBytes: 1, Plan: base.Plan}
	failed.Plan.N, failed.Refresh = 20000, Measurement{Command: "terraform plan -refresh-only", Err: "the plan is not empty: a | b"}
	res := Results{Scale: []ScaleRun{base, top, failed}}
	md := Markdown(Environment{Date: time.Unix(0, 0), CPUs: 2}, res, nil, Evaluate(res, 3*time.Second, nil))
	for _, want := range []string{
		"| 1000 | 60 | 0.40 | 0.30 | 0.010 | 3.80 | 0.50 | 3.00 | 0.30 | 0.100 | ListInstances 80, DeleteInstances 20 | 42 |",
		"| 10000 | 60 | 2.90 | 2.00 | 0.010 | 6.90 | 3.00 | 3.00 | 0.90 | 0.140 | ListInstances 1200, DeleteInstances 200 | 147 |",
		"| 20000 | 0 | 0.40 | – | – | – | – | – | – | – | – | 42 |",
		"N = 20000 failed: `terraform plan -refresh-only`: the plan is not empty: a \\| b",
		"### Growth: time at N ÷ time at N = 1000",
		"| 1000 | 1.00× | 1.00× | 1.00× | 1.00× | 1.00× | 1.00× |",
		"| 10000 | 7.25× | 6.67× | 1.82× | 6.00× | 1.00× | 3.00× |",
		"| 20000 | 1.00× | – | – | – | – | – |",
		"| fleet of 20000: refresh ≤ 0.15 API calls per instance | not measured: `terraform plan -refresh-only`: the plan is not empty: a \\| b | **miss** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if md := Markdown(Environment{}, Results{}, nil, nil); !strings.Contains(md, "## Scale: one `clouddc_instances` fleet of N instances (optimisations on)\n\nNot run.") {
		t.Errorf("a report without the scale table does not say so:\n%s", md)
	}
}
