// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

var (
	_ resource.Resource                   = (*fleetResource)(nil)
	_ resource.ResourceWithConfigure      = (*fleetResource)(nil)
	_ resource.ResourceWithImportState    = (*fleetResource)(nil)
	_ resource.ResourceWithValidateConfig = (*fleetResource)(nil)
)

// Default timeouts of clouddc_instances.
const (
	fleetCreateTimeout = 30 * time.Minute
	fleetReadTimeout   = 5 * time.Minute
	fleetUpdateTimeout = 10 * time.Minute
	fleetDeleteTimeout = 30 * time.Minute
)

// NewFleetResource returns the clouddc_instances resource: a fleet of
// instances started by one RunInstances call. ("Fleet" is the code's one
// word for what a clouddc_instances resource manages.)
func NewFleetResource() resource.Resource {
	return &fleetResource{}
}

type fleetResource struct {
	data *providerData
}

func (r *fleetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instances"
}

func (r *fleetResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		// Version 1 keeps the instances as a map of ID → state (version 0:
		// an ids list and an instances list of objects); see
		// resource_instances_upgrade.go.
		Version: 1,
		MarkdownDescription: "A fleet of CloudDC bare-metal instances started by one RunInstances call, all with the same image, " +
			"network and password. Create waits until every instance is `running`. The API cannot change an instance's " +
			"name, image, network, description or metadata in a batch, so changing any of them (or the count or placement) " +
			"replaces the fleet; the password is changed in place. Destroy deletes the fleet in batch-delete calls of at " +
			"most 50 instances and waits until every one is `terminated`; if some fail, the state keeps exactly those, " +
			"so the next destroy resumes. Instances deleted outside Terraform are dropped from `instances` on refresh; " +
			"the fleet is not topped up (use `terraform apply -replace` to recreate it).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the fleet: the first 16 bytes of the SHA-256 of the sorted instance IDs " +
					"(as first created or imported) joined by commas, in hex. It has no meaning in CloudDC.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": hostnameAttribute("every instance", "the fleet"),
			"image_id": schema.StringAttribute{
				MarkdownDescription: imageIDText + ". Changing it replaces the fleet.",
				Required:            true,
				Validators:          []validator.String{validate.LowercaseUUID()},
				PlanModifiers:       replace,
			},
			"vpc_id": schema.StringAttribute{
				MarkdownDescription: "ID of the VPC of the instances. Changing it replaces the fleet.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"network_interfaces": fleetNICsAttribute(),
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-text description of every instance, at most 255 characters. Changing it replaces the fleet.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtMost(255)},
				PlanModifiers:       replace,
			},
			"metadata": metadataAttribute("every instance", "the fleet"),
			"password": schema.StringAttribute{
				MarkdownDescription: "Password of `root` (Linux) or `Administrator` (Windows) on every instance: " + passwordRuleText +
					". Stored in state (sensitive); prefer `password_wo`. Exactly one of `password` and `password_wo` is required. " +
					"Changing it changes the password of every instance in place (ChangeInstancePassword; it takes effect after " +
					"the next power-on or reboot).",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{validate.Password(), stringvalidator.ExactlyOneOf(path.MatchRoot("password_wo"))},
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "Write-only password with the same rules as `password`; it never reaches the plan or state " +
					"(Terraform 1.11 or later). Requires `password_wo_version`; change the version to change the password in place.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{validate.Password(), stringvalidator.AlsoRequires(path.MatchRoot("password_wo_version"))},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Version of `password_wo`. Terraform cannot see a write-only value change, so change this " +
					"number to apply a new `password_wo`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"instance_count": schema.Int64Attribute{
				MarkdownDescription: "How many instances to start (RunInstances `max_count`). Changing it replaces the fleet.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.Between(1, math.MaxInt32)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"min_count": schema.Int64Attribute{
				MarkdownDescription: "The fewest instances that must start, at most `instance_count` (RunInstances `min_count`); " +
					"if fewer idle servers are available the whole request fails and nothing starts. Defaults to " +
					"`instance_count`. Changing it replaces the fleet.",
				Optional:      true,
				Validators:    []validator.Int64{int64validator.Between(1, math.MaxInt32)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"server_ids": schema.SetAttribute{
				MarkdownDescription: "Physical servers to place the instances on, one instance each: exactly `instance_count` " +
					"lower-case UUIDs of servers in `ready` state. If unset, CloudDC picks idle servers. Changing it replaces the fleet.",
				ElementType:   types.StringType,
				Optional:      true,
				Validators:    []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(validate.LowercaseUUID())},
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplace()},
			},
			"instances": fleetInstancesAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": resourceTimeouts(ctx, timeoutDocs{
				Create: "How long starting the fleet and waiting until every instance is running may take (default 30m).",
				Read:   "How long reading the instances on refresh may take (default 5m).",
				Update: "How long changing the password may take (default 10m).",
				Delete: "How long deleting the fleet and waiting until every instance is terminated may take (default 30m). " +
					"When it runs out, the error lists what remains and the state keeps exactly those instances.",
			}),
		},
	}
}

// fleetNICsAttribute is network_interfaces of clouddc_instances.
func fleetNICsAttribute() schema.Attribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: "One or two NICs of every instance; the first is the primary one, all in `vpc_id`. " +
			"RunInstances assigns the addresses (it has no fixed IP). Changing them replaces the fleet.",
		Required:      true,
		Validators:    []validator.List{listvalidator.SizeBetween(1, 2)},
		PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"subnet_id": schema.StringAttribute{
					MarkdownDescription: "ID of the (CloudDCN) subnet of the NIC.",
					Required:            true,
					Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				},
			},
		},
	}
}

// fleetInstancesAttribute is the computed instances of clouddc_instances:
// instance ID → state, one string per instance, because a fleet can hold
// thousands and what Terraform and the framework do per plan grows with
// the number of values in state, some of it quadratically (BENCHMARKS.md,
// "Fleet scale"): a map, because Terraform's plan renderer compares a list
// or a set with a quadratic search and a map by key; a plain attribute,
// because the framework walks every element of a nested attribute and
// copies the whole collection for each; strings, not objects, because
// framework v1.19.0 pays for every value of the state once per value (the
// context of its write-only nullification grows by one per value).
func fleetInstancesAttribute() schema.Attribute {
	return schema.MapAttribute{
		MarkdownDescription: "The instances of the fleet that still exist, as of the last refresh: instance ID → state " +
			"(`running`, `stopped`, `error`, ...). `keys(clouddc_instances.x.instances)` lists the IDs (sorted); " +
			"`for_each = clouddc_instances.x.instances` makes one of something per instance. Host names (CloudDC names the " +
			"instances of one call `<name>-0001`, `<name>-0002`, ...), servers and addresses are in the `clouddc_instances` " +
			"data source (`ids = keys(clouddc_instances.x.instances)`).",
		Computed:      true,
		ElementType:   types.StringType,
		PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
	}
}

func (r *fleetResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg fleetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.InstanceCount.IsNull() || cfg.InstanceCount.IsUnknown() {
		return
	}
	count := cfg.InstanceCount.ValueInt64()
	if !cfg.MinCount.IsNull() && !cfg.MinCount.IsUnknown() && cfg.MinCount.ValueInt64() > count {
		resp.Diagnostics.AddAttributeError(path.Root("min_count"), "Invalid min_count",
			fmt.Sprintf("min_count (%d) must not be more than instance_count (%d).", cfg.MinCount.ValueInt64(), count))
	}
	if !cfg.ServerIDs.IsNull() && !cfg.ServerIDs.IsUnknown() && int64(len(cfg.ServerIDs.Elements())) != count {
		resp.Diagnostics.AddAttributeError(path.Root("server_ids"), "Invalid server_ids",
			fmt.Sprintf("server_ids names %d servers but instance_count is %d; name exactly one server per instance, "+
				"or leave server_ids unset to let CloudDC pick idle servers.", len(cfg.ServerIDs.Elements()), count))
	}
}

func (r *fleetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *fleetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.data.ready(&resp.Diagnostics, "create clouddc_instances") {
		return
	}
	var plan fleetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	password := configPassword(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, fleetCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	runReq := plan.runInstancesRequest(ctx, password, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.data.client.RunInstances(ctx, runReq)
	if err != nil {
		resp.Diagnostics.AddError("Starting the CloudDC instances failed", runErrorDetail(runReq, err))
		return
	}
	ids := make([]string, 0, len(out.Instances))
	for _, inst := range out.Instances {
		ids = append(ids, inst.ID)
	}
	tflog.Info(ctx, "started CloudDC instances; waiting until they are running", map[string]any{"count": len(ids)})

	plan.ID = types.StringValue(instanceSetID(ids))
	running, err := r.data.engine.WaitForState(ctx, ids, clouddc.StateRunning)
	plan.setStarted(ids, running)
	if err != nil {
		// Keep the instances in state (Terraform taints the fleet) so that
		// they are deleted, not stranded.
		resp.Diagnostics.AddError("Waiting for the CloudDC instances to run failed",
			waitErrorDetail(fmt.Sprintf("%d instances were started but did not all reach running", len(ids)), "create", timeout, err)+
				"\n\nTerraform keeps all of them in state (instances) and marks the fleet tainted; the next apply replaces it.")
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// runErrorDetail explains a failed RunInstances. When the API accepted the
// request but its answer does not say which instances it created, instances
// may exist that nothing tracks: say so, and what to do.
func runErrorDetail(req *clouddc.RunInstancesRequest, err error) string {
	detail := fmt.Sprintf("RunInstances for %d instances named %q: %s", *req.MaxCount, req.Name, err)
	var ae *clouddc.AnswerError
	if errors.As(err, &ae) {
		detail += fmt.Sprintf("\n\nThe request was accepted, but its answer does not say which instances were created, "+
			"so nothing was stored in state. Instances named %q may exist that Terraform does not track: look for them "+
			"(the clouddc_instances data source, or the CloudDC console; quote the request ID above to CloudDC support), "+
			"then import them (terraform import <address of this clouddc_instances> id1,id2,...) or delete them before "+
			"you apply again.", req.Name)
	}
	return detail
}

func (r *fleetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state fleetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data.keepPriorState(&resp.Diagnostics, "clouddc_instances "+state.Name.ValueString()) {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, fleetReadTimeout)
	resp.Diagnostics.Append(diags...)
	ids := state.ids(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	existing, missing, err := lookupInstances(ctx, r.data.engine, ids)
	if err != nil {
		resp.Diagnostics.AddError("Reading the CloudDC instances failed", err.Error())
		return
	}
	if len(existing) == 0 {
		tflog.Info(ctx, "every instance of the fleet is gone; removing it from state", map[string]any{"ids": ids})
		resp.State.RemoveResource(ctx)
		return
	}
	if len(missing) > 0 {
		tflog.Info(ctx, "instances of the fleet are gone; dropping them from state", map[string]any{"gone": missing})
	}
	state.setExisting(existing)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *fleetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.data.ready(&resp.Diagnostics, "update clouddc_instances") {
		return
	}
	var plan, state fleetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	password := configPassword(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, fleetUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if !plan.Password.Equal(state.Password) || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion) {
		ids := state.ids(ctx, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		if err := r.changePassword(ctx, ids, password); err != nil {
			resp.Diagnostics.AddError("Changing the password of the CloudDC instances failed", err.Error())
			return
		}
	}
	// Everything else that can change without replacement (timeouts) needs
	// no API call; instances are kept from state by the plan.
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *fleetResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.data.ready(&resp.Diagnostics, "delete clouddc_instances") {
		return
	}
	var state fleetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, fleetDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	prior := state.states(ctx, &resp.Diagnostics)
	ids := slices.Sorted(maps.Keys(prior))
	if resp.Diagnostics.HasError() {
		return
	}
	remaining := deleteInstances(ctx, r.data.engine, ids, timeout, &resp.Diagnostics)
	if remaining == nil {
		return // All gone, or nothing is known about what remains: the prior state stays.
	}
	// Keep exactly the unfinished instances, so the next destroy resumes with them.
	state.keepRemaining(prior, remaining)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// ImportState imports a fleet from a comma-separated list of instance IDs.
// The shared attributes (image, network, description, metadata) are read
// from the first instance and the name from the common part of the instance
// names; the password cannot be read back.
func (r *fleetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ids, err := parseImportIDs(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	if !r.data.ready(&resp.Diagnostics, "import clouddc_instances") {
		return
	}
	existing, missing, err := lookupInstances(ctx, r.data.engine, ids)
	if err != nil {
		resp.Diagnostics.AddError("Looking up CloudDC instances failed", err.Error())
		return
	}
	if len(missing) > 0 {
		addMissingInstancesError(&resp.Diagnostics, r.data.projectID, missing)
		return
	}
	var model fleetModel
	model.fromImport(ctx, ids, existing, &resp.Diagnostics)
	setAttributes(ctx, &resp.State, &resp.Diagnostics, model.importedAttributes())
}

// changePassword sets the password of ids with ChangeInstancePassword calls
// of at most 50 instances each.
func (r *fleetResource) changePassword(ctx context.Context, ids []string, password string) error {
	for chunk := range slices.Chunk(ids, clouddc.MaxBatchIDs) {
		_, err := r.data.client.ChangeInstancePassword(ctx, &clouddc.ChangeInstancePasswordRequest{
			NewPassword:   password,
			InstanceIDSet: chunk,
		})
		if err != nil {
			return fmt.Errorf("ChangeInstancePassword for %d instances (%v): %w", len(chunk), chunk, err)
		}
	}
	return nil
}
