// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

var (
	_ datasource.DataSource                     = (*instancesDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*instancesDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*instancesDataSource)(nil)
)

// NewInstancesDataSource returns the clouddc_instances data source.
func NewInstancesDataSource() datasource.DataSource {
	return &instancesDataSource{}
}

// instancesDataSource lists instances with ListInstances, every page.
type instancesDataSource struct {
	data *providerData
}

// instancesPageSize is the ListInstances page size: the most the API
// serves (limit 10–1000; unset is 10). At 10 a page, 10,000 instances
// took 1,000 round trips (and the emulator scans every instance per page
// to count them).
const instancesPageSize = 1000

// instanceStateFilters are the states the instance_state filter accepts.
var instanceStateFilters = []string{
	clouddc.StatePending, clouddc.StateRunning, clouddc.StateStopping, clouddc.StateStopped,
	clouddc.StateReinstalling, clouddc.StateShuttingDown, clouddc.StateTerminated, clouddc.StateFailed,
	clouddc.StateError,
}

func (d *instancesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instances"
}

// dsAttr is a computed string attribute of a data source.
func dsAttr(text string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: text}
}

func (d *instancesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	const desc = "Lists CloudDC instances (every page of ListInstances), optionally filtered by ID, state or " +
		"physical server."
	resp.Schema = schema.Schema{
		MarkdownDescription: desc,
		Attributes: map[string]schema.Attribute{
			"ids": schema.SetAttribute{
				MarkdownDescription: "Only these instance IDs (lower-case UUIDs). Any number; they are queried " +
					"100 at a time. Conflicts with `server_ids`.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(validate.LowercaseUUID()),
				},
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "Only instances in this state: one of `" + joinBackticks(instanceStateFilters) + "`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(instanceStateFilters...)},
			},
			"server_ids": schema.SetAttribute{
				MarkdownDescription: "Only instances on these physical servers (lower-case UUIDs). Conflicts with `ids`.",
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(validate.LowercaseUUID()),
				},
			},
			"instance_ids": schema.ListAttribute{
				MarkdownDescription: "IDs of the instances found, in the order the API lists them (the `ids` filter may name instances that do not exist).",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"instances": instanceSummariesAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": dataSourceTimeoutsBlock(ctx, "listing every page"),
		},
	}
}

func (d *instancesDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.Conflicting(path.MatchRoot("ids"), path.MatchRoot("server_ids")),
	}
}

func (d *instancesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *instancesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.data.ready(&resp.Diagnostics, "read data source clouddc_instances") {
		return
	}
	var m instancesDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := readContext(ctx, m.Timeouts, &resp.Diagnostics)
	defer cancel()
	q := clouddc.ListInstancesRequest{InstanceState: m.State.ValueString(), Limit: instancesPageSize}
	if !m.IDsFilter.IsNull() {
		resp.Diagnostics.Append(m.IDsFilter.ElementsAs(ctx, &q.InstanceIDs, false)...)
	}
	if !m.ServerIDsFilter.IsNull() {
		resp.Diagnostics.Append(m.ServerIDsFilter.ElementsAs(ctx, &q.ServerIDs, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	var listed []clouddc.Instance
	for in, err := range d.data.client.AllInstances(ctx, q) {
		if err != nil {
			resp.Diagnostics.AddError("Cannot list instances", err.Error())
			return
		}
		listed = append(listed, in)
	}
	state, diags := m.state(ctx, listed)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// instanceSummariesAttribute is the computed instances of the clouddc_instances
// data source.
func instanceSummariesAttribute() schema.Attribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: "The instances found.",
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"id":              dsAttr("Instance ID."),
				"name":            dsAttr("Host name."),
				"state":           dsAttr("Instance state, e.g. `running`."),
				"operation_state": dsAttr("State of the last operation, e.g. `install-succeed`."),
				"server_id":       dsAttr("Physical server hosting the instance."),
				"vpc_id":          dsAttr("VPC of the instance."),
				"image_id":        dsAttr("Installed image ID."),
				"image_name":      dsAttr("Installed image name."),
				"description":     dsAttr("Description."),
				"network_interfaces": schema.ListNestedAttribute{
					MarkdownDescription: "Network interfaces; the first is the primary.",
					Computed:            true,
					NestedObject: schema.NestedAttributeObject{
						Attributes: map[string]schema.Attribute{
							"subnet_id":    dsAttr("Subnet ID."),
							"ipv4_address": dsAttr("Private IPv4 address."),
						},
					},
				},
				"metadata": schema.MapAttribute{
					MarkdownDescription: "Metadata key/value pairs.",
					ElementType:         types.StringType,
					Computed:            true,
				},
				"created_at":  dsAttr("Creation time."),
				"updated_at":  dsAttr("Last update time."),
				"launched_at": dsAttr("When the instance last finished provisioning."),
			},
		},
	}
}

// joinBackticks joins values as "a`, `b`, `c" for Markdown lists.
func joinBackticks(values []string) string {
	out := ""
	for i, v := range values {
		if i > 0 {
			out += "`, `"
		}
		out += v
	}
	return out
}
