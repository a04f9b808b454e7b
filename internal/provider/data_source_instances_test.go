// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
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
