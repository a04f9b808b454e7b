// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*serverStatusDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*serverStatusDataSource)(nil)
)

// NewServerStatusDataSource returns the clouddc_server_status data source.
func NewServerStatusDataSource() datasource.DataSource {
	return &serverStatusDataSource{}
}

// serverStatusDataSource counts the project's physical servers with one
// ShowServerStatus call.
type serverStatusDataSource struct {
	data *providerData
}

func (d *serverStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_status"
}

// countAttr is a computed count.
func countAttr(text string) schema.Int64Attribute {
	return schema.Int64Attribute{Computed: true, Description: text, MarkdownDescription: text}
}

// healthCountAttrs are the attributes of a set of health counts (of the
// project, or of one equipment room); the API's names are in brackets.
func healthCountAttrs() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"total":     countAttr("All servers (`total`)."),
		"ok":        countAttr("Servers with health `OK` (`ok`)."),
		"warning":   countAttr("Servers with health `Warning` (`warning`)."),
		"critical":  countAttr("Servers with health `Critical` (`critical`)."),
		"unknown":   countAttr("Servers whose health is `Unknown` (`unknown`)."),
		"healthy":   countAttr("Servers counted healthy (`health`)."),
		"unhealthy": countAttr("Servers counted unhealthy (`unHealth`; `unhealth` on deployments older than SDK 0.1.192)."),
		"isolated":  countAttr("Servers isolated from use (`isolation`)."),
	}
}

func (d *serverStatusDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	const desc = "Counts the project's physical (iMetal) servers by health, power and management state with one " +
		"ShowServerStatus call: a cheap way, whatever the size of the fleet, to check capacity or health " +
		"(in a `check` block or a precondition) without listing every server with `clouddc_servers`. " +
		"Counts the API does not report are null."
	resp.Schema = schema.Schema{
		MarkdownDescription: desc,
		Attributes: map[string]schema.Attribute{
			"health": schema.SingleNestedAttribute{
				MarkdownDescription: "The project's servers counted by health (the API's `server_status`; its names in brackets).",
				Computed:            true,
				Attributes:          healthCountAttrs(),
			},
			"health_by_dc": schema.MapNestedAttribute{
				MarkdownDescription: "The same counts per equipment room (IDC), keyed by its name as in a server's " +
					"`location.dc` (the API's `dc_stats` of each count).",
				Computed:     true,
				NestedObject: schema.NestedAttributeObject{Attributes: healthCountAttrs()},
			},
			"power": schema.SingleNestedAttribute{
				MarkdownDescription: "The project's servers counted by power state (the API's `server_power_status`).",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"on":      countAttr("Servers powered on."),
					"off":     countAttr("Servers powered off."),
					"unknown": countAttr("Servers whose power state is unknown."),
				},
			},
			"manage_state": schema.MapAttribute{
				MarkdownDescription: "Servers per management state (`onboard`, `os-ready`, `ready`, `in-use`, `maintain`, " +
					"`offboarding`), the API's `server_manage_state`; null on deployments older than SDK 0.1.190. " +
					"Frozen servers are counted under their management state.",
				ElementType: types.Int64Type,
				Computed:    true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": dataSourceTimeoutsBlock(ctx, "counting the servers"),
		},
	}
}

func (d *serverStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *serverStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.data.ready(&resp.Diagnostics, "read data source clouddc_server_status") {
		return
	}
	var cfg serverStatusDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := readContext(ctx, cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	st, err := d.data.client.ShowServerStatus(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Cannot count servers", err.Error())
		return
	}
	m := flattenServerStatus(st)
	m.Timeouts = cfg.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
