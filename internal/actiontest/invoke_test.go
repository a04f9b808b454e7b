// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package actiontest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

const (
	batchDeleteAddr = "action.clouddc_batch_delete_instances.x"
	serverPowerAddr = "action.clouddc_server_power.x"
)

// batchDeleteHCL is a clouddc_batch_delete_instances action named x.
func batchDeleteHCL(ids []string, extra string) string {
	return fmt.Sprintf(`
action "clouddc_batch_delete_instances" "x" {
  config {
    instance_ids = %s
%s  }
}
`, hclStrings(ids), extra)
}

// serverPowerHCL is a clouddc_server_power action named x.
func serverPowerHCL(ids []string, powerAction, extra string) string {
	return fmt.Sprintf(`
action "clouddc_server_power" "x" {
  config {
    server_ids = %s
    action     = %q
%s  }
}
`, hclStrings(ids), powerAction, extra)
}

// TestAccInvokeBatchDelete: `terraform apply -invoke` of the batch-delete
// action deletes the instances with one batch call and returns only once
// every one is terminated (the emulator takes 1.5 s to shut one down, so an
// action that did not wait would leave them shutting-down), and terraform
// shows the action's progress.
func TestAccInvokeBatchDelete(t *testing.T) {
	precheck(t, e2e.FeatureActions)
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	emu := startEmulator(t)
	ids := seed(ctx, t, emu, 5)
	other := seed(ctx, t, emu, 1)
	ws := newWorkspace(t, providerHCL(emu)+batchDeleteHCL(ids, ""))

	res := tf(ctx, t, ws, invokeArgs(batchDeleteAddr)...)
	assertInstanceStates(ctx, t, emu, "terminated", ids)
	assertInstanceStates(ctx, t, emu, "running", other)
	if n := requests(ctx, t, emu, "DeleteInstances"); n != 1 {
		t.Errorf("%d DeleteInstances calls for 5 instances, want 1", n)
	}
	assertProgress(t, res.Output, batchDeleteAddr, "CLI",
		regexp.MustCompile(`^[0-4]/5 terminated; (shutting-down|unknown): [1-5]`), "5/5 terminated; done")
}

// TestAccInvokeServerPower: `terraform apply -invoke` of the power action
// powers the servers off, on, reboots them and powers them off again, each
// time returning only once every server has reached the resulting power
// state: the state is asked right after terraform returns, and each next
// power change would be refused (iMetal.0101) while the last one still ran.
func TestAccInvokeServerPower(t *testing.T) {
	precheck(t, e2e.FeatureActions)
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	emu := startEmulator(t)
	ids := serverIDs(ctx, t, emu, 3)
	ws := newWorkspace(t, "")
	for i, step := range []struct{ action, want, label string }{
		{"off", "off", `"power off"`},
		{"power on", "on", `"power on"`},
		{"reboot", "on", `"rebooting"`},
		{"power off", "off", `"power off"`},
	} {
		writeConfig(t, ws, providerHCL(emu)+serverPowerHCL(ids, step.action, ""))
		res := tf(ctx, t, ws, invokeArgs(serverPowerAddr)...)
		assertPowerStates(ctx, t, emu, step.want, ids)
		assertProgress(t, res.Output, serverPowerAddr, "CLI",
			regexp.MustCompile(`^requesting `+step.label+` for 3 server\(s\)$`), fmt.Sprintf("3/3 %s; done", step.want))
		if n := requests(ctx, t, emu, "ChangeServerPowerState"); n != int64(i+1) {
			t.Errorf("after %q: %d ChangeServerPowerState calls, want %d (one per invoke)", step.action, n, i+1)
		}
	}
}

// TestAccInvokeFailuresNameTheUnfinished: when the work fails or the
// action's timeout runs out, terraform exits non-zero and the error names
// every unfinished instance or server.
func TestAccInvokeFailuresNameTheUnfinished(t *testing.T) {
	precheck(t, e2e.FeatureActions)
	t.Parallel()

	t.Run("failed deletion", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t, "--delete-failure-rate", "1", "--seed", "3")
		ids := seed(ctx, t, emu, 3)
		ws := newWorkspace(t, providerHCL(emu)+batchDeleteHCL(ids, "    timeout = \"1m\"\n"))
		out := tfFails(ctx, t, ws, invokeArgs(batchDeleteAddr)...)
		if !strings.Contains(out, "Batch deletion did not finish") || !strings.Contains(out, "3 of 3 instance(s) not deleted") {
			t.Errorf("the error does not say the batch deletion failed for all 3:\n%s", out)
		}
		for _, id := range ids {
			if !regexp.MustCompile(regexp.QuoteMeta(id) + ` \(state: error: \S+`).MatchString(out) {
				t.Errorf("the error does not name %s with state error and its error_msg:\n%s", id, out)
			}
		}
		assertInstanceStates(ctx, t, emu, "error", ids)
	})

	t.Run("deletion timeout", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t, "--delete-duration", "1h")
		ids := seed(ctx, t, emu, 3)
		ws := newWorkspace(t, providerHCL(emu)+batchDeleteHCL(ids, "    timeout = \"3s\"\n"))
		out := tfFails(ctx, t, ws, invokeArgs(batchDeleteAddr)...)
		if !strings.Contains(out, "before the action's timeout (3s) ran out") {
			t.Errorf("the error does not say the action's timeout ran out:\n%s", out)
		}
		for _, id := range ids {
			if !strings.Contains(out, id+" (state: shutting-down)") {
				t.Errorf("the error does not name %s as shutting-down:\n%s", id, out)
			}
		}
		assertInstanceStates(ctx, t, emu, "shutting-down", ids)
	})

	t.Run("power change refused", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t)
		ids := append(serverIDs(ctx, t, emu, 1), "0195b173-0000-7000-8000-00000000dead") // no such server
		ws := newWorkspace(t, providerHCL(emu)+serverPowerHCL(ids, "off", ""))
		out := tfFails(ctx, t, ws, invokeArgs(serverPowerAddr)...)
		if !strings.Contains(out, "Changing the power state failed") {
			t.Errorf("the error does not say the power change failed:\n%s", out)
		}
		assertNames(t, out, "the power error", ids)
	})

	t.Run("power timeout", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t, "--power-duration", "1h")
		ids := serverIDs(ctx, t, emu, 2)
		ws := newWorkspace(t, providerHCL(emu)+serverPowerHCL(ids, "off", "    timeout = \"3s\"\n"))
		out := tfFails(ctx, t, ws, invokeArgs(serverPowerAddr)...)
		if !strings.Contains(out, "The action's timeout (3s) ran out") {
			t.Errorf("the error does not say the action's timeout ran out:\n%s", out)
		}
		if !regexp.MustCompile(`Servers not in power state "off" \(2\)`).MatchString(out) {
			t.Errorf("the error does not list the 2 servers not yet off:\n%s", out)
		}
		assertNames(t, out, "the power timeout error", ids)
	})
}

// TestAccInvokeInterrupt: Ctrl-C (SIGINT to terraform) while an action
// waits stops the wait within seconds, with the work an hour from done: an
// action that ignored the interrupt would hold terraform for that hour.
// Afterwards nothing polls the emulator any more.
func TestAccInvokeInterrupt(t *testing.T) {
	precheck(t, e2e.FeatureActions)
	t.Parallel()

	t.Run("batch delete", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t, "--delete-duration", "1h")
		ids := seed(ctx, t, emu, 2)
		ws := newWorkspace(t, providerHCL(emu)+batchDeleteHCL(ids, ""))
		interrupt(ctx, t, emu, ws, batchDeleteAddr)
		assertInstanceStates(ctx, t, emu, "shutting-down", ids)
	})

	t.Run("server power", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t, "--power-duration", "1h")
		ids := serverIDs(ctx, t, emu, 2)
		ws := newWorkspace(t, providerHCL(emu)+serverPowerHCL(ids, "off", ""))
		interrupt(ctx, t, emu, ws, serverPowerAddr)
	})
}

// interruptWithin is how soon terraform must exit after Ctrl-C.
const interruptWithin = 10 * time.Second

// interrupt invokes the action at addr, sends SIGINT once terraform shows
// its first progress message, and checks that terraform exits within
// interruptWithin and that the provider stops polling.
func interrupt(ctx context.Context, t *testing.T, emu *e2e.Emulator, ws *e2e.Workspace, addr string) {
	t.Helper()
	p, err := ws.Start(ctx, invokeArgs(addr)...)
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := e2e.WaitFor(waitCtx, 50*time.Millisecond, "the action's first progress message", func(context.Context) (bool, error) {
		return len(progress(p.Output(), addr, "CLI")) > 0, nil
	}); err != nil {
		_ = p.Signal(os.Kill)
		_, _ = p.Wait()
		t.Fatalf("%v; output:\n%s", err, p.Output())
	}
	sent := time.Now()
	if err := p.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_, _ = p.Wait()
	}()
	timer := time.NewTimer(interruptWithin)
	defer timer.Stop()
	select {
	case <-exited:
	case <-timer.C:
		_ = p.Signal(os.Kill)
		<-exited
		t.Fatalf("terraform still ran %s after Ctrl-C; output:\n%s", interruptWithin, p.Output())
	}
	took := time.Since(sent)
	t.Logf("terraform exited %s after Ctrl-C", took.Round(10*time.Millisecond))
	out := p.Output()
	if !strings.Contains(out, "Interrupt received") {
		t.Errorf("terraform did not see the interrupt; output:\n%s", out)
	}

	// Nothing may poll the emulator once terraform has gone: the wait ended
	// with it rather than carrying on in a left-behind provider process.
	before, err := emu.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	quiet := time.NewTimer(time.Second)
	defer quiet.Stop()
	<-quiet.C
	after, err := emu.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := after.Sub(before).Requests; len(d) > 0 {
		t.Errorf("the emulator served %v in the second after terraform exited, want nothing", d)
	}
}
