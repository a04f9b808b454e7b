// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

var (
	_ resource.Resource                = (*instancesBatchDeleteResource)(nil)
	_ resource.ResourceWithConfigure   = (*instancesBatchDeleteResource)(nil)
	_ resource.ResourceWithImportState = (*instancesBatchDeleteResource)(nil)
)

// Default timeouts of clouddc_instances_batch_delete.
const (
	batchDeleteLookupTimeout = 5 * time.Minute
	batchDeleteDeleteTimeout = 30 * time.Minute
)

// NewInstancesBatchDeleteResource returns the clouddc_instances_batch_delete
// resource: it adopts up to 50 existing instances and deletes them all with
// one batch-delete call on destroy.
func NewInstancesBatchDeleteResource() resource.Resource {
	return &instancesBatchDeleteResource{}
}

type instancesBatchDeleteResource struct {
	data *providerData
}

func (r *instancesBatchDeleteResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instances_batch_delete"
}

func (r *instancesBatchDeleteResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Adopts up to 50 existing CloudDC instances and deletes them together on `terraform destroy`: " +
			"one batch-delete call for the instances that still exist, then a wait until every one is `terminated`. " +
			"Creating the resource changes nothing in the cloud; it only checks that every instance exists. " +
			"Changing `instance_ids` updates in place: added instances are adopted, removed instances are released " +
			"and left running (they are not deleted). `instance_ids` always stays as you wrote it; `remaining_ids` " +
			"tracks which of them may still exist. If a deletion fails or times out, `remaining_ids` keeps exactly the " +
			"instances that still exist, so the next `terraform destroy` resumes with them (raise `timeouts { delete }` " +
			"and run `terraform apply` first to give it more time).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of this batch: the first 16 bytes of the SHA-256 of the sorted `instance_ids` " +
					"joined by commas, in hex. It is recomputed when `instance_ids` changes and has no meaning in CloudDC.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{keepWhileInstanceIDsUnchanged{}},
			},
			"instance_ids": schema.SetAttribute{
				MarkdownDescription: "IDs of the instances to adopt: 1 to 50 lower-case UUIDs (one batch-delete call takes at most 50). " +
					"Each must exist when it is added. Removing an ID releases that instance without deleting it. " +
					"Duplicates collapse into one, as in any set.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  batchIDsValidators(),
			},
			"remaining_ids": schema.SetAttribute{
				MarkdownDescription: "IDs from `instance_ids` whose instances may still exist, as of the last refresh or destroy: " +
					"an instance leaves this set only once CloudDC proves it gone (terminated, or not found). Destroy deletes " +
					"these. When it is empty there is nothing left to delete, and destroy only removes the resource from state.",
				ElementType:   types.StringType,
				Computed:      true,
				PlanModifiers: []planmodifier.Set{keepWhileInstanceIDsUnchanged{}},
			},
			"states": schema.MapAttribute{
				MarkdownDescription: "State of each remaining instance (e.g. `running`, `stopped`, `shutting-down`, `error`), keyed by instance ID, " +
					"as of the last refresh or destroy.",
				ElementType:   types.StringType,
				Computed:      true,
				PlanModifiers: []planmodifier.Map{keepWhileInstanceIDsUnchanged{}},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": resourceTimeouts(ctx, timeoutDocs{
				Create: "How long the lookup of the instances may take on create (default 5m).",
				Read:   "How long the lookup of the remaining instances may take on refresh (default 5m).",
				Update: "How long the lookup of added instances may take on update (default 5m).",
				Delete: "How long the batch delete and the wait until every instance is terminated may take (default 30m). " +
					"When it runs out, the error lists what remains and `remaining_ids` keeps exactly those instances. " +
					"Terraform reads this timeout from state: to give a destroy more time, raise it, run `terraform apply`, " +
					"then `terraform destroy`.",
			}),
		},
	}
}

func (r *instancesBatchDeleteResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *instancesBatchDeleteResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.data.ready(&resp.Diagnostics, "create clouddc_instances_batch_delete") {
		return
	}
	var plan instancesBatchDeleteModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, batchDeleteLookupTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ids := stringsFrom(ctx, plan.InstanceIDs, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	existing := r.adopt(ctx, ids, ids, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(instanceSetID(ids))
	plan.setExisting(ids, existing)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes remaining_ids and states: an instance leaves remaining_ids
// only when CloudDC proves it gone. instance_ids is never touched, and the
// resource stays in state even when nothing remains: removing it would make
// the next plan create it again from instance_ids, and that create would
// fail on the instances already terminated (the documented rerun after a
// delete timeout, "raise the timeout, apply, destroy", must keep working
// when the rest finished in the meantime).
func (r *instancesBatchDeleteResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state instancesBatchDeleteModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data.keepPriorState(&resp.Diagnostics, "clouddc_instances_batch_delete "+state.ID.ValueString()) {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, batchDeleteLookupTimeout)
	resp.Diagnostics.Append(diags...)
	ids := state.trackedIDs(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	existing, missing, err := lookupInstances(ctx, r.data.engine, ids)
	if err != nil {
		resp.Diagnostics.AddError("Reading CloudDC instances failed", err.Error())
		return
	}
	if len(missing) > 0 {
		tflog.Info(ctx, "adopted instances are gone; dropping them from remaining_ids", map[string]any{"gone": missing})
	}
	state.setExisting(ids, existing)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update adopts added instances and releases removed ones. While
// instance_ids is unchanged (a new timeout, say) it calls nothing and keeps
// remaining_ids and states as planned (from state), so a plan shows no diff
// for them.
func (r *instancesBatchDeleteResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.data.ready(&resp.Diagnostics, "update clouddc_instances_batch_delete") {
		return
	}
	var plan, state instancesBatchDeleteModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, batchDeleteLookupTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ids := stringsFrom(ctx, plan.InstanceIDs, &resp.Diagnostics)
	prior := stringsFrom(ctx, state.InstanceIDs, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var added, released []string
	for _, id := range ids {
		if !slices.Contains(prior, id) {
			added = append(added, id)
		}
	}
	for _, id := range prior {
		if !slices.Contains(ids, id) {
			released = append(released, id)
		}
	}
	if len(added) == 0 && len(released) == 0 {
		plan.ID, plan.RemainingIDs, plan.States = state.ID, state.RemainingIDs, state.States
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	// Look up the added instances (each must exist) and the kept ones that
	// may still exist; kept instances already proven gone stay gone.
	remaining := state.trackedIDs(ctx, &resp.Diagnostics)
	lookup := slices.Clone(added)
	for _, id := range ids {
		if slices.Contains(remaining, id) && !slices.Contains(lookup, id) {
			lookup = append(lookup, id)
		}
	}
	existing := r.adopt(ctx, lookup, added, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	tflog.Info(ctx, "updated the adopted instances", map[string]any{"adopted": added, "released": released})
	plan.ID = types.StringValue(instanceSetID(ids))
	plan.setExisting(ids, existing)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete deletes remaining_ids. On a partial failure or a timeout it keeps
// instance_ids as the user wrote them and sets remaining_ids and states to
// the unfinished instances, so that the next destroy resumes with exactly
// those, and a plan of the unchanged configuration shows no change.
func (r *instancesBatchDeleteResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.data.ready(&resp.Diagnostics, "delete clouddc_instances_batch_delete") {
		return
	}
	var state instancesBatchDeleteModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, batchDeleteDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ids := state.trackedIDs(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	remaining := deleteInstances(ctx, r.data.engine, ids, timeout, &resp.Diagnostics)
	if remaining == nil {
		return // All gone, or nothing is known about what remains: the prior state stays.
	}
	// Keep exactly the unfinished instances, so the next destroy resumes
	// with them; instance_ids stays as configured.
	state.keepRemaining(remaining)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *instancesBatchDeleteResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ids, err := parseImportIDs(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	if len(ids) > clouddc.MaxBatchIDs {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf(
			"clouddc_instances_batch_delete holds at most %d instances, got %d; import them into several resources.",
			clouddc.MaxBatchIDs, len(ids)))
		return
	}
	if !r.data.ready(&resp.Diagnostics, "import clouddc_instances_batch_delete") {
		return
	}
	existing := r.adopt(ctx, ids, ids, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var model instancesBatchDeleteModel
	model.fromImport(ids, existing)
	setAttributes(ctx, &resp.State, &resp.Diagnostics, model.importedAttributes())
}

// adopt looks up ids in one bulk call and reports, as one error, those of
// mustExist that do not exist. It returns the instances that exist.
func (r *instancesBatchDeleteResource) adopt(ctx context.Context, ids, mustExist []string, diags *diag.Diagnostics) map[string]clouddc.Instance {
	existing, missing, err := lookupInstances(ctx, r.data.engine, ids)
	if err != nil {
		diags.AddError("Looking up CloudDC instances failed", err.Error())
		return nil
	}
	var unknown []string
	for _, id := range missing {
		if slices.Contains(mustExist, id) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		addMissingInstancesError(diags, r.data.projectID, unknown)
		return nil
	}
	return existing
}

// keepWhileInstanceIDsUnchanged plans a computed attribute of
// clouddc_instances_batch_delete (id, remaining_ids, states) as it is in
// state while instance_ids is unchanged: then only a refresh or a destroy
// changes it, so an update (a new delete timeout, say) shows no diff for it.
// When instance_ids changes, the value is left unknown (recomputed).
type keepWhileInstanceIDsUnchanged struct{}

func (keepWhileInstanceIDsUnchanged) Description(context.Context) string {
	return "Keeps the value in state while instance_ids is unchanged."
}

func (m keepWhileInstanceIDsUnchanged) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (keepWhileInstanceIDsUnchanged) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.StateValue.IsNull() && req.PlanValue.IsUnknown() && instanceIDsUnchanged(ctx, req.Plan, req.State, &resp.Diagnostics) {
		resp.PlanValue = req.StateValue
	}
}

func (keepWhileInstanceIDsUnchanged) PlanModifySet(ctx context.Context, req planmodifier.SetRequest, resp *planmodifier.SetResponse) {
	if !req.StateValue.IsNull() && req.PlanValue.IsUnknown() && instanceIDsUnchanged(ctx, req.Plan, req.State, &resp.Diagnostics) {
		resp.PlanValue = req.StateValue
	}
}

func (keepWhileInstanceIDsUnchanged) PlanModifyMap(ctx context.Context, req planmodifier.MapRequest, resp *planmodifier.MapResponse) {
	if !req.StateValue.IsNull() && req.PlanValue.IsUnknown() && instanceIDsUnchanged(ctx, req.Plan, req.State, &resp.Diagnostics) {
		resp.PlanValue = req.StateValue
	}
}

// instanceIDsUnchanged reports whether the planned instance_ids is known and
// equal to the one in state.
func instanceIDsUnchanged(ctx context.Context, plan tfsdk.Plan, state tfsdk.State, diags *diag.Diagnostics) bool {
	var planned, prior types.Set
	diags.Append(plan.GetAttribute(ctx, path.Root("instance_ids"), &planned)...)
	diags.Append(state.GetAttribute(ctx, path.Root("instance_ids"), &prior)...)
	return !diags.HasError() && !planned.IsUnknown() && !planned.IsNull() && planned.Equal(prior)
}
