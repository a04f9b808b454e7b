// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// formatCalls renders calls by operation, most frequent first.
func formatCalls(calls map[string]int64) string {
	ops := slices.Collect(maps.Keys(calls))
	slices.SortFunc(ops, func(a, b string) int {
		if calls[a] != calls[b] {
			if calls[a] > calls[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, len(ops))
	for _, op := range ops {
		if calls[op] != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", op, calls[op]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Environment describes where the figures were measured.
type Environment struct {
	Date           time.Time
	GoVersion      string
	Terraform      string
	CPUs           int
	DeleteDuration time.Duration
	CreateDuration time.Duration
}

// Target is one target of the issue and whether it was met.
type Target struct {
	Name     string
	Measured string
	Pass     bool
}

func find(ms []Measurement, scenarioPrefix, label string, optimize bool) (Measurement, bool) {
	for _, m := range ms {
		if strings.HasPrefix(m.Scenario, scenarioPrefix) && strings.Contains(m.Command, label) && m.Optimize == optimize {
			return m, true
		}
	}
	return Measurement{}, false
}

// statusCalls are the calls that ask for instance state while waiting.
func statusCalls(m Measurement) int64 {
	return m.Calls["ShowInstanceStatus"] + m.Calls["ListInstances"]
}

// Evaluate checks the measurements against the targets of the issue.
func Evaluate(ms []Measurement, deleteDuration time.Duration, emu *EmulatorResult) []Target {
	var ts []Target
	add := func(name string, pass bool, format string, args ...any) {
		ts = append(ts, Target{Name: name, Pass: pass, Measured: fmt.Sprintf(format, args...)})
	}
	missing := func(name string) { ts = append(ts, Target{Name: name, Measured: "not measured"}) }
	limit := deleteDuration + 3*time.Second

	if m, ok := find(ms, "1.", "destroy", true); ok {
		add("1: wall ≤ delete-duration + 3 s", m.Err == "" && m.Wall <= limit, "%.2f s (limit %.0f s; %s)", m.Wall.Seconds(), limit.Seconds(), phases(m))
		add("1: ≤ 20 batch-delete calls", m.Err == "" && m.Calls["DeleteInstances"] <= 20, "%d", m.Calls["DeleteInstances"])
		add("1: ≤ 0.15 API calls per instance", m.Err == "" && m.PerInstance(m.TotalCalls()) <= 0.15, "%.3f (%d calls)", m.PerInstance(m.TotalCalls()), m.TotalCalls())
	} else {
		missing("scenario 1")
	}
	if m, ok := find(ms, "2.", "destroy", true); ok {
		add("2: wall ≤ delete-duration + 3 s", m.Err == "" && m.Wall <= limit, "%.2f s (limit %.0f s; %s)", m.Wall.Seconds(), limit.Seconds(), phases(m))
		add("2: ≤ 0.2 API calls per instance", m.Err == "" && m.PerInstance(m.TotalCalls()) <= 0.2, "%.3f (%d calls)", m.PerInstance(m.TotalCalls()), m.TotalCalls())
	} else {
		missing("scenario 2")
	}
	on, okOn := find(ms, "3.", "destroy", true)
	off, okOff := find(ms, "3.", "destroy", false)
	if okOn {
		add("3: ≤ 10 batch-delete calls for 200 instances", on.Err == "" && on.Calls["DeleteInstances"] <= 10 && on.Calls["DeleteInstance"] == 0,
			"%d DeleteInstances + %d DeleteInstance", on.Calls["DeleteInstances"], on.Calls["DeleteInstance"])
	} else {
		missing("scenario 3 destroy")
	}
	if okOn && okOff {
		ratio := float64(statusCalls(off)) / float64(max(statusCalls(on), 1))
		add("3: status calls per instance ≥ 10× fewer than off", on.Err == "" && off.Err == "" && ratio >= 10,
			"%.3f on vs %.3f off (%.1f×)", on.PerInstance(statusCalls(on)), off.PerInstance(statusCalls(off)), ratio)
	}
	if m, ok := find(ms, "3.", "refresh-only", true); ok {
		per := m.PerInstance(m.Calls["ListInstances"])
		add("3: refresh ≤ 0.2 list calls per instance", m.Err == "" && per <= 0.2 && m.Calls["ShowInstanceStatus"] == 0,
			"%.3f ListInstances/instance (%d ShowInstanceStatus)", per, m.Calls["ShowInstanceStatus"])
	} else {
		missing("scenario 3 refresh")
	}
	var peak float64
	for _, m := range ms {
		peak = max(peak, m.PeakRSSMiB)
	}
	add("provider peak RSS ≤ 150 MB in every scenario", len(ms) > 0 && peak > 0 && peak*1.048576 <= 150, "%.0f MB max", peak*1.048576)
	if emu != nil && emu.Err == "" {
		add("emulator ≥ 5,000 ShowInstanceStatus req/s with 10,000 instances", emu.ReqPerSec >= 5000, "%.0f req/s, p99 %s", emu.ReqPerSec, emu.P99)
	} else {
		missing("emulator ShowInstanceStatus benchmark")
	}
	return ts
}

// Markdown renders the whole report.
func Markdown(env Environment, ms []Measurement, emu *EmulatorResult, targets []Target) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Fleet-scale destroy of CloudDC instances with the provider's API-call optimisations (bulk status polling,\n" +
		"coalesced batch deletes and reads) **on** (the default) and **off** (`CLOUDDC_OPTIMIZE_API_CALLS=false`: one call per\n" +
		"instance at a fixed poll interval). Produced by `make bench` (`go run ./internal/bench/cmd/clouddc-bench`): real\n" +
		"`terraform` with the built provider against the `clouddc-emulator` binary; API calls are the emulator's\n" +
		"`/_emulator/stats` deltas over the measured command (its refresh included), peak RSS is the provider processes'\n" +
		"`VmHWM`. \"First delete at\" and \"all terminated at\" are when the emulator saw the first delete call and every\n" +
		"instance terminated, from the command's start (polled every 50 ms): before the first is Terraform's own work\n" +
		"(start, refresh, plan, provider restarts), between them the emulated deletion, after the second the wait's lag.\n\n")
	fmt.Fprintf(&b, "Measured %s on %d CPUs, %s, %s; emulator `--delete-duration %s --create-duration %s`.\n\n",
		env.Date.UTC().Format("2006-01-02 15:04 MST"), env.CPUs, env.GoVersion, env.Terraform, env.DeleteDuration, env.CreateDuration)

	b.WriteString("| Scenario | Command | Optimisations | N | Wall s | First delete at s | All terminated at s | API calls by operation | Calls | Calls / instance | Peak RSS MB |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|\n")
	for _, m := range ms {
		wall := fmt.Sprintf("%.2f", m.Wall.Seconds())
		if m.Err != "" {
			wall += " (failed: " + strings.ReplaceAll(m.Err, "|", "\\|") + ")"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %d | %s | %s | %s | %s | %d | %.3f | %.0f |\n",
			m.Scenario, m.Command, onOff(m.Optimize), m.N, wall, moment(m.FirstDelete), moment(m.AllTerminated),
			formatCalls(m.Calls), m.TotalCalls(), m.PerInstance(m.TotalCalls()), m.PeakRSSMiB*1.048576)
	}

	b.WriteString("\n## On/off ratios (off ÷ on)\n\n| Scenario | Command | Wall | API calls | Peak RSS |\n|---|---|---:|---:|---:|\n")
	for _, on := range ms {
		if !on.Optimize {
			continue
		}
		for _, off := range ms {
			if off.Optimize || off.Scenario != on.Scenario || off.Command != on.Command {
				continue
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", on.Scenario, on.Command,
				ratio(off.Wall.Seconds(), on.Wall.Seconds()), ratio(float64(off.TotalCalls()), float64(on.TotalCalls())), ratio(off.PeakRSSMiB, on.PeakRSSMiB))
		}
	}

	b.WriteString("\n## Emulator: ShowInstanceStatus with 10,000 instances\n\n")
	switch {
	case emu == nil:
		b.WriteString("Not run.\n")
	case emu.Err != "":
		fmt.Fprintf(&b, "Not measured: %s\n", emu.Err)
	default:
		fmt.Fprintf(&b, "`%s` → **%.0f req/s**, p99 **%s**.\n\n```\n%s\n```\n", emu.Command, emu.ReqPerSec, emu.P99, emu.Line)
	}

	b.WriteString("\n## Targets (optimisations on)\n\n| Target | Measured | Result |\n|---|---|---|\n")
	for _, t := range targets {
		res := "**miss**"
		if t.Pass {
			res = "pass"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Name, t.Measured, res)
	}
	return b.String()
}

// phases says where a destroy's wall time went.
func phases(m Measurement) string {
	if m.FirstDelete == 0 || m.AllTerminated == 0 {
		return "phases not observed"
	}
	return fmt.Sprintf("%.2f s before the first delete call, %.2f s deleting, %.2f s from the last termination to exit",
		m.FirstDelete.Seconds(), (m.AllTerminated - m.FirstDelete).Seconds(), (m.Wall - m.AllTerminated).Seconds())
}

// moment renders a time since the command's start, "–" when not seen.
func moment(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", d.Seconds())
}

func ratio(off, on float64) string {
	if on == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", off/on)
}
