// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

var (
	_ datasource.DataSource              = (*instanceStatusDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*instanceStatusDataSource)(nil)
)

// NewInstanceStatusDataSource returns the clouddc_instance_status data source.
func NewInstanceStatusDataSource() datasource.DataSource {
	return &instanceStatusDataSource{}
}

// instanceStatusDataSource reads one instance's status with ShowInstanceStatus.
type instanceStatusDataSource struct {
	data *providerData
}

func (d *instanceStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instance_status"
}

func (d *instanceStatusDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	const desc = "The status of one CloudDC instance (ShowInstanceStatus): its state, the state of its last " +
		"operation, and why it failed, if it did."
	resp.Schema = schema.Schema{
		MarkdownDescription: desc,
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Instance ID (a lower-case UUID).",
				Required:            true,
				Validators:          []validator.String{validate.LowercaseUUID()},
			},
			"state":           dsAttr("Instance state: `pending`, `running`, `stopped`, `shutting-down`, `terminated`, `error` (older API versions: also `failed` and others)."),
			"operation_state": dsAttr("State of the last operation, e.g. `install-succeed` or `uninstall-failed`."),
			"error": schema.SingleNestedAttribute{
				MarkdownDescription: "Why the last operation failed; null when it did not.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"error_code": dsAttr("Error code, e.g. `iMetal.0099`."),
					"error_msg":  dsAttr("Error message."),
					"error_type": dsAttr("Which operation failed, e.g. `delete_instance_error`."),
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": dataSourceTimeoutsBlock(ctx, "reading the status"),
		},
	}
}

func (d *instanceStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *instanceStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.data.ready(&resp.Diagnostics, "read data source clouddc_instance_status") {
		return
	}
	var m instanceStatusDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := readContext(ctx, m.Timeouts, &resp.Diagnostics)
	defer cancel()
	id := m.ID.ValueString()
	st, err := d.data.client.ShowInstanceStatus(ctx, id)
	if err != nil {
		if clouddc.InstanceNotFound(err, id) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Instance not found",
				fmt.Sprintf("No instance with ID %s exists in project %s: %s", id, d.data.projectID, err))
			return
		}
		resp.Diagnostics.AddError("Cannot read instance status", fmt.Sprintf("Instance %s: %s", id, err))
		return
	}
	m.fromStatus(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
