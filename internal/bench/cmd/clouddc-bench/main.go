// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Command clouddc-bench is `make bench`: it builds the provider and the
// emulator, measures fleet-scale destroys with real terraform with the
// provider's optimisations on and off, measures plan, refresh and destroy
// of one fleet at growing sizes (the scale table, -scale), runs the
// emulator's ShowInstanceStatus benchmark, prints the report and writes it to
// BENCHMARKS.md. It exits non-zero when a measured command fails; a missed
// target is reported, not an error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/bench"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "clouddc-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("out", "BENCHMARKS.md", "write the Markdown report here (relative to the module root); empty: print only")
	fleet := flag.Int("fleet", 1000, "instances of the clouddc_instances fleet (scenario 1); 0: skip it")
	adopted := flag.Int("adopted", 1000, "instances adopted by batch-delete resources of 50 (scenario 2); 0: skip it")
	singles := flag.Int("singles", 200, "clouddc_instance resources (scenario 3); 0: skip it")
	deleteDuration := flag.Duration("delete-duration", 3*time.Second, "emulator --delete-duration")
	createDuration := flag.Duration("create-duration", 500*time.Millisecond, "emulator --create-duration")
	scale := flag.String("scale", "1000,2000,5000,10000", "fleet sizes of the scale table, comma-separated; empty: skip it")
	cpuProfile := flag.String("cpuprofile", "", "directory for the provider's CPU profiles of the scale table's commands (CLOUDDC_CPUPROFILE); empty: none")
	skipEmu := flag.Bool("skip-emulator-bench", false, "do not run the emulator's Go benchmark")
	flag.Parse()
	sizes, err := bench.ParseSizes(*scale)
	if err != nil {
		return fmt.Errorf("-scale: %w", err)
	}
	if *cpuProfile != "" {
		if *cpuProfile, err = filepath.Abs(*cpuProfile); err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		if err := os.MkdirAll(*cpuProfile, 0o755); err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	started := time.Now()

	root, err := e2e.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "clouddc-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	fmt.Println("bench: building the provider and the emulator")
	bins, err := e2e.Build(ctx, root, filepath.Join(tmp, "bin"))
	if err != nil {
		return err
	}

	cfg := bench.Config{
		Bins: bins, WorkDir: filepath.Join(tmp, "work"),
		DeleteDuration: *deleteDuration, CreateDuration: *createDuration,
		Fleet: *fleet, Adopted: *adopted, Singles: *singles,
		Scale: sizes, CPUProfileDir: *cpuProfile,
		Log: os.Stdout,
	}
	res, runErr := bench.Run(ctx, cfg)

	var emu *bench.EmulatorResult
	if !*skipEmu && runErr == nil {
		fmt.Println("bench: running the emulator's ShowInstanceStatus benchmark")
		emu = bench.RunEmulatorBenchmark(ctx, root)
	}
	env := bench.Environment{
		Date: time.Now(), GoVersion: runtime.Version(), Terraform: terraformVersion(ctx),
		CPUs: runtime.NumCPU(), DeleteDuration: *deleteDuration, CreateDuration: *createDuration,
	}
	report := bench.Markdown(env, res, emu, bench.Evaluate(res, *deleteDuration, emu))
	fmt.Println()
	fmt.Print(report)
	if *out != "" && runErr == nil {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil { //nolint:gosec // a report in the repository, meant to be read
			return fmt.Errorf("write report: %w", err)
		}
		fmt.Printf("bench: wrote %s\n", path)
	}
	fmt.Printf("bench: done in %s\n", time.Since(started).Round(time.Second))
	if runErr != nil {
		return runErr
	}
	for _, m := range res.Measurements {
		if m.Err != "" {
			return fmt.Errorf("%s (%s, optimisations on=%v): %s", m.Scenario, m.Command, m.Optimize, m.Err)
		}
	}
	for _, s := range res.Scale {
		if f := s.Failures(); len(f) > 0 {
			return fmt.Errorf("scale %d: %s", s.N, strings.Join(f, "; "))
		}
	}
	return nil
}

func terraformVersion(ctx context.Context) string {
	tfPath, err := e2e.TerraformPath()
	if err != nil {
		return "terraform (unknown version)"
	}
	b, err := exec.CommandContext(ctx, tfPath, "version", "-json").Output()
	if err != nil {
		return "terraform (unknown version)"
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if json.Unmarshal(b, &v) != nil || v.Version == "" {
		return "terraform (unknown version)"
	}
	return "Terraform " + v.Version
}
