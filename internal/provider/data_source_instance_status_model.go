// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// The Terraform model of the clouddc_instance_status data source and its
// flatten from the API.

// instanceStatusDataModel is the clouddc_instance_status data source.
type instanceStatusDataModel struct {
	ID             types.String     `tfsdk:"id"`
	State          types.String     `tfsdk:"state"`
	OperationState types.String     `tfsdk:"operation_state"`
	Error          *errorStatusData `tfsdk:"error"`
	Timeouts       timeouts.Value   `tfsdk:"timeouts"`
}

// errorStatusData is an instance's error status.
type errorStatusData struct {
	ErrorCode string `tfsdk:"error_code"`
	ErrorMsg  string `tfsdk:"error_msg"`
	ErrorType string `tfsdk:"error_type"`
}

// fromStatus copies a ShowInstanceStatus answer into m.
func (m *instanceStatusDataModel) fromStatus(st *clouddc.InstanceStatus) {
	m.State = types.StringValue(st.State)
	m.OperationState = types.StringValue(st.OperationState)
	m.Error = nil
	if st.Error != nil {
		m.Error = &errorStatusData{ErrorCode: st.Error.ErrorCode, ErrorMsg: st.Error.ErrorMsg, ErrorType: st.Error.ErrorType}
	}
}
