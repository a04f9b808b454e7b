// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// The Terraform model of the clouddc_instances data source and its flatten
// from the API.

// instancesDataModel is the clouddc_instances data source.
type instancesDataModel struct {
	IDsFilter       types.Set             `tfsdk:"ids"`
	State           types.String          `tfsdk:"state"`
	ServerIDsFilter types.Set             `tfsdk:"server_ids"`
	Instances       []instanceSummaryData `tfsdk:"instances"`
	InstanceIDs     []string              `tfsdk:"instance_ids"`
	Timeouts        timeouts.Value        `tfsdk:"timeouts"`
}

// instanceSummaryData is one element of instances.
type instanceSummaryData struct {
	ID                string                  `tfsdk:"id"`
	Name              string                  `tfsdk:"name"`
	State             string                  `tfsdk:"state"`
	OperationState    string                  `tfsdk:"operation_state"`
	ServerID          string                  `tfsdk:"server_id"`
	VpcID             string                  `tfsdk:"vpc_id"`
	ImageID           string                  `tfsdk:"image_id"`
	ImageName         string                  `tfsdk:"image_name"`
	Description       string                  `tfsdk:"description"`
	NetworkInterfaces []networkInterfaceModel `tfsdk:"network_interfaces"`
	Metadata          map[string]string       `tfsdk:"metadata"`
	CreatedAt         string                  `tfsdk:"created_at"`
	UpdatedAt         string                  `tfsdk:"updated_at"`
	LaunchedAt        string                  `tfsdk:"launched_at"`
}

// instanceSummary is the data-source view of an instance.
func instanceSummary(in clouddc.Instance) instanceSummaryData {
	s := instanceSummaryData{
		ID:                in.ID,
		Name:              in.Name,
		State:             in.State,
		OperationState:    in.OperationState,
		ServerID:          in.ServerID,
		VpcID:             in.VpcID,
		Description:       in.Description,
		NetworkInterfaces: []networkInterfaceModel{},
		Metadata:          in.Metadata,
		CreatedAt:         in.CreatedAt,
		UpdatedAt:         in.UpdatedAt,
		LaunchedAt:        in.LaunchedAt,
	}
	if s.Metadata == nil {
		s.Metadata = map[string]string{}
	}
	if in.Image != nil {
		s.ImageID = in.Image.ID
		s.ImageName = in.Image.Name
	}
	for _, n := range in.NetworkInterfaces {
		s.NetworkInterfaces = append(s.NetworkInterfaces, networkInterfaceModel{
			SubnetID:    types.StringValue(n.SubnetID),
			IPv4Address: types.StringValue(n.IPv4Address),
		})
	}
	return s
}
