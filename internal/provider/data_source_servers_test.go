// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// serverFleet is an emulator of 23 servers (more than two pages of 10): 3
// in use, one ready server in each of the other manage states, one ready
// and one in-use server frozen, and one server powered off.
type serverFleet struct {
	srv                              *emulatortest.Server
	frozenReady, frozenInUse, offSrv string
}

func newServerFleet(t *testing.T) *serverFleet {
	t.Helper()
	srv := newAccEmulator(t, emulator.Config{Servers: 23, PowerDuration: 10 * time.Millisecond})
	testAccCreateInstances(t, srv, 3)
	c := testAccClient(t, srv)
	byState := map[string][]string{}
	for s, err := range c.AllServers(t.Context(), clouddc.ListServersRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		byState[s.ManageState] = append(byState[s.ManageState], s.ID)
	}
	ready, inUse := byState[clouddc.ManageStateReady], byState[clouddc.ManageStateInUse]
	if len(ready) != 20 || len(inUse) != 3 {
		t.Fatalf("fleet: %d ready and %d in-use servers, want 20 and 3", len(ready), len(inUse))
	}
	f := &serverFleet{srv: srv, frozenReady: ready[4], frozenInUse: inUse[0], offSrv: ready[5]}
	set := func(id string, st emulator.ServerState) {
		if err := srv.Emulator.SetServerState(id, st); err != nil {
			t.Fatalf("set server %s: %v", id, err)
		}
	}
	for i, m := range []string{clouddc.ManageStateMaintain, clouddc.ManageStateOSReady, clouddc.ManageStateOnboard, clouddc.ManageStateOffboarding} {
		set(ready[i], emulator.ServerState{ManageState: &m})
	}
	set(f.frozenReady, emulator.ServerState{FrozenState: ptrTo(clouddc.FrozenForArrears)})
	set(f.frozenInUse, emulator.ServerState{FrozenState: ptrTo(clouddc.FrozenByPolice)})
	if _, err := c.ChangeServerPowerState(t.Context(), &clouddc.ChangeServerPowerStateRequest{
		Action: clouddc.PowerActionOff, ServerIDSet: []string{f.offSrv},
	}); err != nil {
		t.Fatal(err)
	}
	err := lifecycle.WaitForPowerState(t.Context(), c, []string{f.offSrv}, clouddc.PowerActionOff,
		lifecycle.PowerWaitOptions{PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// serverWith checks the servers list has exactly one server id with the
// given attributes.
func serverWith(address, id string, attrs map[string]knownvalue.Check) statecheck.StateCheck {
	attrs["id"] = knownvalue.StringExact(id)
	return statecheck.ExpectKnownValue(address, tfjsonpath.New("servers"),
		knownvalue.SetPartial([]knownvalue.Check{knownvalue.ObjectPartial(attrs)}))
}

func TestAccDataSourceServers(t *testing.T) {
	testAccPreCheck(t)
	f := newServerFleet(t)
	// The frozen filter works even where the API no longer accepts it.
	srv := withoutFrozenFilter(t, f.srv)

	var config strings.Builder
	config.WriteString(testAccProviderConfig(srv) + "data \"clouddc_servers\" \"all\" {}\n")
	// Every manage state the filter accepts, and how many of the fleet's
	// servers are in it.
	want := map[string]int{"onboard": 1, "os-ready": 1, "ready": 16, "in-use": 3, "maintain": 1, "offboarding": 1, "frozen": 2}
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.clouddc_servers.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(23)),
	}
	for state, n := range want {
		name := strings.ReplaceAll(state, "-", "_")
		fmt.Fprintf(&config, "data \"clouddc_servers\" %q {\n  manage_state = %q\n}\n", name, state)
		checks = append(checks, statecheck.ExpectKnownValue("data.clouddc_servers."+name, tfjsonpath.New("servers"), knownvalue.ListSizeExact(n)))
	}
	checks = append(checks,
		statecheck.ExpectKnownValue("data.clouddc_servers.in_use", tfjsonpath.New("servers").AtSliceIndex(0),
			knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"id":           knownvalue.StringRegexp(uuidRegexp),
				"name":         knownvalue.NotNull(),
				"manage_state": knownvalue.StringExact("in-use"),
				"location": knownvalue.ObjectExact(map[string]knownvalue.Check{
					"dc":   knownvalue.NotNull(),
					"rack": knownvalue.NotNull(),
					"unit": knownvalue.NotNull(),
				}),
			})),
		serverWith("data.clouddc_servers.frozen", f.frozenReady, map[string]knownvalue.Check{
			"manage_state": knownvalue.StringExact("ready"), "frozen_state": knownvalue.Int64Exact(4), "frozen": knownvalue.Bool(true),
		}),
		serverWith("data.clouddc_servers.frozen", f.frozenInUse, map[string]knownvalue.Check{
			"manage_state": knownvalue.StringExact("in-use"), "frozen_state": knownvalue.Int64Exact(1), "frozen": knownvalue.Bool(true),
		}),
		serverWith("data.clouddc_servers.ready", f.offSrv, map[string]knownvalue.Check{
			"power_state": knownvalue.StringExact("off"), "operation_state": knownvalue.StringExact("power-off-succeed"),
			"frozen_state": knownvalue.Int64Exact(0), "frozen": knownvalue.Bool(false),
		}),
	)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Failing steps first: the final destroy runs with the last step's configuration.
		Steps: []resource.TestStep{
			{
				Config:      testAccProviderConfig(srv) + `data "clouddc_servers" "x" { manage_state = "broken" }`,
				ExpectError: regexpMust(`(?s)manage_state.*value must be one of`),
			},
			{Config: config.String(), ConfigStateChecks: checks},
		},
	})
}

// TestAccDataSourceServersOlderDeployment reads the same fleet through a
// deployment of the model before SDK 0.1.190: no frozen_state or
// operation_state, and frozen servers in manage state frozen, which the
// frozen filter still finds.
func TestAccDataSourceServersOlderDeployment(t *testing.T) {
	testAccPreCheck(t)
	f := newServerFleet(t)
	srv := olderDeployment(t, f.srv)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccProviderConfig(srv) + `
data "clouddc_servers" "all" {}

data "clouddc_servers" "frozen" {
  manage_state = "frozen"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.clouddc_servers.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(23)),
				statecheck.ExpectKnownValue("data.clouddc_servers.frozen", tfjsonpath.New("servers"), knownvalue.ListSizeExact(2)),
				serverWith("data.clouddc_servers.frozen", f.frozenReady, map[string]knownvalue.Check{
					"manage_state": knownvalue.StringExact("frozen"), "frozen_state": knownvalue.Null(), "frozen": knownvalue.Bool(true),
				}),
				serverWith("data.clouddc_servers.all", f.offSrv, map[string]knownvalue.Check{
					"power_state": knownvalue.StringExact("off"), "operation_state": knownvalue.StringExact(""),
					"frozen_state": knownvalue.Null(), "frozen": knownvalue.Bool(false),
				}),
			},
		}},
	})
}
