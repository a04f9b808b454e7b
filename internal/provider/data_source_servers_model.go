// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// The Terraform model of the clouddc_servers data source and its flatten
// from the API.

// serversDataModel is the clouddc_servers data source.
type serversDataModel struct {
	ManageState types.String   `tfsdk:"manage_state"`
	Servers     []serverData   `tfsdk:"servers"`
	IDs         []string       `tfsdk:"ids"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

// serverData is one element of servers.
type serverData struct {
	ID             string        `tfsdk:"id"`
	Name           string        `tfsdk:"name"`
	ManageState    string        `tfsdk:"manage_state"`
	FrozenState    types.Int64   `tfsdk:"frozen_state"`
	Frozen         bool          `tfsdk:"frozen"`
	PowerState     string        `tfsdk:"power_state"`
	OperationState string        `tfsdk:"operation_state"`
	HealthState    string        `tfsdk:"health_state"`
	Location       *locationData `tfsdk:"location"`
}

// locationData is where a server is racked.
type locationData struct {
	DC   string `tfsdk:"dc"`
	Rack string `tfsdk:"rack"`
	Unit string `tfsdk:"unit"`
}

// serverSummary is the data-source view of a physical server.
func serverSummary(s clouddc.PhysicalServer) serverData {
	sd := serverData{
		ID:             s.ID,
		Name:           s.Name,
		ManageState:    s.ManageState,
		FrozenState:    int64Ptr(s.FrozenState),
		Frozen:         s.Frozen(),
		PowerState:     s.PowerState,
		OperationState: s.OperationState,
		HealthState:    s.HealthState,
	}
	if s.Location != nil {
		sd.Location = &locationData{DC: s.Location.DC, Rack: s.Location.Rack, Unit: s.Location.Unit}
	}
	return sd
}

// int64Ptr is the Terraform value of an optional API integer.
func int64Ptr(v *int) types.Int64 {
	if v == nil {
		return types.Int64Null()
	}
	return types.Int64Value(int64(*v))
}
