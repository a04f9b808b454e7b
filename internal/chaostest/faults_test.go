// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// TestThrottlingAndServerErrors: under a rate limit of 20 requests/s and
// 20 % of requests failing with 500, a 200-instance fleet and four
// batch-delete resources over it (four chunks of 50) apply and destroy with
// no error, every instance ends terminated and the state is empty. The
// optimised provider makes so few calls that it stays under 20 requests/s
// (the emulator's burst is one second's worth), so the scenario runs again
// with a limit of 2 requests/s, which it must hit (429) and survive. Both
// set max_retries = 25; a third run, smaller, keeps the default max_retries
// (5), as a user who sets nothing has it.
func TestThrottlingAndServerErrors(t *testing.T) {
	precheck(t)
	for _, tc := range []struct {
		name       string
		rateLimit  string
		instances  int  // a multiple of 50
		maxRetries int  // 0: not set, the provider's default
		throttled  bool // the emulator must have answered 429s
	}{
		{name: "20 per second", rateLimit: "20", instances: 200, maxRetries: 25},
		{name: "2 per second", rateLimit: "2", instances: 200, maxRetries: 25, throttled: true},
		{name: "20 per second at the default max_retries", rateLimit: "20", instances: 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := suiteCtx(t, 4*time.Minute)
			emu := startEmulator(t, "--servers", fmt.Sprint(tc.instances+20), "--rate-limit", tc.rateLimit, "--fault-rate", "0.2", "--seed", "7")
			p := tokenProvider(emu)
			p.MaxRetries = tc.maxRetries
			chunks := tc.instances / 50
			ws := newWorkspace(t, p.HCL()+fleetHCL("storm", tc.instances)+fmt.Sprintf(`
resource "clouddc_instances_batch_delete" "chunk" {
  count        = %d
  instance_ids = slice(keys(clouddc_instances.storm.instances), count.index * 50, count.index * 50 + 50)
}
`, chunks))
			tf(ctx, t, ws, applyArgs...)
			assertOnlyState(t, byState(ctx, t, emu), "running", tc.instances)
			list, err := ws.StateList(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"clouddc_instances.storm"}
			for i := range chunks {
				want = append(want, fmt.Sprintf("clouddc_instances_batch_delete.chunk[%d]", i))
			}
			if !slices.Equal(list, want) {
				t.Fatalf("state after apply = %v, want %v", list, want)
			}

			tf(ctx, t, ws, destroyArgs...)
			assertOnlyState(t, byState(ctx, t, emu), "terminated", tc.instances)
			assertStateEmpty(ctx, t, ws)

			s := stats(ctx, t, emu)
			t.Logf("requests %v; responses %v", s.Requests, s.Responses)
			if s.Responses["500"] == 0 {
				t.Errorf("the emulator answered no 500 at all (responses %v): the storm did not happen, so the test proved nothing", s.Responses)
			}
			if tc.throttled && s.Responses["429"] == 0 {
				t.Errorf("the emulator answered no 429 (responses %v): the rate limit was never hit, so throttling was not tested", s.Responses)
			}
			if s.Requests["DeleteInstances"] < int64(chunks) {
				t.Errorf("%d DeleteInstances calls, want at least %d (chunks of 50)", s.Requests["DeleteInstances"], chunks)
			}
		})
	}
}

// deleteFailureRate is the rate: of 60 deletions about 6 end in state
// error (the chance that none does is 0.2 %, and the seed makes it repeatable).
const deleteFailureRate = "0.1"

// TestDeletionsThatFail: when some deletions end in state error, destroy
// fails with an error that names exactly those instances and their
// error_msg, the state keeps exactly them, and once deletions work again a
// second destroy completes.
func TestDeletionsThatFail(t *testing.T) {
	precheck(t)
	ctx := suiteCtx(t, 3*time.Minute)
	emu := startEmulator(t, "--servers", "60", "--delete-failure-rate", deleteFailureRate, "--seed", "42")
	ws := newWorkspace(t, tokenProvider(emu).HCL()+fleetHCL("flaky", 60))
	tf(ctx, t, ws, applyArgs...)
	all := byState(ctx, t, emu)["running"]
	if len(all) != 60 {
		t.Fatalf("%d running instances after apply, want 60", len(all))
	}

	out := tfFails(ctx, t, ws, destroyArgs...)
	listed, err := emu.API(projectID, token).ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	msgs := map[string]bool{}
	for _, in := range listed {
		switch in.State {
		case "error":
			failed = append(failed, in.ID)
			if in.Error == nil || in.Error.ErrorMsg == "" {
				t.Errorf("instance %s is in state error without an error_msg", in.ID)
			} else {
				msgs[in.Error.ErrorMsg] = true
			}
		case "terminated":
		default:
			t.Errorf("instance %s is %s after the failed destroy, want terminated or error (the destroy must wait for the rest)", in.ID, in.State)
		}
	}
	slices.Sort(failed)
	if len(failed) == 0 {
		t.Fatalf("no instance ended in state error, but destroy failed:\n%s", out)
	}
	t.Logf("%d of 60 deletions failed: %v", len(failed), failed)
	t.Logf("destroy failed as it should:\n%s", errorSection(out))

	// The error section names exactly the failed instances, with their messages.
	errPart := errorSection(out)
	var named []string
	for _, id := range uuidsIn(errPart) {
		if slices.Contains(all, id) {
			named = append(named, id)
		}
	}
	if !slices.Equal(named, failed) {
		t.Errorf("the error names instances %v, want exactly the failed ones %v; error:\n%s", named, failed, errPart)
	}
	flat := flatten(errPart)
	for msg := range msgs {
		if !strings.Contains(flat, flatten(msg)) {
			t.Errorf("the error does not carry the instances' error_msg %q:\n%s", msg, errPart)
		}
	}

	// State keeps exactly what still exists.
	shown, err := ws.Show(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fleet, ok := shown["clouddc_instances.flaky"]
	if !ok {
		t.Fatalf("the fleet left the state although %d instances still exist: %v", len(failed), shown)
	}
	if got := fleet.MapKeys("instances"); !slices.Equal(got, failed) {
		t.Errorf("state keeps ids %v, want exactly the failed %v", got, failed)
	}

	zero := 0.0
	if err := emu.SetFaults(ctx, e2e.Faults{DeleteFailureRate: &zero}); err != nil {
		t.Fatal(err)
	}
	tf(ctx, t, ws, destroyArgs...)
	assertOnlyState(t, byState(ctx, t, emu), "terminated", 60)
	assertStateEmpty(ctx, t, ws)
}

// errorSection is terraform's output from its first error on.
func errorSection(out string) string {
	if i := strings.Index(out, "Error:"); i >= 0 {
		return out[i:]
	}
	return out
}

var boxAndSpace = regexp.MustCompile(`[│╷╵\s]+`)

// flatten undoes terraform's wrapping of diagnostics (box drawing and line
// breaks) so that a message can be searched as one line.
func flatten(s string) string { return strings.TrimSpace(boxAndSpace.ReplaceAllString(s, " ")) }

// TestInterruptedDestroy: SIGINT to terraform destroy while it waits makes
// it exit within 10 s, the state still lists what exists, and a rerun
// completes.
func TestInterruptedDestroy(t *testing.T) {
	precheck(t)
	ctx := suiteCtx(t, 3*time.Minute)
	emu := startEmulator(t, "--servers", "20", "--delete-duration", "12s")
	ws := newWorkspace(t, tokenProvider(emu).HCL()+fleetHCL("sigint", 20))
	tf(ctx, t, ws, applyArgs...)

	proc, err := ws.Start(ctx, destroyArgs...)
	if err != nil {
		t.Fatal(err)
	}
	waitInstances(ctx, t, emu, "shutting-down", 20, time.Minute)
	sent := time.Now()
	if err := proc.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	res, err := proc.Wait()
	took := time.Since(sent)
	t.Logf("terraform exited %s after SIGINT (err %v)", took.Round(10*time.Millisecond), err)
	if took > 10*time.Second {
		t.Errorf("terraform took %s to exit after SIGINT, want at most 10s; output:\n%s", took, res.Output)
	}
	st := byState(ctx, t, emu)
	existing := st["shutting-down"]
	if len(existing) != 20 {
		t.Fatalf("%d instances still shutting-down right after the interrupt, want 20 (delete-duration 12s): %v", len(existing), st)
	}
	shown, err := ws.Show(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fleet, ok := shown["clouddc_instances.sigint"]
	if !ok {
		t.Fatalf("the interrupted destroy dropped the fleet from state although its 20 instances still exist; output:\n%s", res.Output)
	}
	if got := fleet.MapKeys("instances"); !slices.Equal(got, existing) {
		t.Errorf("state keeps ids %v, want the 20 still shutting-down %v", got, existing)
	}

	tf(ctx, t, ws, destroyArgs...)
	assertOnlyState(t, byState(ctx, t, emu), "terminated", 20)
	assertStateEmpty(ctx, t, ws)
}

// TestEmulatorCrash: kill -9 of the emulator in the middle of a destroy (its
// instances still shutting down when it dies) and a restart on the same
// port with the same state file; the destroy (or its rerun) completes and no
// instance was lost or duplicated.
func TestEmulatorCrash(t *testing.T) {
	precheck(t)
	ctx := suiteCtx(t, 3*time.Minute)
	flags := []string{"--servers", "100", "--state-file", filepath.Join(t.TempDir(), "emulator.state"), "--delete-duration", "2s"}
	emu := startEmulator(t, flags...)
	ws := newWorkspace(t, tokenProvider(emu).HCL()+fleetHCL("crash", 100))
	tf(ctx, t, ws, applyArgs...)
	before := byState(ctx, t, emu)
	assertOnlyState(t, before, "running", 100)

	proc, err := ws.Start(ctx, destroyArgs...)
	if err != nil {
		t.Fatal(err)
	}
	// The crash must come in the middle of the deletion: kill as soon as the
	// emulator reports instances shutting down (its request counter moves
	// when a DeleteInstances call arrives, before the deletion is committed,
	// so it is not the signal), and check that the snapshot taken right
	// before the kill shows the deletion under way, not done.
	var atKill map[string]int64
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	err = e2e.WaitFor(waitCtx, 20*time.Millisecond, "instances shutting down", func(ctx context.Context) (bool, error) {
		s, err := emu.Stats(ctx)
		atKill = s.Instances
		return err == nil && s.Instances["shutting-down"] > 0, err
	})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Kill(); err != nil {
		t.Fatal(err)
	}
	if atKill["shutting-down"] == 0 || atKill["terminated"] == 100 {
		t.Fatalf("instances just before the kill: %v; want some still shutting-down, or the crash proved nothing", atKill)
	}
	t.Logf("instances when the emulator was killed: %v", atKill)
	restarted := restartOnSamePort(ctx, t, emu.Addr, flags)

	if _, err := proc.Wait(); err != nil {
		t.Logf("the destroy running across the crash failed; rerunning it:\n%v", err)
		tf(ctx, t, ws, destroyArgs...)
	} else {
		t.Log("the destroy running across the crash completed on its own (the client retried until the emulator was back)")
	}
	after := byState(ctx, t, restarted)
	assertOnlyState(t, after, "terminated", 100)
	if !slices.Equal(after["terminated"], before["running"]) {
		t.Errorf("instances after the crash %v differ from those before %v", after["terminated"], before["running"])
	}
	if n := stats(ctx, t, restarted).TotalInstances(); n != 100 {
		t.Errorf("the emulator counts %d instances after the crash, want 100", n)
	}
	assertStateEmpty(ctx, t, ws)
}

// restartOnSamePort starts the emulator again on addr, retrying briefly in
// case the kernel has not yet released the port of the killed process.
func restartOnSamePort(ctx context.Context, t *testing.T, addr string, flags []string) *e2e.Emulator {
	t.Helper()
	var last error
	for attempt := 0; attempt < 20; attempt++ {
		emu, err := e2e.StartEmulator(ctx, bins.Emulator, emulatorArgs(append(slices.Clone(flags), "--listen", addr)...)...)
		if err == nil {
			stopOnCleanup(t, emu)
			return emu
		}
		last = err
		timer := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			timer.Stop()
			t.Fatalf("restart emulator: %v", errors.Join(ctx.Err(), last))
		case <-timer.C:
		}
	}
	t.Fatalf("restart emulator on %s: %v", addr, last)
	return nil
}

// timeoutsHCL is a timeouts block with a delete timeout.
func timeoutsHCL(deleteTimeout string) string {
	return "  timeouts {\n    delete = \"" + deleteTimeout + "\"\n  }\n"
}

// TestDeleteTimeout: a delete timeout shorter than the deletion gives a
// clear error naming what remains and in which state, the state keeps those
// instances, and a rerun with a longer timeout completes.
func TestDeleteTimeout(t *testing.T) {
	precheck(t)
	ctx := suiteCtx(t, 3*time.Minute)
	emu := startEmulator(t, "--servers", "10", "--delete-duration", "15s")
	ids := seed(ctx, t, emu, 10)
	ws := newWorkspace(t, tokenProvider(emu).HCL()+batchDeleteHCL("slow", ids, timeoutsHCL("2s")))
	tf(ctx, t, ws, applyArgs...)

	start := time.Now()
	out := tfFails(ctx, t, ws, destroyArgs...)
	took := time.Since(start)
	if took > 12*time.Second {
		t.Errorf("destroy took %s with a 2s delete timeout (deletion takes 15s): the timeout was not honoured", took)
	}
	errPart := errorSection(out)
	t.Logf("destroy failed after %s as it should:\n%s", took.Round(10*time.Millisecond), errPart)
	if !regexp.MustCompile(`(?i)time(d)? ?out|deadline`).MatchString(errPart) {
		t.Errorf("the error does not say that the delete timed out:\n%s", errPart)
	}
	if got := uuidsIn(errPart); !slices.Equal(got, ids) {
		t.Errorf("the error names %v, want every remaining instance %v:\n%s", got, ids, errPart)
	}
	if !strings.Contains(errPart, "shutting-down") {
		t.Errorf("the error does not say in which state the instances remain (shutting-down):\n%s", errPart)
	}
	shown, err := ws.Show(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, attr := range []string{"instance_ids", "remaining_ids"} {
		if got := shown["clouddc_instances_batch_delete.slow"].StringSet(attr); !slices.Equal(got, ids) {
			t.Errorf("state keeps %s %v, want every remaining instance %v", attr, got, ids)
		}
	}

	// A longer timeout reaches the state through apply (Terraform reads
	// delete timeouts from state), then the destroy completes.
	writeConfig(t, ws, tokenProvider(emu).HCL()+batchDeleteHCL("slow", ids, timeoutsHCL("2m")))
	tf(ctx, t, ws, applyArgs...)
	tf(ctx, t, ws, destroyArgs...)
	assertOnlyState(t, byState(ctx, t, emu), "terminated", 10)
	assertStateEmpty(ctx, t, ws)
}
