// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// The Terraform model of clouddc_instances_batch_delete and its conversions
// from the API.

// instancesBatchDeleteModel is the state of a clouddc_instances_batch_delete.
type instancesBatchDeleteModel struct {
	ID           types.String   `tfsdk:"id"`
	InstanceIDs  types.Set      `tfsdk:"instance_ids"`
	RemainingIDs types.Set      `tfsdk:"remaining_ids"`
	States       types.Map      `tfsdk:"states"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

// trackedIDs returns the IDs that may still exist: remaining_ids when it is
// known, else instance_ids (a state written before remaining_ids existed).
func (m *instancesBatchDeleteModel) trackedIDs(ctx context.Context, diags *diag.Diagnostics) []string {
	if !m.RemainingIDs.IsNull() && !m.RemainingIDs.IsUnknown() {
		return stringsFrom(ctx, m.RemainingIDs, diags)
	}
	return stringsFrom(ctx, m.InstanceIDs, diags)
}

// setExisting fills remaining_ids and states from the instances of ids that
// exist.
func (m *instancesBatchDeleteModel) setExisting(ids []string, existing map[string]clouddc.Instance) {
	remaining := make([]string, 0, len(existing))
	states := make(map[string]attr.Value, len(existing))
	for _, id := range ids {
		if inst, ok := existing[id]; ok {
			remaining = append(remaining, id)
			states[id] = types.StringValue(inst.State)
		}
	}
	m.RemainingIDs = stringSetValue(remaining)
	m.States = types.MapValueMust(types.StringType, states)
}

// keepRemaining sets remaining_ids and states to exactly the instances a
// delete did not finish, each with its last known state, so that the next
// destroy resumes with them; instance_ids stays as configured.
func (m *instancesBatchDeleteModel) keepRemaining(remaining []lifecycle.InstanceResult) {
	ids := make([]string, 0, len(remaining))
	states := make(map[string]attr.Value, len(remaining))
	for _, res := range remaining {
		ids = append(ids, res.ID)
		states[res.ID] = types.StringValue(res.State)
	}
	m.RemainingIDs = stringSetValue(ids)
	m.States = types.MapValueMust(types.StringType, states)
}

// fromImport flattens the instances of an import (ids, every one existing).
func (m *instancesBatchDeleteModel) fromImport(ids []string, existing map[string]clouddc.Instance) {
	m.ID = types.StringValue(instanceSetID(ids))
	m.InstanceIDs = stringSetValue(ids)
	m.setExisting(ids, existing)
}

// importedAttributes are the attributes an import sets from fromImport;
// timeouts stays null like an unset block.
func (m *instancesBatchDeleteModel) importedAttributes() []stateAttribute {
	return []stateAttribute{{"id", m.ID}, {"instance_ids", m.InstanceIDs}, {"remaining_ids", m.RemainingIDs}, {"states", m.States}}
}
