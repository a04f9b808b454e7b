// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }

func TestAccDataSourceInstanceStatus(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	ids := testAccCreateInstances(t, srv, 2)
	failed := ids[1]
	testAccFailDeletion(t, srv, failed)

	config := testAccProviderConfig(srv) + fmt.Sprintf(`
data "clouddc_instance_status" "ok" {
  id = %q
}

data "clouddc_instance_status" "failed" {
  id = %q
}
`, ids[0], failed)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Failing steps first: the final destroy runs with the last step's configuration.
		Steps: []resource.TestStep{
			{
				Config:      testAccProviderConfig(srv) + `data "clouddc_instance_status" "x" { id = "0198170e-4ca7-7ee4-89a7-fa631843920b" }`,
				ExpectError: regexpMust(`(?s)Instance not found.*0198170e-4ca7-7ee4-89a7-fa631843920b`),
			},
			{
				Config:      testAccProviderConfig(srv) + `data "clouddc_instance_status" "x" { id = "abc" }`,
				ExpectError: regexpMust(`"abc" is not a lower-case UUID`),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_instance_status.ok", tfjsonpath.New("state"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue("data.clouddc_instance_status.ok", tfjsonpath.New("operation_state"), knownvalue.StringExact("install-succeed")),
					statecheck.ExpectKnownValue("data.clouddc_instance_status.ok", tfjsonpath.New("error"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.clouddc_instance_status.failed", tfjsonpath.New("state"), knownvalue.StringExact("error")),
					statecheck.ExpectKnownValue("data.clouddc_instance_status.failed", tfjsonpath.New("error"),
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"error_code": knownvalue.NotNull(),
							"error_msg":  knownvalue.NotNull(),
							"error_type": knownvalue.StringExact(clouddc.ErrorTypeDeleteInstance),
						})),
				},
			},
		},
	})
}

// testAccFailDeletion deletes id with every deletion set to fail, and waits
// until the instance is in state error.
func testAccFailDeletion(t *testing.T, srv *emulatortest.Server, id string) {
	t.Helper()
	one, zero := 1.0, 0.0
	srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &one})
	defer srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &zero})

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	client := testAccClient(t, srv)
	if err := client.DeleteInstance(ctx, id); err != nil {
		t.Fatalf("deleting %s: %v", id, err)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := client.ShowInstanceStatus(ctx, id)
		if err != nil {
			t.Fatalf("status of %s: %v", id, err)
		}
		if clouddc.IsFailedState(st.State) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("instance %s never reached state error (last %q)", id, st.State)
		case <-tick.C:
		}
	}
}
