// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// Credentials of the benchmark's emulator.
const (
	projectID = "be0c4be0c4be0c4be0c4be0c4be0c4b0"
	token     = "bench-token"
)

// singlesParallelism is scenario 3's -parallelism: Terraform deletes its
// clouddc_instance resources in waves of this many.
const singlesParallelism = 50

// Config says what to run.
type Config struct {
	Bins           e2e.Binaries
	WorkDir        string
	DeleteDuration time.Duration
	CreateDuration time.Duration
	Fleet          int   // scenario 1: instances of one clouddc_instances
	Adopted        int   // scenario 2: instances adopted by batch-delete resources of 50
	Singles        int   // scenario 3: clouddc_instance resources
	Scale          []int // fleet sizes of the scale table, smallest first is the growth base
	// CPUProfileDir, if set, is where the provider writes a CPU profile of
	// each measured command of the scale table (CLOUDDC_CPUPROFILE).
	CPUProfileDir string
	Log           io.Writer
}

// Measurement is one measured terraform command.
type Measurement struct {
	Scenario   string // e.g. "1. fleet → destroy"
	Command    string // the terraform arguments
	Optimize   bool
	N          int
	Wall       time.Duration
	Calls      map[string]int64 // API requests by operation during the command
	PeakRSSMiB float64          // the provider processes' peak resident set size
	// FirstDelete and AllTerminated are when, counted from the command's
	// start, the emulator saw the first delete call and saw every instance
	// terminated (0: never); they split the wall time into Terraform's own
	// work before deleting, the service's deletion, and the wait's lag.
	FirstDelete, AllTerminated time.Duration
	Err                        string // why the command or its end-state check failed
}

// TotalCalls is the number of API requests of the command.
func (m Measurement) TotalCalls() int64 {
	var n int64
	for _, v := range m.Calls {
		n += v
	}
	return n
}

// PerInstance is calls per instance.
func (m Measurement) PerInstance(calls int64) float64 {
	if m.N == 0 {
		return 0
	}
	return float64(calls) / float64(m.N)
}

// scenario prepares a workspace (not measured) and names the measured steps.
type scenario struct {
	name  string
	n     int
	setup func(ctx context.Context, ws *e2e.Workspace) error
	steps []step
}

type step struct {
	label string
	args  []string
	// gone: after the step every instance must be terminated.
	gone bool
	// noChanges: the step is a plan that must find nothing to change.
	noChanges bool
}

type runner struct {
	cfg Config
	emu *e2e.Emulator
}

// Results are everything Run measured.
type Results struct {
	Measurements []Measurement // scenarios 1–3, optimisations on and off
	Scale        []ScaleRun    // the scale table, in the order of Config.Scale
}

// Run starts the emulator, measures every scenario with the optimisations
// on and then off, and then the scale table.
func Run(ctx context.Context, cfg Config) (Results, error) {
	servers := max(cfg.Fleet, cfg.Adopted, cfg.Singles)
	for _, n := range cfg.Scale {
		servers = max(servers, n)
	}
	servers += 50
	emu, err := e2e.StartEmulator(ctx, cfg.Bins.Emulator,
		"--listen", "127.0.0.1:0", "--project-id", projectID, "--token", token,
		"--servers", strconv.Itoa(servers),
		"--create-duration", cfg.CreateDuration.String(), "--delete-duration", cfg.DeleteDuration.String(),
		"--terminated-ttl", "1h", "--log-level", "warn")
	if err != nil {
		return Results{}, err
	}
	defer func() { _ = emu.Stop() }()
	r := &runner{cfg: cfg, emu: emu}
	r.logf("emulator %s (delete-duration %s, %d servers)", emu.URL, cfg.DeleteDuration, servers)

	destroy := func(p int) step {
		return step{label: "destroy", args: []string{"destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=" + strconv.Itoa(p)}, gone: true}
	}
	scenarios := []scenario{
		{name: "1. fleet → destroy", n: cfg.Fleet, setup: func(ctx context.Context, ws *e2e.Workspace) error { return r.setupFleet(ctx, ws, cfg.Fleet) }, steps: []step{destroy(10)}},
		{name: "2. adopted by batch-delete resources → destroy", n: cfg.Adopted, setup: r.setupAdopted, steps: []step{destroy(20)}},
		{name: "3. clouddc_instance resources → refresh, destroy", n: cfg.Singles, setup: r.setupSingles, steps: []step{
			{label: "plan -refresh-only", args: []string{"plan", "-refresh-only", "-input=false", "-no-color", "-parallelism=50"}},
			destroy(singlesParallelism),
		}},
	}
	var out Results
	for _, sc := range scenarios {
		if sc.n == 0 {
			continue
		}
		for _, optimize := range []bool{true, false} {
			ms, err := r.runScenario(ctx, sc, optimize)
			out.Measurements = append(out.Measurements, ms...)
			if err != nil {
				return out, err
			}
		}
	}
	for _, n := range cfg.Scale {
		run, err := r.runScale(ctx, n)
		out.Scale = append(out.Scale, run)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		_, _ = fmt.Fprintf(r.cfg.Log, "bench: "+format+"\n", args...)
	}
}

func onOff(optimize bool) string {
	if optimize {
		return "on"
	}
	return "off"
}

func (r *runner) runScenario(ctx context.Context, sc scenario, optimize bool) ([]Measurement, error) {
	if err := r.emu.Reset(ctx); err != nil {
		return nil, fmt.Errorf("reset emulator: %w", err)
	}
	dir := filepath.Join(r.cfg.WorkDir, fmt.Sprintf("%s-%s", strings.Fields(sc.name)[0], onOff(optimize)))
	ws, err := e2e.NewWorkspace(dir, r.cfg.Bins.Dir)
	if err != nil {
		return nil, err
	}
	r.logf("%s, optimisations %s: setting up %d instances", sc.name, onOff(optimize), sc.n)
	start := time.Now()
	// Setup runs with the optimisations on (it is not measured); the
	// measured steps run with the mode's provider configuration.
	ws.Setenv("CLOUDDC_OPTIMIZE_API_CALLS=true")
	if err := sc.setup(ctx, ws); err != nil {
		return nil, fmt.Errorf("%s: setup: %w", sc.name, err)
	}
	r.logf("  setup took %s", time.Since(start).Round(100*time.Millisecond))
	ws.Setenv("CLOUDDC_OPTIMIZE_API_CALLS=" + strconv.FormatBool(optimize))

	var out []Measurement
	for _, st := range sc.steps {
		m, err := r.measure(ctx, ws, sc, st, optimize)
		if err != nil {
			return out, err
		}
		r.logf("  %s: %.2fs, %d calls (%s), peak RSS %.0f MiB %s", st.label, m.Wall.Seconds(), m.TotalCalls(), formatCalls(m.Calls), m.PeakRSSMiB, m.Err)
		out = append(out, m)
	}
	return out, nil
}

func (r *runner) measure(ctx context.Context, ws *e2e.Workspace, sc scenario, st step, optimize bool) (Measurement, error) {
	m := Measurement{Scenario: sc.name, Command: displayCommand(st.args), Optimize: optimize, N: sc.n}
	before, err := r.emu.Stats(ctx)
	if err != nil {
		return m, fmt.Errorf("stats: %w", err)
	}
	proc, err := ws.Start(ctx, st.args...)
	if err != nil {
		return m, err
	}
	w := watchRSS(proc.PID(), 25*time.Millisecond)
	tl := r.watchTimeline(ctx, before, int64(sc.n))
	res, runErr := proc.Wait()
	m.PeakRSSMiB = w.Stop()
	m.FirstDelete, m.AllTerminated = tl.Stop()
	m.Wall = res.Elapsed
	after, err := r.emu.Stats(ctx)
	if err != nil {
		return m, fmt.Errorf("stats: %w", err)
	}
	m.Calls = after.Sub(before).Requests
	if runErr != nil {
		m.Err = "terraform failed: " + lastLine(res.Output)
		r.logf("%v", runErr)
		return m, nil
	}
	if st.noChanges && !strings.Contains(res.Output, "No changes.") {
		m.Err = "the plan is not empty: " + lastLine(res.Output)
	}
	if st.gone {
		if n := after.Instances["terminated"]; n < int64(sc.n) {
			m.Err = fmt.Sprintf("only %d of %d instances terminated (%v)", n, sc.n, after.Instances)
		}
	}
	return m, nil
}

// timeline polls the emulator's stats while a command runs and notes when
// the first delete call arrived and when every instance was terminated.
type timeline struct {
	stop          chan struct{}
	done          chan struct{}
	firstDelete   time.Duration
	allTerminated time.Duration
}

func (r *runner) watchTimeline(ctx context.Context, before e2e.Stats, n int64) *timeline {
	tl := &timeline{stop: make(chan struct{}), done: make(chan struct{})}
	start := time.Now()
	deletes := func(s e2e.Stats) int64 { return s.Requests["DeleteInstances"] + s.Requests["DeleteInstance"] }
	go func() {
		defer close(tl.done)
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-tl.stop:
				return
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			s, err := r.emu.Stats(ctx)
			if err != nil {
				continue
			}
			if tl.firstDelete == 0 && deletes(s) > deletes(before) {
				tl.firstDelete = time.Since(start)
			}
			if tl.allTerminated == 0 && s.Instances["terminated"] >= n && deletes(s) > deletes(before) {
				tl.allTerminated = time.Since(start)
			}
		}
	}()
	return tl
}

// Stop ends the polling and returns the two moments (0: not seen).
func (tl *timeline) Stop() (firstDelete, allTerminated time.Duration) {
	close(tl.stop)
	<-tl.done
	return tl.firstDelete, tl.allTerminated
}

// displayCommand is the terraform command without the flags every run has.
func displayCommand(args []string) string {
	shown := []string{"terraform"}
	for _, a := range args {
		switch a {
		case "-auto-approve", "-input=false", "-no-color":
		default:
			shown = append(shown, a)
		}
	}
	return strings.Join(shown, " ")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.Trim(lines[i], "│╵╷ "); l != "" {
			return l
		}
	}
	return ""
}

func (r *runner) providerHCL() string {
	return e2e.RequiredProviders + fmt.Sprintf("provider \"clouddc\" {\n  endpoint   = %q\n  project_id = %q\n  auth_token = %q\n}\n", r.emu.URL, projectID, token)
}

func (r *runner) apply(ctx context.Context, ws *e2e.Workspace, config string, parallelism int) error {
	if err := ws.WriteConfig(config); err != nil {
		return err
	}
	_, err := ws.Run(ctx, "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism="+strconv.Itoa(parallelism))
	return err
}

func (r *runner) setupFleet(ctx context.Context, ws *e2e.Workspace, n int) error {
	return r.apply(ctx, ws, r.providerHCL()+fmt.Sprintf(`
resource "clouddc_instances" "fleet" {
  name               = "bench-fleet"
  image_id           = %q
  vpc_id             = %q
  password           = %q
  instance_count     = %d
  network_interfaces = [{ subnet_id = %q }]
}
`, e2e.SeedImageID, e2e.SeedVpcID, e2e.SeedPassword, n, e2e.SeedSubnetID), 10)
}

func (r *runner) setupAdopted(ctx context.Context, ws *e2e.Workspace) error {
	api := r.emu.API(projectID, token)
	var ids []string
	for len(ids) < r.cfg.Adopted {
		part, err := api.RunInstances(ctx, "bench-adopted", min(500, r.cfg.Adopted-len(ids)))
		if err != nil {
			return err
		}
		ids = append(ids, part...)
	}
	if err := r.waitRunning(ctx, len(ids)); err != nil {
		return err
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = strconv.Quote(id)
	}
	chunks := (len(ids) + 49) / 50
	return r.apply(ctx, ws, r.providerHCL()+fmt.Sprintf(`
locals {
  ids = [%s]
}

resource "clouddc_instances_batch_delete" "chunk" {
  count        = %d
  instance_ids = slice(local.ids, count.index * 50, min(length(local.ids), count.index * 50 + 50))
}
`, strings.Join(quoted, ", "), chunks), 20)
}

func (r *runner) setupSingles(ctx context.Context, ws *e2e.Workspace) error {
	return r.apply(ctx, ws, r.providerHCL()+fmt.Sprintf(`
resource "clouddc_instance" "single" {
  count              = %d
  name               = "bench-single-${count.index}"
  image_id           = %q
  vpc_id             = %q
  password           = %q
  network_interfaces = [{ subnet_id = %q }]
}
`, r.cfg.Singles, e2e.SeedImageID, e2e.SeedVpcID, e2e.SeedPassword, e2e.SeedSubnetID), 50)
}

func (r *runner) waitRunning(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return e2e.WaitFor(ctx, 100*time.Millisecond, fmt.Sprintf("%d running instances", n), func(ctx context.Context) (bool, error) {
		s, err := r.emu.Stats(ctx)
		return err == nil && s.Instances["running"] >= int64(n), err
	})
}
