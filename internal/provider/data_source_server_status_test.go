// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

func TestAccDataSourceServerStatus(t *testing.T) {
	testAccPreCheck(t)
	// 23 servers: 20 in the first rack's equipment room, 3 in the second's.
	srv := newAccEmulator(t, emulator.Config{Servers: 23})
	testAccCreateInstances(t, srv, 2)
	var ids []string
	for s, err := range testAccClient(t, srv).AllServers(t.Context(), clouddc.ListServersRequest{ManageState: clouddc.ManageStateReady}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	for i, st := range []emulator.ServerState{
		{HealthState: ptrTo("Critical"), ManageState: ptrTo(clouddc.ManageStateMaintain)},
		{HealthState: ptrTo("Warning"), FrozenState: ptrTo(clouddc.FrozenForArrears)},
	} {
		if err := srv.Emulator.SetServerState(ids[i], st); err != nil {
			t.Fatal(err)
		}
	}
	health := func(total, ok, unhealthy, isolated int64) knownvalue.Check {
		return knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"total": knownvalue.Int64Exact(total), "ok": knownvalue.Int64Exact(ok), "healthy": knownvalue.Int64Exact(ok),
			"unhealthy": knownvalue.Int64Exact(unhealthy), "isolated": knownvalue.Int64Exact(isolated),
		})
	}
	const config = `
data "clouddc_server_status" "this" {}

output "ready" {
  value = data.clouddc_server_status.this.manage_state["ready"]
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccProviderConfig(srv) + config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_server_status.this", tfjsonpath.New("health"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"total": knownvalue.Int64Exact(23), "ok": knownvalue.Int64Exact(21), "warning": knownvalue.Int64Exact(1),
						"critical": knownvalue.Int64Exact(1), "unknown": knownvalue.Int64Exact(0), "healthy": knownvalue.Int64Exact(21),
						"unhealthy": knownvalue.Int64Exact(2), "isolated": knownvalue.Int64Exact(2),
					})),
					statecheck.ExpectKnownValue("data.clouddc_server_status.this", tfjsonpath.New("health_by_dc"), knownvalue.MapExact(map[string]knownvalue.Check{
						"GY-DC1": health(20, 18, 2, 2),
						"GY-DC2": health(3, 3, 0, 0),
					})),
					statecheck.ExpectKnownValue("data.clouddc_server_status.this", tfjsonpath.New("power"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"on": knownvalue.Int64Exact(23), "off": knownvalue.Int64Exact(0), "unknown": knownvalue.Int64Exact(0),
					})),
					statecheck.ExpectKnownValue("data.clouddc_server_status.this", tfjsonpath.New("manage_state"), knownvalue.MapExact(map[string]knownvalue.Check{
						"onboard": knownvalue.Int64Exact(0), "os-ready": knownvalue.Int64Exact(0), "ready": knownvalue.Int64Exact(20),
						"in-use": knownvalue.Int64Exact(2), "maintain": knownvalue.Int64Exact(1), "offboarding": knownvalue.Int64Exact(0),
					})),
					statecheck.ExpectKnownOutputValue("ready", knownvalue.Int64Exact(20)),
				},
			},
			{
				// An older deployment: unhealth, and no manage-state counts.
				Config: testAccProviderConfig(olderDeployment(t, srv)) + `data "clouddc_server_status" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_server_status.this", tfjsonpath.New("health").AtMapKey("unhealthy"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue("data.clouddc_server_status.this", tfjsonpath.New("manage_state"), knownvalue.Null()),
				},
			},
		},
	})
}

// TestFlattenServerStatus checks that what the API leaves out is null,
// not zero, and that a DC a count does not list has none of its servers.
func TestFlattenServerStatus(t *testing.T) {
	unknown := 3
	m := flattenServerStatus(&clouddc.ServerStatusResponse{
		ServerStatus: &clouddc.ServerHealthStatus{
			Total: &clouddc.ServerCount{Count: 5, DCStats: map[string]int{"A": 4, "B": 1}},
			OK:    &clouddc.ServerCount{Count: 4, DCStats: map[string]int{"A": 4}},
		},
		ServerPowerStatus: &clouddc.ServerPowerStatus{On: 2, Off: 3, Unknown: &unknown},
	})
	if m.Health == nil || m.Health.Total != types.Int64Value(5) || m.Health.OK != types.Int64Value(4) || !m.Health.Unhealthy.IsNull() {
		t.Errorf("health %+v: want total 5, ok 4, unhealthy null", m.Health)
	}
	if b := m.HealthByDC["B"]; len(m.HealthByDC) != 2 || b.Total != types.Int64Value(1) || b.OK != types.Int64Value(0) || !b.Isolated.IsNull() {
		t.Errorf("health_by_dc %+v: want A and B, B with total 1, ok 0, isolated null", m.HealthByDC)
	}
	if m.Power == nil || m.Power.Unknown != types.Int64Value(3) || m.ManageState != nil {
		t.Errorf("power %+v, manage_state %v: want unknown 3 and no manage-state map", m.Power, m.ManageState)
	}
	if empty := flattenServerStatus(&clouddc.ServerStatusResponse{ServerManageState: map[string]int{}}); empty.Health != nil || empty.Power != nil || empty.ManageState == nil {
		t.Errorf("an answer with only server_manage_state: %+v", empty)
	}
}
