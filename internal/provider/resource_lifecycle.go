// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// This file is how the resources use the lifecycle engine: the one delete
// tail that every resource ends its Delete with, and the advice a resource
// gives when a delete or a wait did not finish. The engine's errors state
// facts (what is unfinished, in which state, why it stopped); a resource
// adds what to do in Terraform's terms: terraform destroy, the state, its
// timeouts. (The actions add their own: see deleteFailureDetail and
// powerFailureDetail.)

// deleteInstances deletes ids through the shared engine (batch-delete calls
// of at most 50, already-gone IDs dropped, shutting-down ones waited for) and
// waits until each is terminated or gone, within timeout.
//
// On failure it adds the error to diags, with summary, and returns the
// unfinished instances the state must keep, each with its last known state
// ("unknown" when the engine could not tell); the caller stores exactly
// those, so the next destroy resumes with them. It returns nil when every
// instance is gone, and also when nothing is known about what remains: then
// the framework keeps the prior state as it is.
func deleteInstances(ctx context.Context, engine *lifecycle.Engine, ids []string, timeout time.Duration, diags *diag.Diagnostics) []lifecycle.InstanceResult {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	tflog.Info(ctx, "deleting CloudDC instances", map[string]any{"count": len(ids), "timeout": timeout.String()})
	err := engine.DeleteInBatches(ctx, ids, lifecycle.DeleteOptions{
		Wait: true,
		OnProgress: func(p lifecycle.Progress) {
			tflog.Debug(ctx, "waiting for CloudDC instances to terminate", map[string]any{
				"total":   p.Total,
				"done":    p.Done,
				"states":  p.Counts,
				"elapsed": p.Elapsed.String(),
			})
		},
	})
	if err == nil {
		return nil
	}
	var derr *lifecycle.DeleteError
	if !errors.As(err, &derr) {
		diags.AddError("Deleting CloudDC instances failed", deleteErrorDetail(err, timeout))
		return nil
	}
	diags.AddError(fmt.Sprintf("Deleting CloudDC instances did not finish (%d remain)", len(derr.Unfinished)), deleteErrorDetail(err, timeout))
	var remaining []lifecycle.InstanceResult
	for _, res := range derr.Unfinished {
		if !res.Exists() {
			continue
		}
		if res.State == "" {
			res.State = "unknown"
		}
		remaining = append(remaining, res)
	}
	return remaining
}

// deleteInstance deletes the one instance of a clouddc_instance and waits
// until it is terminated or gone, within timeout; with the provider's
// optimisation, concurrent deletes of the same run are merged into
// batch-delete calls. On failure it adds the error to diags: the framework
// keeps the instance in state, so the next destroy resumes.
func deleteInstance(ctx context.Context, engine *lifecycle.Engine, id string, timeout time.Duration, diags *diag.Diagnostics) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tflog.Info(ctx, "deleting instance", map[string]any{"id": id})
	if err := engine.DeleteAndWait(ctx, id); err != nil {
		diags.AddError(fmt.Sprintf("Instance %s was not deleted", id), deleteErrorDetail(err, timeout))
	}
}

// deleteErrorDetail explains a delete that did not finish, in a resource's
// terms: the engine's facts, then what to do.
func deleteErrorDetail(err error, timeout time.Duration) string {
	var derr *lifecycle.DeleteError
	if !errors.As(err, &derr) {
		return fmt.Sprintf("%s. The state keeps the instances; run terraform destroy again.", err)
	}
	detail := derr.Error() + "\n" + destroyAdvice(derr)
	if errors.Is(derr.Cause, context.DeadlineExceeded) {
		detail = fmt.Sprintf("The delete timeout (%s) was reached.\n%s", timeout, detail)
	}
	return detail
}

// destroyAdvice says what to do about the instances a delete did not finish.
func destroyAdvice(derr *lifecycle.DeleteError) string {
	failed, pending := false, false
	for _, r := range derr.Unfinished {
		switch {
		case r.Failed():
			failed = true
		case r.Exists():
			pending = true
		}
	}
	switch {
	case errors.Is(derr.Cause, context.DeadlineExceeded) && pending:
		return "Instances still shutting down will most likely finish on their own: raise timeouts { delete } " +
			"and run terraform destroy again; it resumes with exactly these instances."
	case errors.Is(derr.Cause, context.Canceled):
		return "Run terraform destroy again to resume; the state keeps exactly these instances."
	case failed:
		return "The service failed to delete them; an instance in state error can be deleted again: " +
			"run terraform destroy again (the state keeps exactly these instances). " +
			"If it keeps failing, check error_msg with CloudDC support."
	default:
		return "Run terraform destroy again to retry; the state keeps exactly these instances."
	}
}

// waitErrorDetail explains a wait of a create or update (op) that did not
// finish, in a resource's terms: the engine's facts about subject's
// instances, then what to do.
func waitErrorDetail(subject, op string, timeout time.Duration, err error) string {
	var werr *lifecycle.WaitError
	if !errors.As(err, &werr) {
		return fmt.Sprintf("%s: %s", subject, err)
	}
	detail := fmt.Sprintf("%s: %s", subject, werr)
	failed, gone := false, false
	for _, r := range werr.Failed {
		switch {
		case r.Failed():
			failed = true
		case r.Gone, clouddc.IsTerminalState(r.State):
			gone = true
		}
	}
	if failed {
		detail += "\nThe service reported the failure above (see error_msg); an instance in state error can be deleted and created again."
	}
	if gone {
		detail += "\nInstances not found or terminated no longer exist (deleted outside Terraform?); they must be created again."
	}
	if !failed && !gone && errors.Is(err, context.DeadlineExceeded) {
		detail += fmt.Sprintf("\n%s did not finish within %s. The instances keep going and stay in state; if the service "+
			"is just slow, raise timeouts { %s } and apply again.", op, timeout, op)
	}
	return detail
}
