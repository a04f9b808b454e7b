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

type serversDataModel struct {
	ManageState types.String `tfsdk:"manage_state"`
	Servers     []serverData `tfsdk:"servers"`
	IDs         []string     `tfsdk:"ids"`
}

type serverData struct {
	ID             string        `tfsdk:"id"`
	Name           string        `tfsdk:"name"`
	ManageState    string        `tfsdk:"manage_state"`
	PowerState     string        `tfsdk:"power_state"`
	OperationState string        `tfsdk:"operation_state"`
	HealthState    string        `tfsdk:"health_state"`
	Location       *locationData `tfsdk:"location"`
}

type locationData struct {
	DC   string `tfsdk:"dc"`
	Rack string `tfsdk:"rack"`
	Unit string `tfsdk:"unit"`
}

var manageStates = []string{
	clouddc.ManageStateOnboard, clouddc.ManageStateReady, clouddc.ManageStateInUse,
	clouddc.ManageStateFrozen, clouddc.ManageStateOffboarding,
}

func (d *serversDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_servers"
}

func (d *serversDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	const desc = "Lists the project's physical (iMetal) servers, every page of ListServers, optionally only " +
		"those in one management state (e.g. `ready` servers, which can take a new instance)."
	resp.Schema = schema.Schema{
		Description:         desc,
		MarkdownDescription: desc,
		Attributes: map[string]schema.Attribute{
			"manage_state": schema.StringAttribute{
				Description:         "Only servers in this management state.",
				MarkdownDescription: "Only servers in this management state: one of `" + joinBackticks(manageStates) + "`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(manageStates...)},
			},
			"ids": schema.ListAttribute{
				Description:         "IDs of the servers found, in the order the API lists them.",
				MarkdownDescription: "IDs of the servers found, in the order the API lists them.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"servers": schema.ListNestedAttribute{
				Description:         "The servers found.",
				MarkdownDescription: "The servers found.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":              dsAttr("Server ID."),
						"name":            dsAttr("Server name (used as the host name of an instance created on it)."),
						"manage_state":    dsAttr("Management state: `onboard`, `ready`, `in-use`, `frozen` or `offboarding`."),
						"power_state":     dsAttr("Power state: `on`, `off`, `powering-on`, `powering-off` or `rebooting`."),
						"operation_state": dsAttr("State of the last power operation, e.g. `power-on-succeed`."),
						"health_state":    dsAttr("Health: `OK`, `Warning`, `Critical` or `Unknown`."),
						"location": schema.SingleNestedAttribute{
							Description:         "Where the server is racked.",
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
	}
}

func (d *serversDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *serversDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The clouddc provider has no API client yet.")
		return
	}
	var m serversDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Servers = []serverData{}
	m.IDs = []string{}
	q := clouddc.ListServersRequest{ManageState: m.ManageState.ValueString()}
	for s, err := range d.data.client.AllServers(ctx, q) {
		if err != nil {
			resp.Diagnostics.AddError("Cannot list servers", err.Error())
			return
		}
		sd := serverData{
			ID:             s.ID,
			Name:           s.Name,
			ManageState:    s.ManageState,
			PowerState:     s.PowerState,
			OperationState: s.OperationState,
			HealthState:    s.HealthState,
		}
		if s.Location != nil {
			sd.Location = &locationData{DC: s.Location.DC, Rack: s.Location.Rack, Unit: s.Location.Unit}
		}
		m.Servers = append(m.Servers, sd)
		m.IDs = append(m.IDs, s.ID)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
