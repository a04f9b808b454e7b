// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package actiontest

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// destroyEventHCL is the pattern of the batch-deletion guide: destroying
// terraform_data.pool batch-deletes the instances it holds and waits, from
// an action_trigger on event (before_destroy or after_destroy) whose action
// reads the IDs from the caller symbol.
func destroyEventHCL(name, event, onFailure string, ids []string) string {
	onFailureLine := ""
	if onFailure != "" {
		onFailureLine = "      on_failure = " + onFailure + "\n"
	}
	return `
action "clouddc_batch_delete_instances" "` + name + `" {
  config {
    instance_ids = caller.input
    timeout      = "1m"
  }
}

resource "terraform_data" "` + name + `" {
  input            = ` + hclStrings(ids) + `
  triggers_replace = var.generation

  lifecycle {
    action_trigger {
      events  = [` + event + `]
      actions = [action.clouddc_batch_delete_instances.` + name + `]
` + onFailureLine + `    }
  }
}
`
}

const generationVar = `
variable "generation" {
  type    = number
  default = 1
}
`

// TestAccDestroyEventsBatchDelete: with before_destroy and after_destroy
// triggers, creating the resources deletes nothing, and terraform destroy
// batch-deletes the instances each one holds and waits until they are
// terminated (asked right after terraform returns).
func TestAccDestroyEventsBatchDelete(t *testing.T) {
	precheck(t, e2e.FeatureDestroyEvents)
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	emu := startEmulator(t)
	before := seed(ctx, t, emu, 3)
	after := seed(ctx, t, emu, 2)
	ws := newWorkspace(t, providerHCL(emu)+generationVar+
		destroyEventHCL("before", "before_destroy", "", before)+
		destroyEventHCL("after", "after_destroy", "", after))

	tf(ctx, t, ws, applyArgs...)
	assertInstanceStates(ctx, t, emu, "running", slices.Concat(before, after))
	if n := requests(ctx, t, emu, "DeleteInstances"); n != 0 {
		t.Fatalf("%d DeleteInstances calls on create, want none: the triggers are for destroy", n)
	}

	res := tf(ctx, t, ws, destroyArgs...)
	assertInstanceStates(ctx, t, emu, "terminated", slices.Concat(before, after))
	assertStateEmpty(ctx, t, ws)
	assertProgress(t, res.Output, "action.clouddc_batch_delete_instances.before", "terraform_data.before",
		regexp.MustCompile(`^[0-2]/3 terminated; `), "3/3 terminated; done")
	assertProgress(t, res.Output, "action.clouddc_batch_delete_instances.after", "terraform_data.after",
		regexp.MustCompile(`^[0-1]/2 terminated; `), "2/2 terminated; done")
	// Terraform destroys both at once, so the provider may merge the two
	// deletions into one batch call.
	if n := requests(ctx, t, emu, "DeleteInstances"); n < 1 || n > 2 {
		t.Errorf("%d DeleteInstances calls, want 1 or 2 (one per destroyed resource, or both merged)", n)
	}
}

// TestAccDestroyEventOnFailureDuringReplace: when the before_destroy
// deletion fails while terraform apply replaces the resource, on_failure
// decides. halt (the default) stops the replacement: terraform exits
// non-zero naming the instances, the resource stays in state as it was, and
// once deletions work again the next apply completes. continue turns the
// error into a warning and replaces the resource anyway.
func TestAccDestroyEventOnFailureDuringReplace(t *testing.T) {
	precheck(t, e2e.FeatureDestroyEvents)
	t.Parallel()
	replace := append(slices.Clone(applyArgs), "-var=generation=2")

	t.Run("halt", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t)
		ids := seed(ctx, t, emu, 2)
		ws := newWorkspace(t, providerHCL(emu)+generationVar+destroyEventHCL("pool", "before_destroy", "halt", ids))
		tf(ctx, t, ws, applyArgs...)
		firstID := poolID(ctx, t, ws)

		setDeleteFailureRate(ctx, t, emu, 1)
		out := tfFails(ctx, t, ws, replace...)
		if !strings.Contains(out, "Error: Batch deletion did not finish") {
			t.Errorf("the error does not say the batch deletion failed:\n%s", out)
		}
		for _, id := range ids {
			if !strings.Contains(out, id+" (state: error") {
				t.Errorf("the error does not name %s in state error:\n%s", id, out)
			}
		}
		assertInstanceStates(ctx, t, emu, "error", ids)
		if got := poolID(ctx, t, ws); got != firstID {
			t.Fatalf("after the halted replacement terraform_data.pool is %q, want the old object %q still in state", got, firstID)
		}

		setDeleteFailureRate(ctx, t, emu, 0)
		tf(ctx, t, ws, replace...)
		assertInstanceStates(ctx, t, emu, "terminated", ids)
		if got := poolID(ctx, t, ws); got == firstID || got == "" {
			t.Errorf("after the rerun terraform_data.pool is %q, want a new object (replaced)", got)
		}
	})

	t.Run("continue", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 2*time.Minute)
		emu := startEmulator(t)
		ids := seed(ctx, t, emu, 2)
		ws := newWorkspace(t, providerHCL(emu)+generationVar+destroyEventHCL("pool", "before_destroy", "continue", ids))
		tf(ctx, t, ws, applyArgs...)
		firstID := poolID(ctx, t, ws)

		setDeleteFailureRate(ctx, t, emu, 1)
		res := tf(ctx, t, ws, replace...)
		if !strings.Contains(res.Output, "Warning: Batch deletion did not finish") {
			t.Errorf("terraform apply did not warn about the failed deletion:\n%s", res.Output)
		}
		assertNames(t, res.Output, "the warning", ids)
		assertInstanceStates(ctx, t, emu, "error", ids)
		if got := poolID(ctx, t, ws); got == firstID || got == "" {
			t.Errorf("after the replacement terraform_data.pool is %q, want a new object: continue carries on", got)
		}
	})
}

// TestAccDestroyEventTerraformDestroyOnlyWarns pins down what Terraform does
// on `terraform destroy`, which the batch-deletion guide warns about: "a
// full destroy walk must never be blocked", so a failed before_destroy
// deletion is only a warning, the resource leaves the state and the
// instances stay behind in the cloud (the clouddc_instances_batch_delete
// resource would keep them in state instead).
func TestAccDestroyEventTerraformDestroyOnlyWarns(t *testing.T) {
	precheck(t, e2e.FeatureDestroyEvents)
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	emu := startEmulator(t)
	ids := seed(ctx, t, emu, 2)
	ws := newWorkspace(t, providerHCL(emu)+generationVar+destroyEventHCL("pool", "before_destroy", "halt", ids))
	tf(ctx, t, ws, applyArgs...)

	setDeleteFailureRate(ctx, t, emu, 1)
	res := tf(ctx, t, ws, destroyArgs...)
	if !strings.Contains(res.Output, "Warning: Batch deletion did not finish") {
		t.Errorf("terraform destroy did not warn about the failed deletion:\n%s", res.Output)
	}
	assertNames(t, res.Output, "the warning", ids)
	assertStateEmpty(ctx, t, ws)
	assertInstanceStates(ctx, t, emu, "error", ids)
}

// TestAccDestroyEventRemovedBlockDeletesNothing pins down the other caveat
// of the guide: removing the triggering resource's block from the
// configuration removes its action_trigger too, so terraform apply destroys
// the resource without running the action and the instances stay running.
func TestAccDestroyEventRemovedBlockDeletesNothing(t *testing.T) {
	precheck(t, e2e.FeatureDestroyEvents)
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	emu := startEmulator(t)
	ids := seed(ctx, t, emu, 2)
	ws := newWorkspace(t, providerHCL(emu)+generationVar+destroyEventHCL("pool", "before_destroy", "halt", ids))
	tf(ctx, t, ws, applyArgs...)

	writeConfig(t, ws, providerHCL(emu)+generationVar)
	tf(ctx, t, ws, applyArgs...)
	assertStateEmpty(ctx, t, ws)
	assertInstanceStates(ctx, t, emu, "running", ids)
	if n := requests(ctx, t, emu, "DeleteInstances"); n != 0 {
		t.Errorf("%d DeleteInstances calls after the block was removed, want none (Terraform has dropped the trigger with it)", n)
	}
}

func setDeleteFailureRate(ctx context.Context, t *testing.T, emu *e2e.Emulator, rate float64) {
	t.Helper()
	if err := emu.SetFaults(ctx, e2e.Faults{DeleteFailureRate: &rate}); err != nil {
		t.Fatal(err)
	}
}

// poolID is the id of terraform_data.pool in terraform's state, or "".
func poolID(ctx context.Context, t *testing.T, ws *e2e.Workspace) string {
	t.Helper()
	shown, err := ws.Show(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := shown["terraform_data.pool"].Values["id"].(string)
	return id
}

// assertStateEmpty fails unless terraform's state has no resources.
func assertStateEmpty(ctx context.Context, t *testing.T, ws *e2e.Workspace) {
	t.Helper()
	list, err := ws.StateList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("terraform state still lists %v, want nothing", list)
	}
}
