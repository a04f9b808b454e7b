// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

var (
	_ datasource.DataSource              = (*serversDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*serversDataSource)(nil)
)

// NewServersDataSource returns the clouddc_servers data source.
func NewServersDataSource() datasource.DataSource {
	return &serversDataSource{}
}

// serversDataSource lists the project's physical servers with ListServers.
type serversDataSource struct {
	data *providerData
}

// manageStates are the values of the manage_state filter: the API's six
// and frozen, the manage state of a frozen server before SDK 0.1.190. The
// frozen filter is applied here, on every server listed, so that it finds
// frozen servers of both models.
var manageStates = []string{
	clouddc.ManageStateOnboard, clouddc.ManageStateOSReady, clouddc.ManageStateReady, clouddc.ManageStateInUse,
	clouddc.ManageStateMaintain, clouddc.ManageStateOffboarding, clouddc.ManageStateFrozen,
}

func (d *serversDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_servers"
}

func (d *serversDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	const desc = "Lists the project's physical (iMetal) servers, every page of ListServers, optionally only " +
		"those in one management state (e.g. `ready` servers, which can take a new instance unless they are frozen)."
	resp.Schema = schema.Schema{
		MarkdownDescription: desc,
		Attributes: map[string]schema.Attribute{
			"manage_state": schema.StringAttribute{
				MarkdownDescription: "Only servers in this management state: one of `" + joinBackticks(manageStates) + "`. " +
					"`frozen` lists the frozen servers, whatever their management state (a non-zero `frozen_state`, or " +
					"`manage_state` `frozen` on deployments older than SDK 0.1.190, 2026-03).",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(manageStates...)},
			},
			"ids": schema.ListAttribute{
				MarkdownDescription: "IDs of the servers found, in the order the API lists them.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"servers": schema.ListNestedAttribute{
				MarkdownDescription: "The servers found.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":   dsAttr("Server ID."),
						"name": dsAttr("Server name (used as the host name of an instance created on it)."),
						"manage_state": dsAttr("Management state: `onboard` or `os-ready` (being delivered), `ready` (can take an instance), " +
							"`in-use` (hosts one), `maintain` (faulty, under repair) or `offboarding`; `frozen` on older deployments."),
						"frozen_state": schema.Int64Attribute{
							Computed: true,
							MarkdownDescription: "Why the server is frozen, a bit mask: `0` not frozen, `1` by the police, `2` for a violation, " +
								"`4` for arrears (they combine, up to `7`). Null on deployments that do not report it.",
						},
						"frozen": schema.BoolAttribute{
							Computed:            true,
							MarkdownDescription: "Whether the server is frozen: a non-zero `frozen_state`, or `manage_state` `frozen` on older deployments.",
						},
						"power_state": dsAttr("Power state: `on` or `off` (older deployments also report `powering-on`, " +
							"`powering-off` and `rebooting` while a change is in progress)."),
						"operation_state": dsAttr("How the last power change is doing or how it ended: `power-on-`, `power-off-` or " +
							"`reboot-` followed by `processing`, `succeed` or `failed`, e.g. `power-off-processing`; empty when none was reported."),
						"health_state": dsAttr("Health: `OK`, `Warning`, `Critical` or `Unknown`."),
						"location": schema.SingleNestedAttribute{
							MarkdownDescription: "Where the server is racked.",
							Computed:            true,
							Attributes: map[string]schema.Attribute{
								"dc":   dsAttr("Equipment room (IDC)."),
								"rack": dsAttr("Rack."),
								"unit": dsAttr("Rack unit."),
							},
						},
					},
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": dataSourceTimeoutsBlock(ctx, "listing every page"),
		},
	}
}

func (d *serversDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *serversDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.data.ready(&resp.Diagnostics, "read data source clouddc_servers") {
		return
	}
	var m serversDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := readContext(ctx, m.Timeouts, &resp.Diagnostics)
	defer cancel()
	m.Servers = []serverData{}
	m.IDs = []string{}
	filter := m.ManageState.ValueString()
	q := clouddc.ListServersRequest{ManageState: filter}
	if filter == clouddc.ManageStateFrozen {
		// Newer deployments have no frozen manage state: list every server
		// and keep the frozen ones of either model.
		q.ManageState = ""
	}
	for s, err := range d.data.client.AllServers(ctx, q) {
		if err != nil {
			resp.Diagnostics.AddError("Cannot list servers", err.Error())
			return
		}
		if filter == clouddc.ManageStateFrozen && !s.Frozen() {
			continue
		}
		m.Servers = append(m.Servers, serverSummary(s))
		m.IDs = append(m.IDs, s.ID)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
