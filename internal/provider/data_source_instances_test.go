// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"maps"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

func TestAccDataSourceInstances(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	ids := testAccCreateInstances(t, srv, 25) // More than one page of the API's default size (10).

	got, err := testAccEngine(t, srv).GetInstances(t.Context(), ids[:1])
	if err != nil || got[ids[0]].ServerID == "" {
		t.Fatalf("looking up the first seeded instance: %v %v", got, err)
	}
	serverID := got[ids[0]].ServerID

	config := testAccProviderConfig(srv) + fmt.Sprintf(`
data "clouddc_instances" "all" {}

data "clouddc_instances" "by_id" {
  ids = [%q, %q]
}

data "clouddc_instances" "by_server" {
  server_ids = [%q]
}

data "clouddc_instances" "stopped" {
  state = "stopped"
}
`, ids[0], ids[1], serverID)

	all := "data.clouddc_instances.all"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Failing steps first: the final destroy runs with the last step's configuration.
		Steps: []resource.TestStep{
			{
				Config:      testAccProviderConfig(srv) + `data "clouddc_instances" "bad" { ids = ["NOT-A-UUID"] }`,
				ExpectError: regexpMust(`"NOT-A-UUID" is not a lower-case UUID`),
			},
			{
				Config: testAccProviderConfig(srv) + fmt.Sprintf(`data "clouddc_instances" "both" {
  ids        = [%q]
  server_ids = [%q]
}`, ids[0], serverID),
				ExpectError: regexpMust(`(?s)Invalid Attribute Combination.*ids.*server_ids`),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(all, tfjsonpath.New("instance_ids"), knownvalue.ListSizeExact(25)),
					statecheck.ExpectKnownValue(all, tfjsonpath.New("instances"), knownvalue.ListSizeExact(25)),
					statecheck.ExpectKnownValue("data.clouddc_instances.by_id", tfjsonpath.New("instances"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.clouddc_instances.by_id", tfjsonpath.New("instance_ids"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(ids[0]), knownvalue.StringExact(ids[1])})),
					statecheck.ExpectKnownValue("data.clouddc_instances.by_server", tfjsonpath.New("instances"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id":        knownvalue.StringExact(ids[0]),
							"server_id": knownvalue.StringExact(serverID),
							"state":     knownvalue.StringExact(clouddc.StateRunning),
							"vpc_id":    knownvalue.StringExact(testAccVpcID),
							"image_id":  knownvalue.StringExact(testAccImageID),
							"name":      knownvalue.NotNull(),
							"network_interfaces": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
								"subnet_id": knownvalue.StringExact(testAccSubnetID),
							})}),
						})})),
					statecheck.ExpectKnownValue("data.clouddc_instances.stopped", tfjsonpath.New("instances"), knownvalue.ListSizeExact(0)),
				},
			},
		},
	})
}

func TestInstanceSummaryTypeMatchesSchema(t *testing.T) {
	want := types.ListType{ElemType: instanceSummaryType}
	if got := instanceSummariesAttribute().GetType(); !got.Equal(want) {
		t.Fatalf("schema type of instances is\n%s\nbut instanceSummaryType makes\n%s", got, want)
	}
}

// reflectedInstancesModel is how the data source's state was built before
// it was built as a tftypes.Value: Go structs that State.Set reflects over.
// TestInstancesDataModelState holds the new state to it, value for value.
type reflectedInstancesModel struct {
	IDsFilter       types.Set               `tfsdk:"ids"`
	State           types.String            `tfsdk:"state"`
	ServerIDsFilter types.Set               `tfsdk:"server_ids"`
	Instances       []reflectedInstanceData `tfsdk:"instances"`
	InstanceIDs     []string                `tfsdk:"instance_ids"`
	Timeouts        timeouts.Value          `tfsdk:"timeouts"`
}

type reflectedInstanceData struct {
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

// instancesDataSourceSchema is the schema of clouddc_instances.
func instancesDataSourceSchema(t *testing.T) schema.Schema {
	t.Helper()
	var resp datasource.SchemaResponse
	NewInstancesDataSource().Schema(t.Context(), datasource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	return resp.Schema
}

// instancesConfig decodes a configuration of clouddc_instances with the
// arguments in args (the rest null), as Read does.
func instancesConfig(t *testing.T, s schema.Schema, args map[string]tftypes.Value) instancesDataModel {
	t.Helper()
	typ, ok := s.Type().TerraformType(t.Context()).(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %s is not an object", s.Type())
	}
	attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
	}
	maps.Copy(attrs, args)
	var m instancesDataModel
	cfg := tfsdk.Config{Schema: s, Raw: tftypes.NewValue(typ, attrs)}
	if diags := cfg.Get(t.Context(), &m); diags.HasError() {
		t.Fatalf("config: %v", diags)
	}
	return m
}

func TestInstancesDataModelState(t *testing.T) {
	full := clouddc.Instance{
		ID: "0f6f1e8e-8c5a-4f7e-9b7a-3d2c1b0a9f8e", Name: "web-1", VpcID: testAccVpcID,
		NetworkInterfaces: []clouddc.NetworkInterface{
			{SubnetID: testAccSubnetID, IPv4Address: "10.0.0.5"},
			{SubnetID: testAccSubnetID2, IPv4Address: "10.0.1.5"},
		},
		Image:       &clouddc.Image{ID: testAccImageID, Name: "ubuntu-24.04"},
		Description: "front end", State: clouddc.StateRunning, OperationState: "install-succeed",
		Metadata:  map[string]string{"team": "web", "tier": "front"},
		ServerID:  "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
		CreatedAt: "2025-01-02T03:04:05Z", UpdatedAt: "2025-01-02T03:05:05Z", LaunchedAt: "2025-01-02T03:05:00Z",
	}
	// Only what a listing must carry: no image, interfaces or metadata.
	bare := clouddc.Instance{ID: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", State: clouddc.StatePending}
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	ids := tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str(full.ID), str(bare.ID)})

	tests := []struct {
		name   string
		args   map[string]tftypes.Value
		listed []clouddc.Instance
	}{
		{"nothing listed", nil, nil},
		{"one full instance", nil, []clouddc.Instance{full}},
		{"a bare instance", nil, []clouddc.Instance{bare}},
		{"in API order, filters kept", map[string]tftypes.Value{"ids": ids, "state": str("running")},
			[]clouddc.Instance{bare, full}},
	}
	s := instancesDataSourceSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := instancesConfig(t, s, tt.args)
			v, diags := m.state(t.Context(), tt.listed)
			if diags.HasError() {
				t.Fatalf("state: %v", diags)
			}
			got := tfsdk.State{Schema: s}
			if diags := got.Set(t.Context(), v); diags.HasError() {
				t.Fatalf("the state does not fit the schema: %v", diags)
			}

			ref := reflectedInstancesModel{
				IDsFilter: m.IDsFilter, State: m.State, ServerIDsFilter: m.ServerIDsFilter, Timeouts: m.Timeouts,
				Instances: []reflectedInstanceData{}, InstanceIDs: []string{},
			}
			for _, in := range tt.listed {
				r := reflectedInstanceData{
					ID: in.ID, Name: in.Name, State: in.State, OperationState: in.OperationState,
					ServerID: in.ServerID, VpcID: in.VpcID, Description: in.Description,
					NetworkInterfaces: []networkInterfaceModel{}, Metadata: map[string]string{},
					CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, LaunchedAt: in.LaunchedAt,
				}
				if in.Image != nil {
					r.ImageID, r.ImageName = in.Image.ID, in.Image.Name
				}
				for _, n := range in.NetworkInterfaces {
					r.NetworkInterfaces = append(r.NetworkInterfaces, networkInterfaceModel{
						SubnetID: types.StringValue(n.SubnetID), IPv4Address: types.StringValue(n.IPv4Address),
					})
				}
				maps.Copy(r.Metadata, in.Metadata)
				ref.Instances = append(ref.Instances, r)
				ref.InstanceIDs = append(ref.InstanceIDs, in.ID)
			}
			want := tfsdk.State{Schema: s}
			if diags := want.Set(t.Context(), &ref); diags.HasError() {
				t.Fatalf("reference state: %v", diags)
			}
			if !got.Raw.Equal(want.Raw) {
				t.Fatalf("state\n%s\nwant (as built by reflection)\n%s", got.Raw, want.Raw)
			}

			var listed []string
			if diags := got.GetAttribute(t.Context(), path.Root("instance_ids"), &listed); diags.HasError() {
				t.Fatalf("instance_ids: %v", diags)
			}
			if len(listed) != len(tt.listed) {
				t.Fatalf("instance_ids %q, want %d IDs", listed, len(tt.listed))
			}
			for i, in := range tt.listed {
				if listed[i] != in.ID {
					t.Errorf("instance_ids[%d] = %s, want %s (API order)", i, listed[i], in.ID)
				}
			}
		})
	}
}

// TestInstancesDataSourceReadPages reads clouddc_instances through the
// protocol server and checks that it asks for the largest pages the API
// serves: 2,500 instances are three ListInstances requests, not 250.
func TestInstancesDataSourceReadPages(t *testing.T) {
	const n = 2500
	srv := newAccEmulator(t, emulator.Config{Servers: n})
	seedInstancesRPC(t, srv, n)
	server, typ := instancesRPCServer(t, srv)
	before := srv.Emulator.Stats().Requests["ListInstances"]
	resp, err := server.ReadDataSource(t.Context(), &tfprotov6.ReadDataSourceRequest{
		TypeName: "clouddc_instances",
		Config:   encodeRPC(t, typ, nil),
	})
	if err != nil {
		t.Fatalf("ReadDataSource: %v", err)
	}
	if text := errorText(resp.Diagnostics); text != "" {
		t.Fatalf("ReadDataSource:\n%s", text)
	}
	if got := listedInstancesRPC(t, typ, resp.State); got != n {
		t.Fatalf("the data source lists %d instances, want %d", got, n)
	}
	if got := srv.Emulator.Stats().Requests["ListInstances"] - before; got != 3 {
		t.Fatalf("reading %d instances took %d ListInstances requests, want 3 pages of %d", n, got, instancesPageSize)
	}
}
