// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package actiontest

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// TestAccTriggerBatchDeleteOnCreateAndUpdate: an action_trigger on
// after_create and after_update runs the batch deletion when terraform_data
// is created and again when it changes, each time waiting until the
// instances it names are terminated, and touching no other instance.
func TestAccTriggerBatchDeleteOnCreateAndUpdate(t *testing.T) {
	precheck(t, e2e.FeatureActions)
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	emu := startEmulator(t)
	first := seed(ctx, t, emu, 3)
	second := seed(ctx, t, emu, 3)
	ws := newWorkspace(t, providerHCL(emu)+`
variable "ids" {
  type = list(string)
}

action "clouddc_batch_delete_instances" "x" {
  config {
    instance_ids = var.ids
  }
}

resource "terraform_data" "batch" {
  input = var.ids

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.clouddc_batch_delete_instances.x]
    }
  }
}
`)
	const by = "terraform_data.batch"

	res := tf(ctx, t, ws, append(slices.Clone(applyArgs), "-var=ids="+hclStrings(first))...)
	assertInstanceStates(ctx, t, emu, "terminated", first)
	assertInstanceStates(ctx, t, emu, "running", second)
	assertProgress(t, res.Output, batchDeleteAddr, by, regexp.MustCompile(`^[0-2]/3 terminated; `), "3/3 terminated; done")

	res = tf(ctx, t, ws, append(slices.Clone(applyArgs), "-var=ids="+hclStrings(second))...)
	assertInstanceStates(ctx, t, emu, "terminated", second)
	assertProgress(t, res.Output, batchDeleteAddr, by, regexp.MustCompile(`^[0-2]/3 terminated; `), "3/3 terminated; done")
	if n := requests(ctx, t, emu, "DeleteInstances"); n != 2 {
		t.Errorf("%d DeleteInstances calls, want 2 (one on create, one on update)", n)
	}
}

// TestAccTriggerServerPowerOnCreateAndUpdate: an action_trigger on
// after_create and after_update powers the servers off when terraform_data
// is created and on when it changes, each time waiting for the power state.
func TestAccTriggerServerPowerOnCreateAndUpdate(t *testing.T) {
	precheck(t, e2e.FeatureActions)
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	emu := startEmulator(t)
	ids := serverIDs(ctx, t, emu, 2)
	ws := newWorkspace(t, providerHCL(emu)+`
variable "power" {
  type = string
}

action "clouddc_server_power" "x" {
  config {
    server_ids = `+hclStrings(ids)+`
    action     = var.power
  }
}

resource "terraform_data" "maintenance" {
  input = var.power

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.clouddc_server_power.x]
    }
  }
}
`)
	const by = "terraform_data.maintenance"

	res := tf(ctx, t, ws, append(slices.Clone(applyArgs), "-var=power=off")...)
	assertPowerStates(ctx, t, emu, "off", ids)
	assertProgress(t, res.Output, serverPowerAddr, by, regexp.MustCompile(`^requesting "power off" for 2 server\(s\)$`), "2/2 off; done")

	res = tf(ctx, t, ws, append(slices.Clone(applyArgs), "-var=power=on")...)
	assertPowerStates(ctx, t, emu, "on", ids)
	assertProgress(t, res.Output, serverPowerAddr, by, regexp.MustCompile(`^requesting "power on" for 2 server\(s\)$`), "2/2 on; done")
	if n := requests(ctx, t, emu, "ChangeServerPowerState"); n != 2 {
		t.Errorf("%d ChangeServerPowerState calls, want 2 (one on create, one on update)", n)
	}
}
