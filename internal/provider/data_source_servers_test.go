// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

func TestAccDataSourceServers(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{Servers: 23}) // More than two pages of 10.
	testAccCreateInstances(t, srv, 3)

	config := testAccProviderConfig(srv) + `
data "clouddc_servers" "all" {}

data "clouddc_servers" "ready" {
  manage_state = "ready"
}

data "clouddc_servers" "in_use" {
  manage_state = "in-use"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Failing steps first: the final destroy runs with the last step's configuration.
		Steps: []resource.TestStep{
			{
				Config:      testAccProviderConfig(srv) + `data "clouddc_servers" "x" { manage_state = "broken" }`,
				ExpectError: regexpMust(`(?s)manage_state.*value must be one of`),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_servers.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(23)),
					statecheck.ExpectKnownValue("data.clouddc_servers.ready", tfjsonpath.New("servers"), knownvalue.ListSizeExact(20)),
					statecheck.ExpectKnownValue("data.clouddc_servers.in_use", tfjsonpath.New("servers"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.clouddc_servers.in_use", tfjsonpath.New("servers").AtSliceIndex(0),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id":           knownvalue.StringRegexp(uuidRegexp),
							"name":         knownvalue.NotNull(),
							"manage_state": knownvalue.StringExact("in-use"),
							"power_state":  knownvalue.StringExact("on"),
							"location": knownvalue.ObjectExact(map[string]knownvalue.Check{
								"dc":   knownvalue.NotNull(),
								"rack": knownvalue.NotNull(),
								"unit": knownvalue.NotNull(),
							}),
						})),
				},
			},
		},
	})
}
