// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"maps"
	"regexp"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// The Terraform model of clouddc_instances (a fleet) and its conversions to
// and from the API.

// fleetModel is the state of a clouddc_instances (schema version 1;
// resource_instances_upgrade.go reads version 0).
type fleetModel struct {
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
	Instances         types.Map      `tfsdk:"instances"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

type fleetNICModel struct {
	SubnetID types.String `tfsdk:"subnet_id"`
}

var fleetNICAttrTypes = map[string]attr.Type{"subnet_id": types.StringType}

// runInstancesRequest builds the RunInstances body from the plan.
func (m *fleetModel) runInstancesRequest(ctx context.Context, password string, diags *diag.Diagnostics) *clouddc.RunInstancesRequest {
	var nics []fleetNICModel
	diags.Append(m.NetworkInterfaces.ElementsAs(ctx, &nics, false)...)
	var metadata map[string]string
	if !m.Metadata.IsNull() {
		diags.Append(m.Metadata.ElementsAs(ctx, &metadata, false)...)
	}
	var servers []string
	if !m.ServerIDs.IsNull() {
		servers = stringsFrom(ctx, m.ServerIDs, diags)
	}
	if diags.HasError() {
		return nil
	}
	maxCount := int32(m.InstanceCount.ValueInt64()) // Validated to be at most MaxInt32.
	minCount := maxCount
	if !m.MinCount.IsNull() {
		minCount = int32(m.MinCount.ValueInt64()) // Validated to be at most MaxInt32.
	}
	req := &clouddc.RunInstancesRequest{
		Name:        m.Name.ValueString(),
		ImageID:     m.ImageID.ValueString(),
		VpcID:       m.VpcID.ValueString(),
		Password:    password,
		Metadata:    metadata,
		Description: m.Description.ValueString(),
		MinCount:    &minCount,
		MaxCount:    &maxCount,
	}
	for _, nic := range nics {
		req.NetworkInterfaces = append(req.NetworkInterfaces, clouddc.RunInstancesNetworkInterface{SubnetID: nic.SubnetID.ValueString()})
	}
	if len(servers) > 0 {
		req.Placement = &clouddc.RunInstancesPlacement{ServerIDSet: servers}
	}
	return req
}

// setInstances sets instances: instance ID → state.
func (m *fleetModel) setInstances(states map[string]string) {
	elems := make(map[string]attr.Value, len(states))
	for id, state := range states {
		elems[id] = types.StringValue(state)
	}
	m.Instances = types.MapValueMust(types.StringType, elems)
}

// states reads instances (instance ID → state) from state.
func (m *fleetModel) states(ctx context.Context, diags *diag.Diagnostics) map[string]string {
	states := map[string]string{}
	diags.Append(m.Instances.ElementsAs(ctx, &states, false)...)
	return states
}

// ids returns the IDs of the instances in state, sorted.
func (m *fleetModel) ids(ctx context.Context, diags *diag.Diagnostics) []string {
	return slices.Sorted(maps.Keys(m.states(ctx, diags)))
}

// setStarted sets instances after RunInstances started ids: each in the
// state the wait last saw it in (running), else pending.
func (m *fleetModel) setStarted(ids []string, running map[string]clouddc.Instance) {
	states := make(map[string]string, len(ids))
	for _, id := range ids {
		states[id] = clouddc.StatePending
		if got, ok := running[id]; ok {
			states[id] = got.State
		}
	}
	m.setInstances(states)
}

// setExisting sets instances to the instances that exist, with their state.
func (m *fleetModel) setExisting(existing map[string]clouddc.Instance) {
	states := make(map[string]string, len(existing))
	for id, inst := range existing {
		states[id] = inst.State
	}
	m.setInstances(states)
}

// keepRemaining sets instances to exactly the instances a delete did not
// finish, each in its last known state (else in the state prior, the
// instances in state before the delete, gave it), so that the next destroy
// resumes with them.
func (m *fleetModel) keepRemaining(prior map[string]string, remaining []lifecycle.InstanceResult) {
	states := make(map[string]string, len(remaining))
	for _, res := range remaining {
		states[res.ID] = res.State
		if res.State == "" {
			states[res.ID] = prior[res.ID]
		}
	}
	m.setInstances(states)
}

// fromImport flattens the instances of an import (ids, every one existing)
// into the fleet: the shared attributes (image, network, description,
// metadata) come from the first instance, the name from the common part of
// the instance names; the password cannot be read back.
func (m *fleetModel) fromImport(ctx context.Context, ids []string, existing map[string]clouddc.Instance, diags *diag.Diagnostics) {
	first := existing[ids[0]]
	nics := make([]attr.Value, 0, len(first.NetworkInterfaces))
	for _, nic := range first.NetworkInterfaces {
		nics = append(nics, types.ObjectValueMust(fleetNICAttrTypes, map[string]attr.Value{"subnet_id": types.StringValue(nic.SubnetID)}))
	}
	imageID := ""
	if first.Image != nil {
		imageID = first.Image.ID
	}
	m.Description = types.StringNull()
	if first.Description != "" {
		m.Description = types.StringValue(first.Description)
	}
	m.Metadata = types.MapNull(types.StringType)
	if len(first.Metadata) > 0 {
		var d diag.Diagnostics
		m.Metadata, d = types.MapValueFrom(ctx, types.StringType, first.Metadata)
		diags.Append(d...)
	}
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		names = append(names, existing[id].Name)
	}
	m.ID = types.StringValue(instanceSetID(ids))
	m.Name = types.StringValue(fleetBaseName(names))
	m.ImageID = types.StringValue(imageID)
	m.VpcID = types.StringValue(first.VpcID)
	m.NetworkInterfaces = types.ListValueMust(types.ObjectType{AttrTypes: fleetNICAttrTypes}, nics)
	m.InstanceCount = types.Int64Value(int64(len(ids)))
	m.setExisting(existing)
}

// importedAttributes are the attributes an import sets from fromImport; the
// others (password, timeouts, ...) stay null as in an empty configuration.
func (m *fleetModel) importedAttributes() []stateAttribute {
	return []stateAttribute{
		{"id", m.ID}, {"name", m.Name}, {"image_id", m.ImageID}, {"vpc_id", m.VpcID},
		{"network_interfaces", m.NetworkInterfaces}, {"description", m.Description}, {"metadata", m.Metadata},
		{"instance_count", m.InstanceCount}, {"instances", m.Instances},
	}
}

// fleetNameSuffix is the -0001, -0002, ... suffix CloudDC gives the host
// names of the instances of one RunInstances call.
var fleetNameSuffix = regexp.MustCompile(`-[0-9]+$`)

// fleetBaseName returns the name a fleet was created with, from the names
// of its instances: their common name once the numeric suffixes are
// stripped, or the first name as it is when there is one instance or no
// common name.
func fleetBaseName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	if len(names) == 1 {
		return names[0]
	}
	base := fleetNameSuffix.ReplaceAllString(names[0], "")
	for _, name := range names {
		if !fleetNameSuffix.MatchString(name) || fleetNameSuffix.ReplaceAllString(name, "") != base {
			return names[0]
		}
	}
	return base
}
