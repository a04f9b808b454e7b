// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The state versions of clouddc_instances and the upgrade from each to the
// current one (schema version 1). Terraform calls UpgradeState when it
// reads a state written with an older version, so users of a fleet created
// by an older provider never touch their state by hand.
//
// Version 0 (the first provider) kept the instances twice: ids, a list of
// IDs in creation order, and instances, a list of objects {id, name,
// server_id, state}. Both grow with the fleet, and lists of thousands of
// elements make every plan quadratic (see fleetInstancesAttribute), so
// version 1 keeps one map, instances: ID → state.

var _ resource.ResourceWithUpgradeState = (*fleetResource)(nil)

func (r *fleetResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	v0 := fleetSchemaV0(ctx)
	return map[int64]resource.StateUpgrader{
		0: {PriorSchema: &v0, StateUpgrader: upgradeFleetStateV0},
	}
}

// fleetModelV0 is the state of a clouddc_instances at schema version 0.
type fleetModelV0 struct {
	ID                types.String   `tfsdk:"id"`
	Name              types.String   `tfsdk:"name"`
	ImageID           types.String   `tfsdk:"image_id"`
	VpcID             types.String   `tfsdk:"vpc_id"`
	NetworkInterfaces types.List     `tfsdk:"network_interfaces"`
	Description       types.String   `tfsdk:"description"`
	Metadata          types.Map      `tfsdk:"metadata"`
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	InstanceCount     types.Int64    `tfsdk:"instance_count"`
	MinCount          types.Int64    `tfsdk:"min_count"`
	ServerIDs         types.Set      `tfsdk:"server_ids"`
	IDs               types.List     `tfsdk:"ids"`
	Instances         types.List     `tfsdk:"instances"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// fleetInstanceV0 is an element of version 0's instances list.
type fleetInstanceV0 struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	ServerID types.String `tfsdk:"server_id"`
	State    types.String `tfsdk:"state"`
}

// fleetSchemaV0 is the schema of version 0, as far as reading a state
// needs it: the attributes and their types, frozen.
func fleetSchemaV0(ctx context.Context) schema.Schema {
	str := func(optional bool) schema.StringAttribute {
		return schema.StringAttribute{Optional: optional, Computed: !optional}
	}
	return schema.Schema{
		Version: 0,
		Attributes: map[string]schema.Attribute{
			"id":       str(false),
			"name":     str(true),
			"image_id": str(true),
			"vpc_id":   str(true),
			"network_interfaces": schema.ListNestedAttribute{
				Required: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{"subnet_id": schema.StringAttribute{Required: true}},
				},
			},
			"description":         str(true),
			"metadata":            schema.MapAttribute{Optional: true, ElementType: types.StringType},
			"password":            schema.StringAttribute{Optional: true, Sensitive: true},
			"password_wo":         schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true},
			"password_wo_version": schema.Int64Attribute{Optional: true},
			"instance_count":      schema.Int64Attribute{Required: true},
			"min_count":           schema.Int64Attribute{Optional: true},
			"server_ids":          schema.SetAttribute{Optional: true, ElementType: types.StringType},
			"ids":                 schema.ListAttribute{Computed: true, ElementType: types.StringType},
			"instances": schema.ListNestedAttribute{
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": str(false), "name": str(false), "server_id": str(false), "state": str(false),
					},
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

// upgradeFleetStateV0 turns a version 0 state into version 1. Every
// instance either list named is kept (an instance may leave state only on
// evidence from the API, never in an upgrade), with the state the
// instances list gave it, else "" until the next refresh reads it.
func upgradeFleetStateV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var old fleetModelV0
	resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
	var ids []string
	if !old.IDs.IsNull() {
		ids = stringsFrom(ctx, old.IDs, &resp.Diagnostics)
	}
	var instances []fleetInstanceV0
	if !old.Instances.IsNull() {
		resp.Diagnostics.Append(old.Instances.ElementsAs(ctx, &instances, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	states := make(map[string]string, max(len(ids), len(instances)))
	for _, id := range ids {
		states[id] = ""
	}
	for _, inst := range instances {
		if id := inst.ID.ValueString(); id != "" {
			states[id] = inst.State.ValueString()
		}
	}
	cur := fleetModel{
		ID: old.ID, Name: old.Name, ImageID: old.ImageID, VpcID: old.VpcID,
		NetworkInterfaces: old.NetworkInterfaces, Description: old.Description, Metadata: old.Metadata,
		Password: old.Password, PasswordWO: old.PasswordWO, PasswordWOVersion: old.PasswordWOVersion,
		InstanceCount: old.InstanceCount, MinCount: old.MinCount, ServerIDs: old.ServerIDs,
		Timeouts: old.Timeouts,
	}
	cur.setInstances(states)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cur)...)
}
