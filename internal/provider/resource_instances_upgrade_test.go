// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestFleetUpgradeFromV0 upgrades version 0 states of clouddc_instances
// through the provider's protocol server, as Terraform does: every instance
// either of version 0's lists named stays, and every other attribute is
// kept as it was. (internal/e2e/upgrade_test.go runs the same upgrade with
// the real CLI, on a state written by the version 0 provider.)
func TestFleetUpgradeFromV0(t *testing.T) {
	const a, b, c = "0198170e-0000-7000-8000-00000000000a", "0198170e-0000-7000-8000-00000000000b", "0198170e-0000-7000-8000-00000000000c"
	inst := func(id, state string) map[string]any {
		return map[string]any{"id": id, "name": "web-0001", "server_id": "0195d93b-bdf0-78ec-8557-de0040bcfda1", "state": state}
	}
	cases := []struct {
		name      string
		ids       any // the ids list of version 0 (nil: null)
		instances any // its instances list
		want      map[string]string
	}{
		{"both lists agree", []string{a, b}, []any{inst(a, "running"), inst(b, "error")}, map[string]string{a: "running", b: "error"}},
		{"an ID only in ids, its state unknown until the next refresh", []string{a, b}, []any{inst(a, "running")}, map[string]string{a: "running", b: ""}},
		{"an instance only in instances is kept", []string{a}, []any{inst(a, "running"), inst(c, "stopped")}, map[string]string{a: "running", c: "stopped"}},
		{"instances null", []string{a, c}, nil, map[string]string{a: "", c: ""}},
		{"both null", nil, nil, map[string]string{}},
		{"an element without an ID is no instance", []string{a}, []any{inst(a, "running"), inst("", "running")}, map[string]string{a: "running"}},
	}
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	var r fleetResource
	var sch resource.SchemaResponse
	r.Schema(t.Context(), resource.SchemaRequest{}, &sch)
	stateType := sch.Schema.Type().TerraformType(t.Context())

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(map[string]any{
				"id": "2aee3053566abbe7e978f42cba5b70ff", "name": "web", "image_id": "0198170e-0000-7000-8000-000000000001",
				"vpc_id": "vpc-1", "network_interfaces": []any{map[string]any{"subnet_id": "subnet-1"}},
				"description": "front", "metadata": map[string]string{"role": "web"}, "password": "Old-Passw0rd",
				"password_wo": nil, "password_wo_version": nil, "instance_count": 2, "min_count": nil, "server_ids": nil,
				"ids": tc.ids, "instances": tc.instances, "timeouts": nil,
			})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := server.UpgradeResourceState(t.Context(), &tfprotov6.UpgradeResourceStateRequest{
				TypeName: "clouddc_instances", Version: 0, RawState: &tfprotov6.RawState{JSON: raw},
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range resp.Diagnostics {
				t.Fatalf("upgrade: %s: %s", d.Summary, d.Detail)
			}
			val, err := resp.UpgradedState.Unmarshal(stateType)
			if err != nil {
				t.Fatal(err)
			}
			var attrs map[string]tftypes.Value
			if err := val.As(&attrs); err != nil {
				t.Fatal(err)
			}
			var elems map[string]tftypes.Value
			if err := attrs["instances"].As(&elems); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for id, v := range elems {
				var s string
				if err := v.As(&s); err != nil {
					t.Fatal(err)
				}
				got[id] = s
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("instances = %v, want %v", got, tc.want)
			}
			for name, want := range map[string]string{"name": "web", "password": "Old-Passw0rd", "description": "front", "vpc_id": "vpc-1"} {
				var s string
				if err := attrs[name].As(&s); err != nil || s != want {
					t.Errorf("%s = %q (%v), want %q kept", name, s, err, want)
				}
			}
			var nics []tftypes.Value
			if err := attrs["network_interfaces"].As(&nics); err != nil || len(nics) != 1 {
				t.Errorf("network_interfaces = %v (%v), want the one NIC kept", nics, err)
			}
		})
	}
}
