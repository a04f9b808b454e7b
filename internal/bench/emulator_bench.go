// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// EmulatorResult is the emulator's Go benchmark of ShowInstanceStatus.
type EmulatorResult struct {
	Command   string
	Line      string // the benchmark's result line(s)
	ReqPerSec float64
	P99       string
	Err       string
}

// RunEmulatorBenchmark runs BenchmarkShowInstanceStatus of internal/emulator
// in moduleRoot and reads its req/s and p99 metrics.
func RunEmulatorBenchmark(ctx context.Context, moduleRoot string) *EmulatorResult {
	args := []string{"test", "-run", "^$", "-bench", "ShowInstanceStatus", "-benchtime", "3s", "./internal/emulator/"}
	res := &EmulatorResult{Command: "go " + strings.Join(args, " ")}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = moduleRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		res.Err = fmt.Sprintf("%v: %s", err, lastLine(string(out)))
		return res
	}
	parseBenchOutput(string(out), res)
	return res
}

// parseBenchOutput reads the Benchmark lines of `go test -bench` output: a
// metric with unit req/s is the throughput (else it is derived from ns/op,
// which is per request), and a metric whose unit names p99 is the p99.
func parseBenchOutput(out string, res *EmulatorResult) {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		lines = append(lines, strings.TrimSpace(l))
		var nsPerOp float64
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			unit := f[i+1]
			switch {
			case unit == "ns/op":
				nsPerOp = v
			case unit == "req/s":
				res.ReqPerSec = max(res.ReqPerSec, v)
			case strings.Contains(strings.ToLower(unit), "p99"):
				res.P99 = f[i] + " " + strings.TrimPrefix(strings.TrimPrefix(unit, "p99-"), "p99_")
			}
		}
		if res.ReqPerSec == 0 && nsPerOp > 0 {
			res.ReqPerSec = 1e9 / nsPerOp
		}
	}
	res.Line = strings.Join(lines, "\n")
	if len(lines) == 0 {
		res.Err = "no Benchmark result line in the output: " + lastLine(out)
	}
	if res.P99 == "" && res.Err == "" {
		res.P99 = "not reported"
	}
}
