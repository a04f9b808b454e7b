// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		in       string
		comm     string
		ppid     int
		wantsErr bool
	}{
		{"1234 (terraform-provi) S 1200 1234 1200 0 -1", "terraform-provi", 1200, false},
		{"77 (a (weird) name) R 5 77 5", "a (weird) name", 5, false},
		{"77 no parens R 5", "", 0, true},
		{"77 (x)", "", 0, true},
		{"77 (x) S notanumber", "", 0, true},
	} {
		comm, ppid, err := parseStat(tc.in)
		if (err != nil) != tc.wantsErr || comm != tc.comm || ppid != tc.ppid {
			t.Errorf("parseStat(%q) = %q, %d, %v; want %q, %d, error %v", tc.in, comm, ppid, err, tc.comm, tc.ppid, tc.wantsErr)
		}
	}
}

func TestVmHWM(t *testing.T) {
	k, ok := vmHWM([]byte("Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t 40000 kB\n"))
	if !ok || k != 51234 {
		t.Errorf("vmHWM = %d, %v; want 51234, true", k, ok)
	}
	if _, ok := vmHWM([]byte("Name:\tkthread\n")); ok {
		t.Error("vmHWM found a value in a status without VmHWM")
	}
}

// TestWatchRSSFindsDescendant runs a child named like the provider under a
// shell and checks that the watcher finds it through the shell. It waits for
// the watcher's own sample of the child (not merely for the child to exist:
// the watcher samples on its own ticker, so stopping it the moment the child
// appears raced with that ticker and failed about one run in six).
func TestWatchRSSFindsDescendant(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "terraform-provider-clouddc")
	if err := os.Symlink(sleep, fake); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "sh", "-c", fake+" 2; true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	w := watchRSS(cmd.Process.Pid, 10*time.Millisecond)
	// The child sleeps 2 s; the watcher must have sampled it well before.
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	err = e2e.WaitFor(ctx, 10*time.Millisecond, "a sample of the fake provider", func(context.Context) (bool, error) {
		return w.Peak() > 0, nil
	})
	peak := w.Stop()
	if err != nil {
		t.Fatalf("%v (fake providers under the shell: %v)", err, descendantsNamed(cmd.Process.Pid, procComm))
	}
	if peak <= 0 {
		t.Errorf("peak RSS of the fake provider = %v MiB, want > 0", peak)
	}
}
