// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
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
	str := func(text string) schema.StringAttribute {
		return schema.StringAttribute{Description: text, MarkdownDescription: text}
	}

	id := str("Instance ID (a lower-case UUID).")
	id.Computed = true
	id.PlanModifiers = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}

	name := str("Host name of the instance: 1 to 63 letters, Chinese characters, digits, `_`, `-` or `.`. " +
		"Changing it replaces the instance.")
	name.Required = true
	name.Validators = []validator.String{validate.Hostname()}
	name.PlanModifiers = []planmodifier.String{stringplanmodifier.RequiresReplace()}

	imageID := str("ID of the private IMS image to install. Changing it reinstalls the operating system in " +
		"place (ReinstallOS) with the configured password; data disks are kept.")
	imageID.Required = true
	imageID.Validators = []validator.String{validate.LowercaseUUID()}

	imageName := str("Name of the installed image, as the service reports it.")
	imageName.Computed = true

	vpcID := str("ID of the VPC the network interfaces belong to. Changing it replaces the instance.")
	vpcID.Required = true
	vpcID.Validators = []validator.String{stringvalidator.LengthAtLeast(1)}
	vpcID.PlanModifiers = []planmodifier.String{stringplanmodifier.RequiresReplace()}

	description := str("Free-text description, at most 255 characters. Changing it replaces the instance " +
		"(the API cannot update it).")
	description.Optional = true
	description.Computed = true
	description.Default = stringdefault.StaticString("")
	description.Validators = []validator.String{stringvalidator.LengthAtMost(255)}
	description.PlanModifiers = []planmodifier.String{stringplanmodifier.RequiresReplace()}

	serverID := str("ID of the physical server to place the instance on; when unset the service picks an idle " +
		"`ready` server and this reports it. Changing it replaces the instance.")
	serverID.Optional = true
	serverID.Computed = true
	serverID.Validators = []validator.String{validate.LowercaseUUID()}
	serverID.PlanModifiers = []planmodifier.String{
		stringplanmodifier.UseStateForUnknown(),
		stringplanmodifier.RequiresReplaceIfConfigured(),
	}

	password := str("Password of `root` (Linux) or `Administrator` (Windows), stored in state (sensitive). " +
		"8 to 26 characters with at least 3 of upper-case letters, lower-case letters, digits and " +
		"`" + validate.PasswordSpecials + "`; must not contain `root` or `Administrator` or either reversed. " +
		"Changing it changes the password in place (it takes effect after the next reboot of the server). " +
		passwordNeededText)
	password.Optional = true
	password.Sensitive = true
	password.Validators = []validator.String{validate.Password()}

	passwordWO := str("Write-only password (never stored in state or plan; needs Terraform 1.11 or later), with " +
		"the same rules as `password`. Terraform cannot see changes of a write-only value: change " +
		"`password_wo_version` to apply a new one. " + passwordNeededText)
	passwordWO.Optional = true
	passwordWO.Sensitive = true
	passwordWO.WriteOnly = true
	passwordWO.Validators = []validator.String{
		validate.Password(),
		stringvalidator.AlsoRequires(path.MatchRoot("password_wo_version")),
	}

	computed := func(text string) schema.StringAttribute {
		a := str(text)
		a.Computed = true
		return a
	}
	createdAt := computed("When the instance was created, as the service reports it.")
	createdAt.PlanModifiers = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}

	resp.Schema = schema.Schema{
		Description: "A CloudDC bare-metal (iMetal) instance, created on one of your physical servers with " +
			"CreateInstance. Create waits until it is `running`; destroy waits until it is `terminated`.",
		MarkdownDescription: "A CloudDC bare-metal (iMetal) instance, created on one of your physical servers with " +
			"`CreateInstance`. Create waits until it is `running`; destroy waits until it is `terminated`.\n\n" +
			"Changing `image_id` reinstalls the OS, changing the password (or `password_wo_version`) calls " +
			"`ChangeInstancePassword`, and changing a network interface's `ipv4_address` calls `ModifyInstanceIp`, " +
			"all in place; any other change replaces the instance.",
		Attributes: map[string]schema.Attribute{
			"id":         id,
			"name":       name,
			"image_id":   imageID,
			"image_name": imageName,
			"vpc_id":     vpcID,
			"network_interfaces": schema.ListNestedAttribute{
				Description: "One or two network interfaces; the first is the primary. Adding or removing one, " +
					"or changing a subnet, replaces the instance.",
				MarkdownDescription: "One or two network interfaces; the first is the primary. Adding or removing one, " +
					"or changing a subnet, replaces the instance.",
				Required:      true,
				Validators:    []validator.List{listvalidator.SizeBetween(1, 2)},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplaceIf(nicCountChanged, "Changing the number of network interfaces replaces the instance.", "Changing the number of network interfaces replaces the instance.")},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"subnet_id": schema.StringAttribute{
							Description:         "ID of the (CloudDCN) subnet. Changing it replaces the instance.",
							MarkdownDescription: "ID of the (CloudDCN) subnet. Changing it replaces the instance.",
							Required:            true,
							Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
							PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
						},
						"ipv4_address": schema.StringAttribute{
							Description: "Fixed private IPv4 address inside the subnet; when unset the service " +
								"assigns one and this reports it. Changing it calls ModifyInstanceIp in place.",
							MarkdownDescription: "Fixed private IPv4 address inside the subnet; when unset the service " +
								"assigns one and this reports it. Changing it calls `ModifyInstanceIp` in place.",
							Optional:      true,
							Computed:      true,
							Validators:    []validator.String{ipv4Validator{}},
							PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
						},
					},
				},
			},
			"description": description,
			"metadata": schema.MapAttribute{
				Description: "Up to 10 key/value pairs; keys are 1 to 255 characters of letters, digits, " +
					"`-`, `_`, `:`, space and `.`; values at most 255 characters. Changing them replaces the instance.",
				MarkdownDescription: "Up to 10 key/value pairs; keys are 1 to 255 characters of letters, digits, " +
					"`-`, `_`, `:`, space and `.`; values at most 255 characters. Changing them replaces the instance.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.Map{
					mapvalidator.SizeAtMost(10),
					mapvalidator.KeysAre(validate.MetadataKey()),
					mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(255)),
				},
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"server_id":   serverID,
			"password":    password,
			"password_wo": passwordWO,
			"password_wo_version": schema.Int64Attribute{
				Description: "Version of `password_wo`; required with it. Change it (e.g. increment it) to apply " +
					"the current `password_wo`.",
				MarkdownDescription: "Version of `password_wo`; required with it. Change it (e.g. increment it) to apply " +
					"the current `password_wo`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"state": computed("Instance state: `pending`, `running`, `stopped`, `shutting-down`, `terminated`, " +
				"`error` (older API versions also report `stopping`, `reinstalling`, `failed`, `modifyIping`)."),
			"operation_state": computed("State of the last operation, e.g. `install-succeed` or `reinstall-processing`."),
			"created_at":      createdAt,
			"launched_at":     computed("When the instance last finished provisioning, as the service reports it."),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true},
				"create: 30m, read: 5m, update: 30m, delete: 30m"),
		},
	}
}

// passwordNeededText says when clouddc_instance needs a password; the
// descriptions of password and password_wo and the docs say exactly this.
const passwordNeededText = "A password (`password` or `password_wo`, never both) is needed only to create the " +
	"instance (also when a change replaces it) and to reinstall its OS when `image_id` changes; an imported or " +
	"adopted instance needs none until then."

// timeoutsBlock is the timeouts block with a description of its defaults.
func timeoutsBlock(ctx context.Context, opts timeouts.Opts, defaults string) schema.Block {
	b := timeouts.Block(ctx, opts)
	if nb, ok := b.(schema.SingleNestedBlock); ok {
		nb.Description = "How long each operation may take before it fails (defaults: " + defaults + ")."
		nb.MarkdownDescription = nb.Description
		return nb
	}
	return b
}

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

// configHasPassword reports whether the configuration sets password or
// password_wo (an unknown value counts: it will have one at apply).
func configHasPassword(ctx context.Context, cfg interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, diags *diag.Diagnostics) bool {
	var pw, wo types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("password"), &pw)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	return !pw.IsNull() || !wo.IsNull()
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

// configPassword returns the password in the configuration: password, or the
// write-only password_wo (only ever present in the configuration).
func configPassword(ctx context.Context, cfg interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, diags *diag.Diagnostics) string {
	var pw, wo types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("password"), &pw)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if !pw.IsNull() && !pw.IsUnknown() {
		return pw.ValueString()
	}
	return wo.ValueString()
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
	createReq := &clouddc.CreateInstanceRequest{
		Name:              plan.Name.ValueString(),
		ImageID:           plan.ImageID.ValueString(),
		VpcID:             plan.VpcID.ValueString(),
		NetworkInterfaces: plan.apiNICs(ctx, &resp.Diagnostics),
		Password:          password,
		Metadata:          plan.metadataMap(ctx, &resp.Diagnostics),
		Description:       plan.Description.ValueString(),
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if s := plan.ServerID.ValueString(); s != "" {
		createReq.Placement = &clouddc.CreateInstancePlacement{ServerID: s}
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
	var plan, state instanceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	password := configPassword(ctx, req.Config, &resp.Diagnostics)
	timeout, d := plan.Timeouts.Update(ctx, instanceUpdateTimeout)
	resp.Diagnostics.Append(d...)
	planNICs := plan.nics(ctx, &resp.Diagnostics)
	stateNICs := state.nics(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if !r.sameProject(ctx, req.Identity, id, &resp.Diagnostics) {
		return
	}
	if !plan.ImageID.Equal(state.ImageID) && password == "" {
		// ModifyPlan refuses this plan; this is the backstop.
		resp.Diagnostics.AddAttributeError(path.Root("image_id"), "A password is needed to reinstall the OS",
			fmt.Sprintf("Changing image_id reinstalls the OS of instance %s, which sets the password of root or "+
				"Administrator: set password_wo (with password_wo_version) or password. Nothing was changed.", id))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var latest *clouddc.Instance
	wait := func(op string) bool {
		// The instance was running before the request: wait to see the
		// operation through, not the state from before it.
		got, err := r.data.engine.WaitForStateChange(ctx, []string{id}, clouddc.StateRunning)
		if err != nil {
			resp.Diagnostics.AddError("Instance did not become running after "+op, waitErrorDetail("Instance "+id, "update", timeout, err))
			return false
		}
		if in, ok := got[id]; ok {
			latest = &in
		}
		return true
	}

	// 1. A NIC's fixed IP: ModifyInstanceIp with every NIC, then wait.
	if ipChanged(planNICs, stateNICs) {
		modReq := &clouddc.ModifyInstanceIPRequest{VpcID: plan.VpcID.ValueString()}
		for _, n := range planNICs {
			ip := n.IPv4Address.ValueString()
			modReq.Nics = append(modReq.Nics, clouddc.ModifyInstanceIPNic{SubnetID: n.SubnetID.ValueString(), IPAddress: ip})
		}
		tflog.Info(ctx, "changing instance IP address", map[string]any{"id": id})
		if err := r.data.client.ModifyInstanceIP(ctx, id, modReq); err != nil {
			resp.Diagnostics.AddError("Cannot change the IP address", fmt.Sprintf("Instance %s: %s", id, err))
			return
		}
		if !wait("the IP change") {
			return
		}
	}

	// 2. The image: ReinstallOS (which also sets the password), then wait.
	reinstalled := false
	if !plan.ImageID.Equal(state.ImageID) {
		tflog.Info(ctx, "reinstalling instance OS", map[string]any{"id": id, "image_id": plan.ImageID.ValueString()})
		_, err := r.data.client.ReinstallOS(ctx, &clouddc.ReinstallOSRequest{
			ImageID:       plan.ImageID.ValueString(),
			Password:      password,
			InstanceIDSet: []string{id},
		})
		if err != nil {
			resp.Diagnostics.AddError("Cannot reinstall the OS", fmt.Sprintf("Instance %s: %s", id, err))
			return
		}
		if !wait("the OS reinstall") {
			return
		}
		reinstalled = true
	}

	// 3. The password (unless the reinstall just set it).
	pwChanged := !plan.Password.Equal(state.Password) || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion)
	if pwChanged && !reinstalled && password != "" {
		tflog.Info(ctx, "changing instance password", map[string]any{"id": id})
		_, err := r.data.client.ChangeInstancePassword(ctx, &clouddc.ChangeInstancePasswordRequest{
			NewPassword:   password,
			InstanceIDSet: []string{id},
		})
		if err != nil {
			resp.Diagnostics.AddError("Cannot change the password", fmt.Sprintf("Instance %s: %s", id, err))
			return
		}
	}

	if latest == nil {
		got, err := r.data.engine.GetInstances(ctx, []string{id})
		if err != nil {
			resp.Diagnostics.AddError("Cannot read instance after update", fmt.Sprintf("Instance %s: %s", id, err))
			return
		}
		in, ok := got[id]
		if !ok {
			resp.Diagnostics.AddError("Instance disappeared during update",
				fmt.Sprintf("Instance %s no longer exists; the next plan will recreate it.", id))
			return
		}
		latest = &in
	}
	plan.fromInstance(ctx, *latest, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
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
