// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

// Default timeouts of clouddc_instance operations.
const (
	instanceCreateTimeout = 30 * time.Minute
	instanceReadTimeout   = 5 * time.Minute
	instanceUpdateTimeout = 30 * time.Minute
	instanceDeleteTimeout = 30 * time.Minute
)

var (
	_ resource.Resource                     = (*instanceResource)(nil)
	_ resource.ResourceWithConfigure        = (*instanceResource)(nil)
	_ resource.ResourceWithImportState      = (*instanceResource)(nil)
	_ resource.ResourceWithConfigValidators = (*instanceResource)(nil)
	_ resource.ResourceWithIdentity         = (*instanceResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*instanceResource)(nil)
)

// NewInstanceResource returns the clouddc_instance resource.
func NewInstanceResource() resource.Resource {
	return &instanceResource{}
}

// instanceResource is one bare-metal instance, created with CreateInstance.
type instanceResource struct {
	data *providerData
}

func (r *instanceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instance"
}

func (r *instanceResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	computed := func(text string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: text, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A CloudDC bare-metal (iMetal) instance, created on one of your physical servers with " +
			"`CreateInstance`. Create waits until it is `running`; destroy waits until it is `terminated`.\n\n" +
			"Changing `image_id` reinstalls the OS, changing the password (or `password_wo_version`) calls " +
			"`ChangeInstancePassword`, and changing a network interface's `ipv4_address` calls `ModifyInstanceIp`, " +
			"all in place; any other change replaces the instance.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Instance ID (a lower-case UUID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": hostnameAttribute("the instance", "the instance"),
			"image_id": schema.StringAttribute{
				MarkdownDescription: imageIDText + ". Changing it reinstalls the operating system in place (ReinstallOS) " +
					"with the configured password; data disks are kept.",
				Required:   true,
				Validators: []validator.String{validate.LowercaseUUID()},
			},
			"image_name": computed("Name of the installed image, as the service reports it."),
			"vpc_id": schema.StringAttribute{
				MarkdownDescription: "ID of the VPC the network interfaces belong to. Changing it replaces the instance.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"network_interfaces": instanceNICsAttribute(),
			"description": schema.StringAttribute{
				MarkdownDescription: "Free-text description, at most 255 characters. Changing it replaces the instance " +
					"(the API cannot update it).",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(""),
				Validators:    []validator.String{stringvalidator.LengthAtMost(255)},
				PlanModifiers: replace,
			},
			"metadata": metadataAttribute("the instance", "the instance"),
			"server_id": schema.StringAttribute{
				MarkdownDescription: "ID of the physical server to place the instance on; when unset the service picks an " +
					"idle `ready` server and this reports it. Changing it replaces the instance.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{validate.LowercaseUUID()},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIfConfigured(),
				},
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password of `root` (Linux) or `Administrator` (Windows), stored in state (sensitive). " +
					passwordRuleText + ". Changing it changes the password in place (it takes effect after the next reboot " +
					"of the server). " + passwordNeededText,
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{validate.Password()},
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "Write-only password (never stored in state or plan; needs Terraform 1.11 or later), " +
					"with the same rules as `password`. Terraform cannot see changes of a write-only value: change " +
					"`password_wo_version` to apply a new one. " + passwordNeededText,
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				Validators: []validator.String{
					validate.Password(),
					stringvalidator.AlsoRequires(path.MatchRoot("password_wo_version")),
				},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Version of `password_wo`; required with it. Change it (e.g. increment it) to apply " +
					"the current `password_wo`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"state": computed("Instance state: `pending`, `running`, `stopped`, `shutting-down`, `terminated`, " +
				"`error` (older API versions also report `stopping`, `reinstalling`, `failed`, `modifyIping`)."),
			"operation_state": computed("State of the last operation, e.g. `install-succeed` or `reinstall-processing`."),
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the instance was created, as the service reports it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"launched_at": computed("When the instance last finished provisioning, as the service reports it."),
		},
		Blocks: map[string]schema.Block{
			"timeouts": resourceTimeouts(ctx, timeoutDocs{
				Create: "How long creating the instance and waiting until it is running may take (default 30m).",
				Read:   "How long reading the instance on refresh may take (default 5m).",
				Update: "How long an in-place change (reinstall, password, IP address) and the wait until the instance " +
					"is running again may take (default 30m).",
				Delete: "How long deleting the instance and waiting until it is terminated may take (default 30m). " +
					"When it runs out, the error names the instance and its state, and the state keeps it.",
			}),
		},
	}
}

// instanceNICsAttribute is network_interfaces of clouddc_instance.
func instanceNICsAttribute() schema.Attribute {
	const replaceText = "Changing the number of network interfaces replaces the instance."
	return schema.ListNestedAttribute{
		MarkdownDescription: "One or two network interfaces; the first is the primary. Adding or removing one, " +
			"or changing a subnet, replaces the instance.",
		Required:      true,
		Validators:    []validator.List{listvalidator.SizeBetween(1, 2)},
		PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplaceIf(nicCountChanged, replaceText, replaceText)},
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"subnet_id": schema.StringAttribute{
					MarkdownDescription: "ID of the (CloudDCN) subnet. Changing it replaces the instance.",
					Required:            true,
					Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				},
				"ipv4_address": schema.StringAttribute{
					MarkdownDescription: "Fixed private IPv4 address inside the subnet; when unset the service " +
						"assigns one and this reports it. Changing it calls `ModifyInstanceIp` in place.",
					Optional:      true,
					Computed:      true,
					Validators:    []validator.String{ipv4Validator{}},
					PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				},
			},
		},
	}
}

// passwordNeededText says when clouddc_instance needs a password; the
// descriptions of password and password_wo and the docs say exactly this.
const passwordNeededText = "A password (`password` or `password_wo`, never both) is needed only to create the " +
	"instance (also when a change replaces it) and to reinstall its OS when `image_id` changes; an imported or " +
	"adopted instance needs none until then."

// nicCountChanged requires replacement when interfaces are added or removed.
func nicCountChanged(_ context.Context, req planmodifier.ListRequest, resp *listplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.StateValue.IsNull() || req.PlanValue.IsUnknown() || req.PlanValue.IsNull() {
		return
	}
	resp.RequiresReplace = len(req.StateValue.Elements()) != len(req.PlanValue.Elements())
}

// ConfigValidators keeps password and password_wo mutually exclusive. Neither
// is required here: an imported or adopted instance (generated configuration)
// has neither; ModifyPlan requires one where one is needed.
func (r *instanceResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo")),
	}
}

func (r *instanceResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = instanceIdentitySchema()
}

// ModifyPlan requires a password where the plan needs one: creating the
// instance (also as a replacement) and reinstalling its OS (image_id
// changes). It never calls the API.
func (r *instanceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // Destroy.
	}
	if configHasPassword(ctx, req.Config, &resp.Diagnostics) || resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("password"), "A password is needed to create the instance",
			"Creating a clouddc_instance sets the password of root (Linux) or Administrator (Windows): set "+
				"password_wo (with password_wo_version) or password. An instance that already exists can be "+
				"imported without one.")
		return
	}
	var plan, state, config instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if replacementPlanned(ctx, plan, state, config, &resp.Diagnostics) {
		resp.Diagnostics.AddAttributeError(path.Root("password"), "A password is needed to replace the instance",
			fmt.Sprintf("This plan replaces instance %s (a changed attribute forces a new instance), and creating "+
				"the new one sets the password of root or Administrator: set password_wo (with "+
				"password_wo_version) or password, or undo the change that forces the replacement.", id))
		return
	}
	if !plan.ImageID.Equal(state.ImageID) {
		resp.Diagnostics.AddAttributeError(path.Root("image_id"), "A password is needed to reinstall the OS",
			fmt.Sprintf("Changing image_id reinstalls the OS of instance %s (ReinstallOS), which sets the password "+
				"of root or Administrator: set password_wo (with password_wo_version) or password.", id))
	}
}

// replacementPlanned reports whether plan replaces the instance in state. It
// mirrors the RequiresReplace plan modifiers of the schema (the framework
// does not tell ModifyPlan what they decided): an unknown value counts as a
// change, as it does for them.
func replacementPlanned(ctx context.Context, plan, state, config instanceModel, diags *diag.Diagnostics) bool {
	if !plan.Name.Equal(state.Name) || !plan.VpcID.Equal(state.VpcID) ||
		!plan.Description.Equal(state.Description) || !plan.Metadata.Equal(state.Metadata) {
		return true
	}
	if !config.ServerID.IsNull() && !plan.ServerID.Equal(state.ServerID) {
		return true
	}
	if plan.NetworkInterfaces.IsUnknown() {
		return true
	}
	planNICs, stateNICs := plan.nics(ctx, diags), state.nics(ctx, diags)
	if len(planNICs) != len(stateNICs) {
		return true
	}
	for i := range planNICs {
		if !planNICs[i].SubnetID.Equal(stateNICs[i].SubnetID) {
			return true
		}
	}
	return false
}

func (r *instanceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if !r.data.ready(&resp.Diagnostics, "create clouddc_instance") {
		return
	}
	var plan instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	password := configPassword(ctx, req.Config, &resp.Diagnostics)
	if password == "" && !resp.Diagnostics.HasError() {
		// ModifyPlan refuses this plan; this is the backstop.
		resp.Diagnostics.AddAttributeError(path.Root("password"), "A password is needed to create the instance",
			"Set password_wo (with password_wo_version) or password: creating an instance sets the password of "+
				"root (Linux) or Administrator (Windows).")
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, instanceCreateTimeout)
	resp.Diagnostics.Append(d...)
	createReq := plan.createInstanceRequest(ctx, password, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	created, err := r.data.client.CreateInstance(ctx, createReq)
	if err != nil {
		resp.Diagnostics.AddError("Cannot create instance", createErrorDetail(createReq.Name, err))
		return
	}
	id := created.InstanceID
	tflog.Info(ctx, "created instance; waiting for running", map[string]any{"id": id, "name": createReq.Name})

	// Save the ID at once: if the wait fails, the instance is in state
	// (tainted) and the next apply replaces or destroys it instead of leaking it.
	plan.ID = types.StringValue(id)
	partial := plan
	partial.nullUnknowns()
	resp.Diagnostics.Append(resp.State.Set(ctx, &partial)...)
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)

	got, err := r.data.engine.WaitForState(ctx, []string{id}, clouddc.StateRunning)
	if err != nil {
		resp.Diagnostics.AddError("Instance did not become running", waitErrorDetail("Instance "+id, "create", timeout, err))
		return
	}
	in, ok := got[id]
	if !ok {
		resp.Diagnostics.AddError("Instance did not become running",
			fmt.Sprintf("Instance %s: the wait for running returned no instance. This is a bug in the provider.", id))
		return
	}
	plan.fromInstance(ctx, in, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// createErrorDetail explains a failed CreateInstance. When the API accepted
// the request but its answer carried no usable instance ID, an instance may
// exist that nothing tracks: say so, with the request ID, and what to do.
func createErrorDetail(name string, err error) string {
	var ae *clouddc.AnswerError
	if errors.As(err, &ae) {
		return fmt.Sprintf("CreateInstance for %q was accepted, but the answer carries no usable instance ID: %s.\n\n"+
			"An instance named %q may have been created, and Terraform cannot track it without its ID, so nothing was "+
			"stored in state. Look for it (the clouddc_instances data source, or the CloudDC console; quote the request "+
			"ID above to CloudDC support if it cannot be found), then either import it with "+
			"terraform import <address of this clouddc_instance> <instance ID>, or delete it, before you apply again.",
			name, err, name)
	}
	return fmt.Sprintf("CreateInstance for %q failed: %s", name, err)
}

func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if r.data.keepPriorState(&resp.Diagnostics, "clouddc_instance "+id) {
		// A state written by Terraform < 1.12 has no identity, and the
		// framework wants one after every read: set it when the project is
		// known, keeping everything else as it was.
		if resp.Identity != nil && resp.Identity.Raw.IsFullyNull() && r.data != nil && r.data.projectID != "" {
			r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
		}
		return
	}
	if !r.sameProject(ctx, req.Identity, id, &resp.Diagnostics) {
		return
	}
	timeout, d := state.Timeouts.Read(ctx, instanceReadTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	got, err := r.data.engine.GetInstances(ctx, []string{id})
	if err != nil {
		resp.Diagnostics.AddError("Cannot read instance", fmt.Sprintf("Instance %s: %s", id, err))
		return
	}
	// The identity goes with every answer, a removal included: the framework
	// wants one even then, and a state written by Terraform < 1.12 has none.
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
	in, ok := got[id]
	if !ok || clouddc.IsTerminalState(in.State) {
		tflog.Warn(ctx, "instance no longer exists; removing it from state", map[string]any{"id": id})
		resp.State.RemoveResource(ctx)
		return
	}
	state.fromInstance(ctx, in, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.data.ready(&resp.Diagnostics, "update clouddc_instance") {
		return
	}
	u := &instanceUpdate{r: r, diags: &resp.Diagnostics}
	if !u.read(ctx, req) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, u.timeout)
	defer cancel()
	// In this order: the IP (ModifyInstanceIp), the image (ReinstallOS,
	// which also sets the password), the password; each waited for.
	if !u.changeIP(ctx) || !u.reinstallOS(ctx) || !u.changePassword(ctx) {
		return
	}
	latest, ok := u.current(ctx)
	if !ok {
		return
	}
	u.plan.fromInstance(ctx, latest, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &u.plan)...)
	r.setIdentity(ctx, resp.Identity, u.id, &resp.Diagnostics)
}

// instanceUpdate is one Update of a clouddc_instance: the in-place changes
// the plan asks for, in order. Each step returns false when it failed (and
// said why in diags): the update stops there.
type instanceUpdate struct {
	r                   *instanceResource
	diags               *diag.Diagnostics
	id                  string
	plan, state         instanceModel
	planNICs, stateNICs []networkInterfaceModel
	password            string
	timeout             time.Duration
	// latest is the instance as the last wait saw it; nil before any wait.
	latest      *clouddc.Instance
	reinstalled bool
}

// read reads the plan, the state and the password, and refuses what cannot
// be done: an instance in another project, a reinstall without a password.
func (u *instanceUpdate) read(ctx context.Context, req resource.UpdateRequest) bool {
	u.diags.Append(req.Plan.Get(ctx, &u.plan)...)
	u.diags.Append(req.State.Get(ctx, &u.state)...)
	u.password = configPassword(ctx, req.Config, u.diags)
	var d diag.Diagnostics
	u.timeout, d = u.plan.Timeouts.Update(ctx, instanceUpdateTimeout)
	u.diags.Append(d...)
	u.planNICs = u.plan.nics(ctx, u.diags)
	u.stateNICs = u.state.nics(ctx, u.diags)
	if u.diags.HasError() {
		return false
	}
	u.id = u.state.ID.ValueString()
	if !u.r.sameProject(ctx, req.Identity, u.id, u.diags) {
		return false
	}
	if !u.plan.ImageID.Equal(u.state.ImageID) && u.password == "" {
		// ModifyPlan refuses this plan; this is the backstop.
		u.diags.AddAttributeError(path.Root("image_id"), "A password is needed to reinstall the OS",
			fmt.Sprintf("Changing image_id reinstalls the OS of instance %s, which sets the password of root or "+
				"Administrator: set password_wo (with password_wo_version) or password. Nothing was changed.", u.id))
		return false
	}
	return true
}

// wait waits for the instance to be running again after op. It was running
// before the request: wait to see the operation through, not the state from
// before it.
func (u *instanceUpdate) wait(ctx context.Context, op string) bool {
	got, err := u.r.data.engine.WaitForStateChange(ctx, []string{u.id}, clouddc.StateRunning)
	if err != nil {
		u.diags.AddError("Instance did not become running after "+op, waitErrorDetail("Instance "+u.id, "update", u.timeout, err))
		return false
	}
	if in, ok := got[u.id]; ok {
		u.latest = &in
	}
	return true
}

// changeIP sends ModifyInstanceIp with every NIC when a fixed IP changed, and
// waits.
func (u *instanceUpdate) changeIP(ctx context.Context) bool {
	if !ipChanged(u.planNICs, u.stateNICs) {
		return true
	}
	tflog.Info(ctx, "changing instance IP address", map[string]any{"id": u.id})
	if err := u.r.data.client.ModifyInstanceIP(ctx, u.id, u.plan.modifyIPRequest(u.planNICs)); err != nil {
		u.diags.AddError("Cannot change the IP address", fmt.Sprintf("Instance %s: %s", u.id, err))
		return false
	}
	return u.wait(ctx, "the IP change")
}

// reinstallOS sends ReinstallOS (which also sets the password) when the
// image changed, and waits.
func (u *instanceUpdate) reinstallOS(ctx context.Context) bool {
	if u.plan.ImageID.Equal(u.state.ImageID) {
		return true
	}
	tflog.Info(ctx, "reinstalling instance OS", map[string]any{"id": u.id, "image_id": u.plan.ImageID.ValueString()})
	_, err := u.r.data.client.ReinstallOS(ctx, &clouddc.ReinstallOSRequest{
		ImageID:       u.plan.ImageID.ValueString(),
		Password:      u.password,
		InstanceIDSet: []string{u.id},
	})
	if err != nil {
		u.diags.AddError("Cannot reinstall the OS", fmt.Sprintf("Instance %s: %s", u.id, err))
		return false
	}
	if !u.wait(ctx, "the OS reinstall") {
		return false
	}
	u.reinstalled = true
	return true
}

// changePassword sends ChangeInstancePassword when the password (or its
// write-only version) changed, unless the reinstall just set it.
func (u *instanceUpdate) changePassword(ctx context.Context) bool {
	changed := !u.plan.Password.Equal(u.state.Password) || !u.plan.PasswordWOVersion.Equal(u.state.PasswordWOVersion)
	if !changed || u.reinstalled || u.password == "" {
		return true
	}
	tflog.Info(ctx, "changing instance password", map[string]any{"id": u.id})
	_, err := u.r.data.client.ChangeInstancePassword(ctx, &clouddc.ChangeInstancePasswordRequest{
		NewPassword:   u.password,
		InstanceIDSet: []string{u.id},
	})
	if err != nil {
		u.diags.AddError("Cannot change the password", fmt.Sprintf("Instance %s: %s", u.id, err))
		return false
	}
	return true
}

// current returns the instance as the last wait saw it, or reads it when
// nothing was waited for.
func (u *instanceUpdate) current(ctx context.Context) (clouddc.Instance, bool) {
	if u.latest != nil {
		return *u.latest, true
	}
	got, err := u.r.data.engine.GetInstances(ctx, []string{u.id})
	if err != nil {
		u.diags.AddError("Cannot read instance after update", fmt.Sprintf("Instance %s: %s", u.id, err))
		return clouddc.Instance{}, false
	}
	in, ok := got[u.id]
	if !ok {
		u.diags.AddError("Instance disappeared during update",
			fmt.Sprintf("Instance %s no longer exists; the next plan will recreate it.", u.id))
		return clouddc.Instance{}, false
	}
	return in, true
}

// ipChanged reports whether a configured fixed IP differs from the state.
func ipChanged(plan, state []networkInterfaceModel) bool {
	for i, p := range plan {
		if i >= len(state) {
			return false // A count change replaces the instance.
		}
		if p.IPv4Address.IsUnknown() || p.IPv4Address.IsNull() {
			continue
		}
		if !p.IPv4Address.Equal(state[i].IPv4Address) {
			return true
		}
	}
	return false
}

func (r *instanceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.data.ready(&resp.Diagnostics, "delete clouddc_instance") {
		return
	}
	var state instanceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, d := state.Timeouts.Delete(ctx, instanceDeleteTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if !r.sameProject(ctx, req.Identity, id, &resp.Diagnostics) {
		return
	}
	// On an error the framework keeps the instance in state, so the next
	// destroy resumes.
	deleteInstance(ctx, r.data.engine, id, timeout, &resp.Diagnostics)
}

// ImportState imports an instance by its ID: `terraform import`, an import
// block with id, or (Terraform 1.12+) an import block with identity, whose
// optional project_id must be the provider's project. The instance must
// exist and not be terminated; no password is needed.
func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, project := req.ID, ""
	if id == "" && req.Identity != nil {
		var ident instanceIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		id, project = ident.ID.ValueString(), ident.ProjectID.ValueString()
	}
	if !validate.IsLowercaseUUID(id) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is not an instance ID: expected a lower-case UUID such as 0198170e-4ca7-7ee4-89a7-fa631843920b.", id))
		return
	}
	if !r.data.ready(&resp.Diagnostics, "import clouddc_instance") {
		return
	}
	if project != "" && project != r.data.projectID {
		resp.Diagnostics.AddAttributeError(path.Root("project_id"), "Instance identity is in another project",
			fmt.Sprintf("The identity of instance %s names project %s, but this provider is configured for project %s. "+
				"Import it with a provider configured for project %s (a provider alias, set with provider = ... in "+
				"the import block), or leave project_id out to use the provider's project.",
				id, project, r.data.projectID, project))
		return
	}
	got, err := r.data.engine.GetInstances(ctx, []string{id})
	if err != nil {
		resp.Diagnostics.AddError("Cannot import instance", fmt.Sprintf("Instance %s: %s", id, err))
		return
	}
	if in, ok := got[id]; !ok || clouddc.IsTerminalState(in.State) {
		resp.Diagnostics.AddError("Cannot import instance",
			fmt.Sprintf("No instance with ID %s exists in project %s (or it is terminated).", id, r.data.projectID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
}

// setIdentity records the identity of instance id in the provider's project.
func (r *instanceResource) setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id string, diags *diag.Diagnostics) {
	if identity == nil || r.data == nil {
		return
	}
	diags.Append(identity.Set(ctx, newInstanceIdentity(id, r.data.projectID))...)
}

// sameProject reports an error unless the stored identity of instance id (if
// any) is in the provider's project: asked in another project, the instance
// would look deleted, and state would lose an instance that still exists.
func (r *instanceResource) sameProject(ctx context.Context, identity *tfsdk.ResourceIdentity, id string, diags *diag.Diagnostics) bool {
	if identity == nil || identity.Raw.IsNull() {
		return true
	}
	var ident instanceIdentityModel
	diags.Append(identity.Get(ctx, &ident)...)
	if diags.HasError() {
		return false
	}
	project := ident.ProjectID.ValueString()
	if project == "" || project == r.data.projectID {
		return true
	}
	diags.AddError("Instance is in another project",
		fmt.Sprintf("Instance %s belongs to project %s (its resource identity), but the provider is configured for "+
			"project %s. Configure the provider for project %s; the instance is kept in state and nothing was changed.",
			id, project, r.data.projectID, project))
	return false
}

// ipv4Validator accepts dotted-quad IPv4 addresses.
type ipv4Validator struct{}

func (ipv4Validator) Description(_ context.Context) string {
	return "value must be an IPv4 address such as 192.168.0.10"
}

func (v ipv4Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (ipv4Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IPv4 address",
			fmt.Sprintf("%q is not an IPv4 address (expected e.g. 192.168.0.10).", s))
	}
}
