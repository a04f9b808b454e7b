// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// The Terraform model of the clouddc_instances data source and its flatten
// from the API.
//
// The state is built as a tftypes.Value, not as Go structs (or framework
// values) for State.Set to convert: with 10,000 instances, the framework's
// reflection (a struct-tag parse and a regexp compile per field of every
// element) and its three conversions of the list between framework and
// tftypes values were most of the cost of a read. State.Set takes a
// tftypes.Value after checking only its type against the schema.

// instancesDataModel is the clouddc_instances data source's configuration.
// Instances and InstanceIDs are computed: null in the configuration, and
// written only through state.
type instancesDataModel struct {
	IDsFilter       types.Set      `tfsdk:"ids"`
	State           types.String   `tfsdk:"state"`
	ServerIDsFilter types.Set      `tfsdk:"server_ids"`
	Instances       types.List     `tfsdk:"instances"`
	InstanceIDs     types.List     `tfsdk:"instance_ids"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

// instanceSummaryType is one element of instances, as the schema
// (instanceSummariesAttribute) declares it.
var instanceSummaryType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id":                 types.StringType,
	"name":               types.StringType,
	"state":              types.StringType,
	"operation_state":    types.StringType,
	"server_id":          types.StringType,
	"vpc_id":             types.StringType,
	"image_id":           types.StringType,
	"image_name":         types.StringType,
	"description":        types.StringType,
	"network_interfaces": types.ListType{ElemType: networkInterfaceType},
	"metadata":           types.MapType{ElemType: types.StringType},
	"created_at":         types.StringType,
	"updated_at":         types.StringType,
	"launched_at":        types.StringType,
}}

// state is the data source's state: the configured arguments and timeouts
// as they are, instances and instance_ids the instances listed, in order.
func (m *instancesDataModel) state(ctx context.Context, listed []clouddc.Instance) (tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	attrs := make(map[string]tftypes.Value, 6)
	for name, v := range map[string]attr.Value{
		"ids": m.IDsFilter, "state": m.State, "server_ids": m.ServerIDsFilter, "timeouts": m.Timeouts,
	} {
		tv, err := v.ToTerraformValue(ctx)
		if err != nil {
			diags.AddError("Cannot build the state of clouddc_instances", fmt.Sprintf("argument %s: %s", name, err))
			return tftypes.Value{}, diags
		}
		attrs[name] = tv
	}
	summaryType := instanceSummaryType.TerraformType(ctx)
	nicType := networkInterfaceType.TerraformType(ctx)
	summaries := make([]tftypes.Value, len(listed))
	ids := make([]tftypes.Value, len(listed))
	for i, in := range listed {
		summaries[i] = instanceSummary(summaryType, nicType, in)
		ids[i] = tftypes.NewValue(tftypes.String, in.ID)
	}
	attrs["instances"] = tftypes.NewValue(tftypes.List{ElementType: summaryType}, summaries)
	attrs["instance_ids"] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, ids)
	typ := tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(attrs))}
	for name, v := range attrs {
		typ.AttributeTypes[name] = v.Type()
	}
	return tftypes.NewValue(typ, attrs), diags
}

// instanceSummary is the data-source view of an instance, a value of
// summaryType (instanceSummaryType) whose network interfaces are of nicType
// (networkInterfaceType). A missing image is empty image_id and image_name,
// missing metadata an empty map.
func instanceSummary(summaryType, nicType tftypes.Type, in clouddc.Instance) tftypes.Value {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	var imageID, imageName string
	if in.Image != nil {
		imageID, imageName = in.Image.ID, in.Image.Name
	}
	nics := make([]tftypes.Value, len(in.NetworkInterfaces))
	for i, n := range in.NetworkInterfaces {
		nics[i] = tftypes.NewValue(nicType, map[string]tftypes.Value{
			"subnet_id":    str(n.SubnetID),
			"ipv4_address": str(n.IPv4Address),
		})
	}
	metadata := make(map[string]tftypes.Value, len(in.Metadata))
	for k, v := range in.Metadata {
		metadata[k] = str(v)
	}
	return tftypes.NewValue(summaryType, map[string]tftypes.Value{
		"id":                 str(in.ID),
		"name":               str(in.Name),
		"state":              str(in.State),
		"operation_state":    str(in.OperationState),
		"server_id":          str(in.ServerID),
		"vpc_id":             str(in.VpcID),
		"image_id":           str(imageID),
		"image_name":         str(imageName),
		"description":        str(in.Description),
		"network_interfaces": tftypes.NewValue(tftypes.List{ElementType: nicType}, nics),
		"metadata":           tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, metadata),
		"created_at":         str(in.CreatedAt),
		"updated_at":         str(in.UpdatedAt),
		"launched_at":        str(in.LaunchedAt),
	})
}
