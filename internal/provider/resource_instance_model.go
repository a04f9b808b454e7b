// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// instanceModel is the state of a clouddc_instance.
type instanceModel struct {
	ID                types.String   `tfsdk:"id"`
	Name              types.String   `tfsdk:"name"`
	ImageID           types.String   `tfsdk:"image_id"`
	ImageName         types.String   `tfsdk:"image_name"`
	VpcID             types.String   `tfsdk:"vpc_id"`
	NetworkInterfaces types.List     `tfsdk:"network_interfaces"`
	Description       types.String   `tfsdk:"description"`
	Metadata          types.Map      `tfsdk:"metadata"`
	ServerID          types.String   `tfsdk:"server_id"`
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	State             types.String   `tfsdk:"state"`
	OperationState    types.String   `tfsdk:"operation_state"`
	CreatedAt         types.String   `tfsdk:"created_at"`
	LaunchedAt        types.String   `tfsdk:"launched_at"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// instanceIdentityModel is the resource identity of a clouddc_instance: what
// names it for the whole of its life (Terraform 1.12+ stores it beside the
// state, and import blocks and terraform query use it).
type instanceIdentityModel struct {
	ID        types.String `tfsdk:"id"`
	ProjectID types.String `tfsdk:"project_id"`
}

// newInstanceIdentity is the identity of instance id in project.
func newInstanceIdentity(id, project string) instanceIdentityModel {
	return instanceIdentityModel{ID: types.StringValue(id), ProjectID: types.StringValue(project)}
}

// instanceIdentitySchema is the identity schema of clouddc_instance, shared
// by the resource and the list resource.
func instanceIdentitySchema() identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "Instance ID (a lower-case UUID).",
			},
			"project_id": identityschema.StringAttribute{
				OptionalForImport: true,
				Description: "Project the instance belongs to. Defaults to the provider's `project_id`; " +
					"a different project is an error (use a provider configured for that project).",
			},
		},
	}
}

// networkInterfaceModel is one element of network_interfaces.
type networkInterfaceModel struct {
	SubnetID    types.String `tfsdk:"subnet_id"`
	IPv4Address types.String `tfsdk:"ipv4_address"`
}

var networkInterfaceType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"subnet_id":    types.StringType,
	"ipv4_address": types.StringType,
}}

// nics returns the network interfaces of m.
func (m *instanceModel) nics(ctx context.Context, diags *diag.Diagnostics) []networkInterfaceModel {
	var out []networkInterfaceModel
	if m.NetworkInterfaces.IsNull() || m.NetworkInterfaces.IsUnknown() {
		return nil
	}
	diags.Append(m.NetworkInterfaces.ElementsAs(ctx, &out, false)...)
	return out
}

// createInstanceRequest builds the CreateInstance body from the plan.
func (m *instanceModel) createInstanceRequest(ctx context.Context, password string, diags *diag.Diagnostics) *clouddc.CreateInstanceRequest {
	req := &clouddc.CreateInstanceRequest{
		Name:              m.Name.ValueString(),
		ImageID:           m.ImageID.ValueString(),
		VpcID:             m.VpcID.ValueString(),
		NetworkInterfaces: m.apiNICs(ctx, diags),
		Password:          password,
		Metadata:          m.metadataMap(ctx, diags),
		Description:       m.Description.ValueString(),
	}
	if s := m.ServerID.ValueString(); s != "" {
		req.Placement = &clouddc.CreateInstancePlacement{ServerID: s}
	}
	return req
}

// modifyIPRequest builds the ModifyInstanceIp body from the plan: every
// network interface with its fixed IP ("" lets the service keep or assign
// one).
func (m *instanceModel) modifyIPRequest(nics []networkInterfaceModel) *clouddc.ModifyInstanceIPRequest {
	req := &clouddc.ModifyInstanceIPRequest{VpcID: m.VpcID.ValueString()}
	for _, n := range nics {
		req.Nics = append(req.Nics, clouddc.ModifyInstanceIPNic{SubnetID: n.SubnetID.ValueString(), IPAddress: n.IPv4Address.ValueString()})
	}
	return req
}

// apiNICs turns the network interfaces of m into the CreateInstance form.
func (m *instanceModel) apiNICs(ctx context.Context, diags *diag.Diagnostics) []clouddc.NetworkInterface {
	nics := m.nics(ctx, diags)
	out := make([]clouddc.NetworkInterface, 0, len(nics))
	for _, n := range nics {
		out = append(out, clouddc.NetworkInterface{
			SubnetID:    n.SubnetID.ValueString(),
			IPv4Address: n.IPv4Address.ValueString(), // "" when null or unknown: the service assigns one.
		})
	}
	return out
}

// metadataMap returns metadata as a Go map (nil when unset).
func (m *instanceModel) metadataMap(ctx context.Context, diags *diag.Diagnostics) map[string]string {
	if m.Metadata.IsNull() || m.Metadata.IsUnknown() {
		return nil
	}
	out := map[string]string{}
	diags.Append(m.Metadata.ElementsAs(ctx, &out, false)...)
	return out
}

// nullUnknowns sets every computed value still unknown to null, so that a
// partial state (saved when an operation fails half-way) is valid.
func (m *instanceModel) nullUnknowns() {
	for _, s := range []*types.String{&m.ID, &m.ImageName, &m.Description, &m.ServerID, &m.State,
		&m.OperationState, &m.CreatedAt, &m.LaunchedAt} {
		if s.IsUnknown() {
			*s = types.StringNull()
		}
	}
	if m.NetworkInterfaces.IsUnknown() {
		m.NetworkInterfaces = types.ListNull(networkInterfaceType)
	} else if !m.NetworkInterfaces.IsNull() {
		elems := m.NetworkInterfaces.Elements()
		out := make([]attr.Value, 0, len(elems))
		for _, e := range elems {
			obj, ok := e.(types.Object)
			if !ok {
				out = append(out, e)
				continue
			}
			attrs := obj.Attributes()
			if ip, ok := attrs["ipv4_address"].(types.String); ok && ip.IsUnknown() {
				attrs["ipv4_address"] = types.StringNull()
			}
			out = append(out, types.ObjectValueMust(networkInterfaceType.AttrTypes, attrs))
		}
		m.NetworkInterfaces = types.ListValueMust(networkInterfaceType, out)
	}
}

// fromInstance copies what the API reports about in into m, keeping m's
// configuration-only values (passwords, timeouts) and its representation of
// empty values (null vs. empty) where the API cannot tell them apart.
func (m *instanceModel) fromInstance(ctx context.Context, in clouddc.Instance, diags *diag.Diagnostics) {
	m.ID = types.StringValue(in.ID)
	m.Name = types.StringValue(in.Name)
	m.VpcID = types.StringValue(in.VpcID)
	if in.Image != nil {
		m.ImageID = types.StringValue(in.Image.ID)
		m.ImageName = types.StringValue(in.Image.Name)
	} else {
		m.ImageName = types.StringNull()
	}
	m.Description = types.StringValue(in.Description)
	m.ServerID = types.StringValue(in.ServerID)
	m.State = types.StringValue(in.State)
	m.OperationState = types.StringValue(in.OperationState)
	m.CreatedAt = types.StringValue(in.CreatedAt)
	m.LaunchedAt = types.StringValue(in.LaunchedAt)

	switch {
	case len(in.Metadata) > 0:
		md, d := types.MapValueFrom(ctx, types.StringType, in.Metadata)
		diags.Append(d...)
		m.Metadata = md
	case m.Metadata.IsNull() || m.Metadata.IsUnknown():
		m.Metadata = types.MapNull(types.StringType)
	default: // Configured as {}: keep it so.
		m.Metadata = types.MapValueMust(types.StringType, map[string]attr.Value{})
	}

	// The list response may omit the NICs; then keep what is known.
	if len(in.NetworkInterfaces) > 0 {
		nics := make([]networkInterfaceModel, 0, len(in.NetworkInterfaces))
		for _, n := range in.NetworkInterfaces {
			ip := types.StringNull()
			if n.IPv4Address != "" {
				ip = types.StringValue(n.IPv4Address)
			}
			nics = append(nics, networkInterfaceModel{SubnetID: types.StringValue(n.SubnetID), IPv4Address: ip})
		}
		l, d := types.ListValueFrom(ctx, networkInterfaceType, nics)
		diags.Append(d...)
		m.NetworkInterfaces = l
	}
	m.nullUnknowns()
}
