// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// ScaleRun is one fleet size of the scale table: a clouddc_instances fleet
// of N instances, set up with terraform apply (not measured), then planned,
// refreshed and destroyed with the optimisations on.
type ScaleRun struct {
	N int
	// StateBytes is the size of terraform.tfstate after the apply.
	StateBytes int64
	// Plan is `terraform plan -refresh=false`, Refresh `terraform plan
	// -refresh-only`, Destroy `terraform destroy`; a zero Measurement (empty
	// Command) was not reached.
	Plan, Refresh, Destroy Measurement
	// SetupErr is why the apply (or reading its state) failed.
	SetupErr string
}

// Measurements are the measured commands that ran.
func (s ScaleRun) Measurements() []Measurement {
	var out []Measurement
	for _, m := range []Measurement{s.Plan, s.Refresh, s.Destroy} {
		if m.Command != "" {
			out = append(out, m)
		}
	}
	return out
}

// Failures are the setup's and the commands' failures, one line each.
func (s ScaleRun) Failures() []string {
	var out []string
	if s.SetupErr != "" {
		out = append(out, "setup: "+s.SetupErr)
	}
	for _, m := range s.Measurements() {
		if m.Err != "" {
			out = append(out, fmt.Sprintf("`%s`: %s", m.Command, m.Err))
		}
	}
	return out
}

// PeakRSSMiB is the highest provider peak over the measured commands.
func (s ScaleRun) PeakRSSMiB() float64 {
	var peak float64
	for _, m := range s.Measurements() {
		peak = max(peak, m.PeakRSSMiB)
	}
	return peak
}

// StatePerInstance is state bytes per instance.
func (s ScaleRun) StatePerInstance() float64 {
	if s.N == 0 {
		return 0
	}
	return float64(s.StateBytes) / float64(s.N)
}

// ParseSizes reads a comma-separated list of fleet sizes ("" is none).
func ParseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("fleet size %q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

var (
	planNoRefresh = step{label: "plan -refresh=false", args: []string{"plan", "-refresh=false", "-input=false", "-no-color"}, noChanges: true}
	planRefresh   = step{label: "plan -refresh-only", args: []string{"plan", "-refresh-only", "-input=false", "-no-color"}, noChanges: true}
	destroyFleet  = step{label: "destroy", args: []string{"destroy", "-auto-approve", "-input=false", "-no-color"}, gone: true}
)

// runScale measures one fleet size. An error is the bench's own failure
// (the emulator or the workspace); a failed terraform command is recorded
// in the ScaleRun and ends that size's run.
func (r *runner) runScale(ctx context.Context, n int) (ScaleRun, error) {
	run := ScaleRun{N: n}
	if err := r.emu.Reset(ctx); err != nil {
		return run, fmt.Errorf("reset emulator: %w", err)
	}
	ws, err := e2e.NewWorkspace(filepath.Join(r.cfg.WorkDir, "scale-"+strconv.Itoa(n)), r.cfg.Bins.Dir)
	if err != nil {
		return run, err
	}
	ws.Setenv("CLOUDDC_OPTIMIZE_API_CALLS=true")
	sc := scenario{name: fmt.Sprintf("scale %d", n), n: n}
	r.logf("%s: setting up a fleet of %d instances", sc.name, n)
	start := time.Now()
	if err := r.setupFleet(ctx, ws, n); err != nil {
		if ctx.Err() != nil {
			return run, fmt.Errorf("%s: setup: %w", sc.name, err)
		}
		run.SetupErr = err.Error()
		if re := (*e2e.RunError)(nil); errors.As(err, &re) {
			run.SetupErr = "terraform apply failed: " + lastLine(re.Result.Output)
		}
		r.logf("  setup failed: %v", err)
		return run, nil
	}
	fi, err := os.Stat(filepath.Join(ws.Dir, "terraform.tfstate"))
	if err != nil {
		run.SetupErr = fmt.Sprintf("no state after the apply: %v", err)
		return run, nil
	}
	run.StateBytes = fi.Size()
	r.logf("  setup took %s; state %d bytes (%.0f per instance)", time.Since(start).Round(100*time.Millisecond), run.StateBytes, run.StatePerInstance())

	for _, m := range []struct {
		st  step
		dst *Measurement
	}{{planNoRefresh, &run.Plan}, {planRefresh, &run.Refresh}, {destroyFleet, &run.Destroy}} {
		if r.cfg.CPUProfileDir != "" {
			label := strings.NewReplacer(" ", "", "=", "-").Replace(m.st.label)
			ws.Setenv("CLOUDDC_CPUPROFILE=" + filepath.Join(r.cfg.CPUProfileDir, fmt.Sprintf("scale-%d-%s", n, label)))
		}
		got, err := r.measure(ctx, ws, sc, m.st, true)
		*m.dst = got
		if err != nil {
			return run, err
		}
		r.logf("  %s: %.2fs, %d calls (%s), peak RSS %.0f MiB %s", m.st.label, got.Wall.Seconds(), got.TotalCalls(), formatCalls(got.Calls), got.PeakRSSMiB, got.Err)
		if got.Err != "" {
			break
		}
	}
	return run, nil
}
