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
func Evaluate(res Results, deleteDuration time.Duration, emu *EmulatorResult) []Target {
	ms := res.Measurements
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
		// Terraform deletes the resources in waves of its parallelism: the
		// bound is one deletion per wave plus 3 s.
		waves := (on.N + singlesParallelism - 1) / singlesParallelism
		wallLimit := time.Duration(waves)*deleteDuration + 3*time.Second
		add(fmt.Sprintf("3: destroy wall ≤ %d waves × delete-duration + 3 s", waves), on.Err == "" && on.Wall <= wallLimit,
			"%.2f s (limit %.0f s; %s)", on.Wall.Seconds(), wallLimit.Seconds(), phases(on))
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
	return append(ts, evaluateScale(res.Scale, deleteDuration)...)
}

// Markdown renders the whole report.
func Markdown(env Environment, res Results, emu *EmulatorResult, targets []Target) string {
	ms := res.Measurements
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Fleet-scale destroy of CloudDC instances with the provider's API-call optimisations (bulk status polling,\n" +
		"coalesced batch deletes and reads) **on** (the default) and **off** (`CLOUDDC_OPTIMIZE_API_CALLS=false`: one call per\n" +
		"instance at a fixed poll interval). Produced by `make bench` (`go run ./internal/bench/cmd/clouddc-bench`): real\n" +
		"`terraform` with the built provider against the `clouddc-emulator` binary; API calls are the emulator's\n" +
		"`/_emulator/stats` deltas over the measured command (its refresh included), peak RSS is the provider processes'\n" +
		"`VmHWM`. \"First delete at\" and \"all terminated at\" are when the emulator saw the first delete call and every\n" +
		"instance terminated, from the command's start (polled every 50 ms): before the first is Terraform's own work\n" +
		"(start, refresh, plan, provider restarts), between them the emulated deletion, after the second the wait's lag.\n\n" +
		"The **scale** table is one `clouddc_instances` fleet of N instances, optimisations on, in a workspace of its own:\n" +
		"`terraform apply` sets it up (not measured), then `terraform plan -refresh=false`, the refresh\n" +
		"(`terraform plan -refresh-only`) and `terraform destroy` run in that order; both plans must find no changes. Its\n" +
		"columns: state B / instance is `terraform.tfstate`'s size after the apply ÷ N; each command's wall time; refresh\n" +
		"and destroy calls / instance are the emulator's request deltas over that command ÷ N (the destroy's include its\n" +
		"own refresh); the destroy's phases as above (before the first delete call; deleting, to every instance\n" +
		"terminated; lag, from then to exit); peak RSS is the highest over the three commands. The growth table divides\n" +
		"each phase's time at N by its time at the smallest N: 10× from 1000 to 10,000 is linear.\n\n" +
		"To profile the provider, start it with `CLOUDDC_CPUPROFILE=PREFIX`: every provider process Terraform starts\n" +
		"writes `PREFIX.<pid>.pprof`, e.g. `CLOUDDC_CPUPROFILE=/tmp/p terraform plan -refresh=false`, then\n" +
		"`go tool pprof -top /tmp/p.<pid>.pprof` (the provider's CPU only; Terraform's own is not in it).\n" +
		"`go run ./internal/bench/cmd/clouddc-bench -cpuprofile DIR` does this for every command of the scale table.\n\n")
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

	if _, ok := find(ms, "3.", "destroy", true); ok {
		b.WriteString(singlesCauses)
	}
	writeScale(&b, res.Scale)
	if len(res.Scale) > 0 {
		b.WriteString(scaleCauses)
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

// scalePhase is one timed phase of a ScaleRun; seconds reports false when
// the phase was not measured (its command failed or did not run, or the
// timeline did not see it).
type scalePhase struct {
	name    string
	seconds func(ScaleRun) (float64, bool)
}

func measured(m Measurement) bool { return m.Command != "" && m.Err == "" }

var scalePhases = []scalePhase{
	{"`plan -refresh=false`", func(s ScaleRun) (float64, bool) { return s.Plan.Wall.Seconds(), measured(s.Plan) }},
	{"refresh", func(s ScaleRun) (float64, bool) { return s.Refresh.Wall.Seconds(), measured(s.Refresh) }},
	{"destroy wall", func(s ScaleRun) (float64, bool) { return s.Destroy.Wall.Seconds(), measured(s.Destroy) }},
	{"destroy: before the first delete", func(s ScaleRun) (float64, bool) {
		return s.Destroy.FirstDelete.Seconds(), measured(s.Destroy) && s.Destroy.FirstDelete > 0
	}},
	{"destroy: deleting", func(s ScaleRun) (float64, bool) {
		d := s.Destroy
		return (d.AllTerminated - d.FirstDelete).Seconds(), measured(d) && d.FirstDelete > 0 && d.AllTerminated > 0
	}},
	{"destroy: lag", func(s ScaleRun) (float64, bool) {
		d := s.Destroy
		return (d.Wall - d.AllTerminated).Seconds(), measured(d) && d.AllTerminated > 0
	}},
}

// scaleBase is the growth base: the complete run of the smallest N.
func scaleBase(runs []ScaleRun) (ScaleRun, bool) {
	var base ScaleRun
	found := false
	for _, s := range runs {
		if len(s.Failures()) == 0 && (!found || s.N < base.N) {
			base, found = s, true
		}
	}
	return base, found
}

// growth is phase p's time at s ÷ its time at base.
func growth(p scalePhase, s, base ScaleRun) (float64, bool) {
	v, ok := p.seconds(s)
	b, okBase := p.seconds(base)
	if !ok || !okBase || b <= 0 {
		return 0, false
	}
	return v / b, true
}

func writeScale(b *strings.Builder, runs []ScaleRun) {
	b.WriteString("\n## Scale: one `clouddc_instances` fleet of N instances (optimisations on)\n\n")
	if len(runs) == 0 {
		b.WriteString("Not run.\n")
		return
	}
	b.WriteString("| N | State B / instance | `plan -refresh=false` s | Refresh s | Refresh calls / instance | Destroy wall s | Before first delete s | Deleting s | Lag s | Destroy calls / instance | Destroy calls by operation | Peak RSS MB |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n")
	for _, s := range runs {
		secs := make([]string, len(scalePhases))
		for i, p := range scalePhases {
			secs[i] = "–"
			if v, ok := p.seconds(s); ok {
				secs[i] = fmt.Sprintf("%.2f", v)
			}
		}
		state, refreshCalls, destroyCalls, destroyOps := "–", "–", "–", "–"
		if s.StateBytes > 0 {
			state = fmt.Sprintf("%.0f", s.StatePerInstance())
		}
		if measured(s.Refresh) {
			refreshCalls = fmt.Sprintf("%.3f", s.Refresh.PerInstance(s.Refresh.TotalCalls()))
		}
		if measured(s.Destroy) {
			destroyCalls = fmt.Sprintf("%.3f", s.Destroy.PerInstance(s.Destroy.TotalCalls()))
			destroyOps = formatCalls(s.Destroy.Calls)
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f |\n",
			s.N, state, secs[0], secs[1], refreshCalls, secs[2], secs[3], secs[4], secs[5], destroyCalls, destroyOps, s.PeakRSSMiB()*1.048576)
	}
	for _, s := range runs {
		for _, f := range s.Failures() {
			fmt.Fprintf(b, "\nN = %d failed: %s\n", s.N, strings.ReplaceAll(f, "|", "\\|"))
		}
	}

	base, ok := scaleBase(runs)
	if !ok {
		b.WriteString("\nNo complete run to measure growth from.\n")
		return
	}
	fmt.Fprintf(b, "\n### Growth: time at N ÷ time at N = %d\n\n| N |", base.N)
	for _, p := range scalePhases {
		fmt.Fprintf(b, " %s |", p.name)
	}
	b.WriteString("\n|---:|" + strings.Repeat("---:|", len(scalePhases)) + "\n")
	for _, s := range runs {
		fmt.Fprintf(b, "| %d |", s.N)
		for _, p := range scalePhases {
			if g, ok := growth(p, s, base); ok {
				fmt.Fprintf(b, " %.2f× |", g)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
}

// Targets of the scale table, at its largest N.
const (
	scalePlanLimit    = 3 * time.Second
	scaleDestroySlack = 4 * time.Second
	scaleCallsLimit   = 0.15
	scaleRSSLimitMB   = 150
	scaleGrowthLimit  = 10
)

func evaluateScale(runs []ScaleRun, deleteDuration time.Duration) []Target {
	if len(runs) == 0 {
		return []Target{{Name: "scale table", Measured: "not measured"}}
	}
	top := runs[0]
	for _, s := range runs {
		if s.N > top.N {
			top = s
		}
	}
	var ts []Target
	add := func(name string, pass bool, format string, args ...any) {
		ts = append(ts, Target{Name: name, Pass: pass, Measured: fmt.Sprintf(format, args...)})
	}
	notMeasured := func(name, why string) { ts = append(ts, Target{Name: name, Measured: "not measured: " + why}) }
	fleet := fmt.Sprintf("fleet of %d", top.N)
	why := "not observed"
	if f := top.Failures(); len(f) > 0 {
		why = strings.ReplaceAll(f[0], "|", "\\|")
	}

	name := fmt.Sprintf("%s: `plan -refresh=false` ≤ %.0f s", fleet, scalePlanLimit.Seconds())
	if measured(top.Plan) {
		add(name, top.Plan.Wall <= scalePlanLimit, "%.2f s", top.Plan.Wall.Seconds())
	} else {
		notMeasured(name, why)
	}
	limit := deleteDuration + scaleDestroySlack
	name = fmt.Sprintf("%s: destroy wall ≤ delete-duration + %.0f s", fleet, scaleDestroySlack.Seconds())
	if d := top.Destroy; measured(d) {
		add(name, d.Wall <= limit, "%.2f s (limit %.0f s; %s)", d.Wall.Seconds(), limit.Seconds(), phases(d))
	} else {
		notMeasured(name, why)
	}
	for _, c := range []struct {
		label string
		m     Measurement
	}{{"destroy", top.Destroy}, {"refresh", top.Refresh}} {
		name = fmt.Sprintf("%s: %s ≤ %.2f API calls per instance", fleet, c.label, scaleCallsLimit)
		if measured(c.m) {
			per := c.m.PerInstance(c.m.TotalCalls())
			add(name, per <= scaleCallsLimit, "%.3f (%s)", per, formatCalls(c.m.Calls))
		} else {
			notMeasured(name, why)
		}
	}
	name = fmt.Sprintf("%s: provider peak RSS ≤ %d MB", fleet, scaleRSSLimitMB)
	if peak := top.PeakRSSMiB() * 1.048576; len(top.Failures()) == 0 && peak > 0 {
		add(name, peak <= scaleRSSLimitMB, "%.0f MB", peak)
	} else {
		notMeasured(name, why)
	}

	base, ok := scaleBase(runs)
	for _, p := range scalePhases {
		if !ok || base.N == top.N {
			notMeasured(fmt.Sprintf("growth to %d ≤ %d× for %s", top.N, scaleGrowthLimit, p.name), "no smaller complete run to compare with")
			continue
		}
		name := fmt.Sprintf("growth %d → %d ≤ %d× for %s", base.N, top.N, scaleGrowthLimit, p.name)
		g, gok := growth(p, top, base)
		if !gok {
			notMeasured(name, why)
			continue
		}
		v, _ := p.seconds(top)
		b, _ := p.seconds(base)
		add(name, g <= scaleGrowthLimit, "%.2f× (%.2f s → %.2f s)", g, b, v)
	}
	return ts
}

// scaleCauses is what the profiles of the scale table showed (2026-12-02,
// 2 CPUs, Terraform 1.11.4, terraform-plugin-framework v1.19.0): why the
// fleet's state has the shape it has, and where the time left goes.
const scaleCauses = `
### Where the time goes, and why the fleet's state is one string per instance

Profiled with ` + "`-cpuprofile`" + ` (the provider) and ` + "`TF_LOG=trace`" + ` timestamps (Terraform), a fleet's cost is decided by
how many values its state holds, because three steps outside the provider grow faster than linearly with them:

1. **Terraform's plan renderer compares a list or a set quadratically**, even when it has not changed: for a list
   it first checks whether the new list is a reordering of the old (every element against every other), then
   builds a longest-common-subsequence table of old × new elements (10,000 IDs: 10⁸ cells, about 900 MB); a set
   matches every element against every other. A map is compared by key.
2. **The framework plans a nested attribute element by element and copies the whole collection for each**
   (SchemaModifyPlan through listElemObject / mapElemObject).
3. **terraform-plugin-framework v1.19.0's write-only nullification is quadratic in the values of the state.** Its
   tftypes.Transform callback reassigns the context it captured (` + "`ctx = logging.FrameworkWithAttributePath(ctx, …)`" + `
   in internal/fwserver/write_only_nullification.go), so the context grows by one layer per value, and the trace
   log it writes for every element of a map or list attribute walks the whole chain. It runs in every
   ReadResource, PlanResourceChange, UpgradeResourceState, create and update, whether or not the resource has
   write-only attributes, at any log level. (A one-line fix in the framework, ` + "`ctx := …`" + `, removes it; v1.19.0 is
   the newest release.)

` + "`terraform plan -refresh=false`" + ` of a 10,000-instance fleet, by state shape:

| Shape of the fleet's instances | Seconds | Peak RSS MB (Terraform) |
|---|---:|---:|
| ` + "`ids`" + ` list + ` + "`instances`" + ` list of objects (schema version 0) | 89 | 1,008 |
| ` + "`ids`" + ` list + map of objects | 236 | 926 |
| map of objects (plain attribute) | 123 | 153 |
| map of nested objects | 52 | 189 |
| list of nested objects | 49 | 211 |
| ` + "`ids`" + ` list only | 9.4 | 884 |
| **map of ID → state (schema version 1)** | **3.5** | **94** |

What is left at 10,000 with one value per instance is step 3: 1.5 s of the provider's 2.7 s of CPU in
` + "`plan -refresh=false`" + ` (40 ms at 1,000, 100 ms at 2,000, 420 ms at 5,000), which is why that target is missed. A
destroy pays it once per provider call that carries the state: Terraform 1.11 starts five provider processes for
one ` + "`terraform destroy`" + `, and each reads the state (UpgradeResourceState) before the refresh (ReadResource) and the
plan pay it again; that is most of the time before the first delete call. Deleting itself (200 batch calls of 50,
bulk polling 100 IDs a call) takes the emulated 3 s at every size.
`

// singlesCauses is where scenario 3's destroy spends its time, from the
// emulator's request log (2026-12-02, 2 CPUs, Terraform 1.11.4).
const singlesCauses = `
### Scenario 3: where each wave's time goes

Terraform destroys the 200 ` + "`clouddc_instance`" + ` resources in 4 waves of its ` + "`-parallelism=50`" + `; each wave's deletion takes
the emulated 3 s, so 12 s is the floor. From the emulator's request log, per wave: the provider notices the end of a
deletion 60–110 ms after it (before the engine learned how long deletions take and probed just after that: 0–500 ms,
the poll schedule's interval at that age); Terraform then starts the next wave's resources one at a time about 20 ms
apart (1.0–1.3 s for 50 after the first wave, 0.4–0.5 s later), and the delete coalescer's window (100 ms after the
last arrival, 500 ms at most) groups them into 2–3 batch calls. Before the first delete call Terraform spends
3.6–4.8 s (start, refresh of 200 resources, plan, restarting the provider for apply), which with the 12 s floor
already exceeds 15 s: the ` + "`4 waves × delete-duration + 3 s`" + ` target is missed by Terraform's own time, not the wait's.
`
