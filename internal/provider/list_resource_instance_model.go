// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// instanceListModel is the config block of a clouddc_instance list block.
type instanceListModel struct {
	IDs        types.List   `tfsdk:"ids"`
	State      types.String `tfsdk:"state"`
	ServerIDs  types.List   `tfsdk:"server_ids"`
	NamePrefix types.String `tfsdk:"name_prefix"`
}

// query turns the filters into a ListInstances query (IDs sorted and
// deduplicated; AllInstances splits them 100 at a time) and the client-side
// name prefix.
func (m instanceListModel) query(ctx context.Context) (clouddc.ListInstancesRequest, string, diag.Diagnostics) {
	var diags diag.Diagnostics
	q := clouddc.ListInstancesRequest{
		InstanceState: m.State.ValueString(),
		Limit:         instanceListPageSize,
	}
	ids := func(l types.List) []string {
		if l.IsNull() || l.IsUnknown() {
			return nil
		}
		var out []string
		diags.Append(l.ElementsAs(ctx, &out, false)...)
		slices.Sort(out)
		return slices.Compact(out)
	}
	q.InstanceIDs = ids(m.IDs)
	q.ServerIDs = ids(m.ServerIDs)
	return q, m.NamePrefix.ValueString(), diags
}

// nullTimeouts is a null timeouts value of the type that schema s gives its
// timeouts block (what state holds when no timeouts are configured).
func nullTimeouts(ctx context.Context, s interface {
	TypeAtPath(context.Context, path.Path) (attr.Type, diag.Diagnostics)
}, diags *diag.Diagnostics) timeouts.Value {
	t, d := s.TypeAtPath(ctx, path.Root("timeouts"))
	diags.Append(d...)
	ot, ok := t.(attr.TypeWithAttributeTypes)
	if !ok {
		diags.AddError("Unexpected resource schema",
			fmt.Sprintf("clouddc_instance timeouts has type %T, not an object. This is a bug in the provider.", t))
		return timeouts.Value{}
	}
	return timeouts.Value{Object: types.ObjectNull(ot.AttributeTypes())}
}

// importedInstanceModel is the state of in as Read stores it right after an
// import (everything the configuration alone would hold is null), which is
// what the list resource returns with include_resource: generated
// configuration then plans no change.
func importedInstanceModel(ctx context.Context, in clouddc.Instance, timeoutsValue timeouts.Value, diags *diag.Diagnostics) instanceModel {
	m := instanceModel{
		NetworkInterfaces: types.ListNull(networkInterfaceType),
		Metadata:          types.MapNull(types.StringType),
		Timeouts:          timeoutsValue,
	}
	m.fromInstance(ctx, in, diags)
	return m
}
