// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

func nic(subnet string, ip types.String) networkInterfaceModel {
	return networkInterfaceModel{SubnetID: types.StringValue(subnet), IPv4Address: ip}
}

func TestIPChanged(t *testing.T) {
	t.Parallel()
	ip := types.StringValue
	tests := []struct {
		name        string
		plan, state []networkInterfaceModel
		want        bool
	}{
		{"same", []networkInterfaceModel{nic("s", ip("10.0.0.1"))}, []networkInterfaceModel{nic("s", ip("10.0.0.1"))}, false},
		{"changed", []networkInterfaceModel{nic("s", ip("10.0.0.2"))}, []networkInterfaceModel{nic("s", ip("10.0.0.1"))}, true},
		{"second nic changed",
			[]networkInterfaceModel{nic("a", ip("10.0.0.1")), nic("b", ip("10.0.1.9"))},
			[]networkInterfaceModel{nic("a", ip("10.0.0.1")), nic("b", ip("10.0.1.1"))}, true},
		{"unset in config is not a change", []networkInterfaceModel{nic("s", types.StringUnknown())},
			[]networkInterfaceModel{nic("s", ip("10.0.0.1"))}, false},
		{"null is not a change", []networkInterfaceModel{nic("s", types.StringNull())},
			[]networkInterfaceModel{nic("s", ip("10.0.0.1"))}, false},
		{"added nic replaces, not an IP change",
			[]networkInterfaceModel{nic("a", ip("10.0.0.1")), nic("b", ip("10.0.1.1"))},
			[]networkInterfaceModel{nic("a", ip("10.0.0.1"))}, false},
	}
	for _, tt := range tests {
		if got := ipChanged(tt.plan, tt.state); got != tt.want {
			t.Errorf("%s: ipChanged = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInstanceModelFromInstance(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	in := clouddc.Instance{
		ID: "0198170e-4ca7-7ee4-89a7-fa631843920b", Name: "bm-01", VpcID: "vpc",
		NetworkInterfaces: []clouddc.NetworkInterface{{SubnetID: "sub", IPv4Address: "10.0.0.5"}},
		Image:             &clouddc.Image{ID: "img", Name: "image-img"},
		State:             "running", OperationState: "install-succeed", ServerID: "srv",
		CreatedAt: "2026-01-01T00:00:00Z", LaunchedAt: "2026-01-01T00:01:00Z",
	}

	t.Run("keeps config-only values and null metadata", func(t *testing.T) {
		t.Parallel()
		m := instanceModel{
			Password:          types.StringValue("Passw0rd!x"),
			PasswordWO:        types.StringNull(),
			PasswordWOVersion: types.Int64Null(),
			Metadata:          types.MapNull(types.StringType),
			NetworkInterfaces: types.ListNull(networkInterfaceType),
		}
		var diags diag.Diagnostics
		m.fromInstance(ctx, in, &diags)
		if diags.HasError() {
			t.Fatal(diags)
		}
		if m.ID.ValueString() != in.ID || m.ImageID.ValueString() != "img" || m.ImageName.ValueString() != "image-img" ||
			m.State.ValueString() != "running" || m.ServerID.ValueString() != "srv" || m.LaunchedAt.ValueString() != in.LaunchedAt {
			t.Errorf("model = %+v", m)
		}
		if m.Password.ValueString() != "Passw0rd!x" {
			t.Error("the password must survive a read (the API never returns it)")
		}
		if !m.Metadata.IsNull() {
			t.Errorf("no metadata from the API and none configured must stay null, got %v", m.Metadata)
		}
		nics := m.nics(ctx, &diags)
		if len(nics) != 1 || nics[0].IPv4Address.ValueString() != "10.0.0.5" {
			t.Errorf("nics = %+v", nics)
		}
	})

	t.Run("empty configured metadata stays empty", func(t *testing.T) {
		t.Parallel()
		m := instanceModel{Metadata: types.MapValueMust(types.StringType, map[string]attr.Value{})}
		var diags diag.Diagnostics
		m.fromInstance(ctx, in, &diags)
		if m.Metadata.IsNull() || len(m.Metadata.Elements()) != 0 {
			t.Errorf("metadata = %v, want {}", m.Metadata)
		}
	})

	t.Run("missing NICs in the answer keep the known ones", func(t *testing.T) {
		t.Parallel()
		known := types.ListValueMust(networkInterfaceType, []attr.Value{types.ObjectValueMust(networkInterfaceType.AttrTypes,
			map[string]attr.Value{"subnet_id": types.StringValue("sub"), "ipv4_address": types.StringUnknown()})})
		m := instanceModel{NetworkInterfaces: known, Metadata: types.MapNull(types.StringType)}
		noNICs := in
		noNICs.NetworkInterfaces = nil
		var diags diag.Diagnostics
		m.fromInstance(ctx, noNICs, &diags)
		nics := m.nics(ctx, &diags)
		if len(nics) != 1 || nics[0].SubnetID.ValueString() != "sub" || !nics[0].IPv4Address.IsNull() {
			t.Errorf("nics = %+v (unknown IPs must become null, never stay unknown in state)", nics)
		}
	})
}

func TestNullUnknowns(t *testing.T) {
	t.Parallel()
	m := instanceModel{
		ID: types.StringValue("id"), State: types.StringUnknown(), ServerID: types.StringUnknown(),
		CreatedAt: types.StringUnknown(), NetworkInterfaces: types.ListUnknown(networkInterfaceType),
	}
	m.nullUnknowns()
	if m.ID.ValueString() != "id" {
		t.Error("known values must be kept")
	}
	for name, v := range map[string]attr.Value{"state": m.State, "server_id": m.ServerID, "created_at": m.CreatedAt,
		"network_interfaces": m.NetworkInterfaces} {
		if !v.IsNull() {
			t.Errorf("%s = %v, want null", name, v)
		}
	}
}
