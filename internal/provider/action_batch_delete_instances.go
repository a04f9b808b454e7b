// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

var (
	_ action.Action              = (*batchDeleteInstancesAction)(nil)
	_ action.ActionWithConfigure = (*batchDeleteInstancesAction)(nil)
)

// batchDeleteInstancesAction is clouddc_batch_delete_instances: it deletes up
// to 50 instances with one batch call and (by default) waits until every one
// is terminated, through the same engine as the resources.
type batchDeleteInstancesAction struct {
	data *providerData
	// progressInterval is the least time between progress events; zero
	// means defaultProgressInterval. Tests set milliseconds.
	progressInterval time.Duration
}

// NewBatchDeleteInstancesAction returns the clouddc_batch_delete_instances action.
func NewBatchDeleteInstancesAction() action.Action {
	return &batchDeleteInstancesAction{}
}

type batchDeleteInstancesModel struct {
	InstanceIDs types.Set    `tfsdk:"instance_ids"`
	Wait        types.Bool   `tfsdk:"wait"`
	Timeout     types.String `tfsdk:"timeout"`
}

func (a *batchDeleteInstancesAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_batch_delete_instances"
}

func (a *batchDeleteInstancesAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Deletes up to 50 CloudDC instances with one `DeleteInstances` (batch-delete) call and waits until " +
			"every one is `terminated`. Instances that are already gone count as deleted; instances already `shutting-down` " +
			"are waited for; an instance already in state `error` is deleted again (`error` → `shutting-down` is the API's " +
			"retry). A deletion that fails while the action waits (the instance ends in state `error`) is reported with its " +
			"`error_msg` and not retried within the same invoke: invoke the action again to retry it. Progress (instances " +
			"per state) is reported while it waits. Requires Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"instance_ids": schema.SetAttribute{
				ElementType:         types.StringType,
				Required:            true,
				MarkdownDescription: "IDs of the instances to delete: 1 to 50 lower-case UUIDs, the most one batch-delete call accepts.",
				Validators:          batchIDsValidators(),
			},
			"wait": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Wait until every instance is `terminated` (default `true`). When `false`, the action ends once the deletion is accepted.",
			},
			"timeout": actionTimeoutAttribute("the action fails naming the instances not yet terminated"),
		},
	}
}

func (a *batchDeleteInstancesAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *batchDeleteInstancesAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if !a.data.ready(&resp.Diagnostics, "invoke clouddc_batch_delete_instances") {
		return
	}
	var cfg batchDeleteInstancesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var ids []string
	resp.Diagnostics.Append(cfg.InstanceIDs.ElementsAs(ctx, &ids, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	wait := cfg.Wait.IsNull() || cfg.Wait.IsUnknown() || cfg.Wait.ValueBool()
	timeout, err := actionTimeout(cfg.Timeout, defaultActionTimeout)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout", err.Error())
		return
	}

	// Progress goes out only while Terraform's context is live, not the
	// action's own timeout: after a timeout the last state and the error
	// are still worth showing.
	progress := newProgressThrottle(ctx, resp.SendProgress, a.progressInterval)
	defer progress.Close()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = a.data.engine.DeleteInBatches(ctx, ids, lifecycle.DeleteOptions{
		Wait:       wait,
		OnProgress: func(p lifecycle.Progress) { progress.Update(formatDeleteProgress(p)) },
	})
	if err != nil {
		progress.Flush() // the last state seen, before the error
		resp.Diagnostics.AddError("Batch deletion did not finish", deleteFailureDetail(err, timeout))
		return
	}
	if wait {
		progress.Final(fmt.Sprintf("%d/%d terminated; done", len(ids), len(ids)))
	} else {
		progress.Final(fmt.Sprintf("deletion of %d instance(s) accepted; not waiting for termination", len(ids)))
	}
}

// formatDeleteProgress renders engine progress as
// "3/50 terminated; shutting-down: 47". Done counts terminated and vanished
// instances alike, so neither is listed again among the other states.
func formatDeleteProgress(p lifecycle.Progress) string {
	msg := fmt.Sprintf("%d/%d terminated", p.Done, p.Total)
	if rest := formatCounts(p.Counts, clouddc.StateTerminated, clouddc.StateTerminatedTypo, "gone"); rest != "" {
		msg += "; " + rest
	}
	return msg
}

// deleteFailureDetail explains a failed batch deletion in the action's
// terms: a headline that speaks of the action's timeout, the engine's facts
// (every unfinished instance with its last state and error_msg, and the
// cause), the IDs to invoke the action with again, and what to do. (A
// resource's advice speaks of terraform destroy and state, which an action
// has not: see destroyAdvice.)
func deleteFailureDetail(err error, timeout time.Duration) string {
	var de *lifecycle.DeleteError
	if !errors.As(err, &de) {
		return err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d instance(s) not deleted", len(de.Unfinished), max(de.Total, len(de.Unfinished)))
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(&b, " before the action's timeout (%s) ran out", timeout)
	case errors.Is(err, context.Canceled):
		b.WriteString(" (interrupted)")
	}
	b.WriteString(":")
	b.WriteString(de.Detail())
	failed := false
	for _, r := range de.Unfinished {
		failed = failed || r.Failed()
	}
	ids := de.RemainingIDs()
	if len(ids) == 0 {
		for _, r := range de.Unfinished {
			ids = append(ids, r.ID)
		}
	}
	fmt.Fprintf(&b, "\n\nUnfinished instance IDs (%d): %s\n\n", len(ids), strings.Join(ids, ", "))
	switch {
	case failed:
		b.WriteString("The service failed to delete some of them; an instance in state error can be deleted again: " +
			"invoke the action again with these IDs. If it keeps failing, check error_msg with CloudDC support.")
	case errors.Is(err, context.DeadlineExceeded):
		b.WriteString("Instances still shutting down usually finish on their own: invoke the action again " +
			"(with a longer timeout) with these IDs; instances deleted meanwhile count as done.")
	default:
		b.WriteString("Invoke the action again with these IDs to retry; instances already deleted count as done.")
	}
	return b.String()
}
