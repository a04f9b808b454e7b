// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

const fleetAddr = "clouddc_instances.test"

// fleetConfig renders a clouddc_instances fleet; extra holds more arguments.
func fleetConfig(srv *emulatortest.Server, count int, extra string) string {
	return testAccProviderConfig(srv) + fmt.Sprintf(`
resource "clouddc_instances" "test" {
  name               = "fleet-node"
  image_id           = "0198170e-0000-7000-8000-00000000abcd"
  vpc_id             = "vpc-fleet"
  network_interfaces = [{ subnet_id = "subnet-fleet" }]
  instance_count     = %d
%s
}
`, count, extra)
}

const fleetPasswordWO = `
  password_wo         = "Fleet-Pass1"
  password_wo_version = 1
`

// fleetCaptureIDs returns a check that appends the fleet's IDs in state to
// *into.
func fleetCaptureIDs(into *[]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ids, err := fleetStateIDs(s)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !slices.Contains(*into, id) {
				*into = append(*into, id)
			}
		}
		return nil
	}
}

func TestAccInstances_badInput(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	server := fleetFakeUUIDs(1)[0]
	cases := []struct {
		name    string
		count   int
		extra   string
		wantErr *regexp.Regexp
	}{
		{"zero instances", 0, fleetPasswordWO, regexp.MustCompile(`instance_count`)},
		{"min_count above instance_count", 2, fleetPasswordWO + "min_count = 3", regexp.MustCompile(`min_count\s+\(3\)\s+must\s+not\s+be\s+more\s+than\s+instance_count\s+\(2\)`)},
		{"server_ids size differs", 2, fleetPasswordWO + "server_ids = [\"" + server + "\"]", regexp.MustCompile(`server_ids\s+names\s+1\s+servers\s+but\s+instance_count\s+is\s+2`)},
		{"upper-case server ID", 1, fleetPasswordWO + `server_ids = ["0198170E-4CA7-7EE4-89A7-FA631843920B"]`, regexp.MustCompile(`"0198170E-4CA7-7EE4-89A7-FA631843920B"\s+is\s+not\s+a\s+lower-case`)},
		{"both passwords", 1, fleetPasswordWO + `password = "Fleet-Pass2"`, regexp.MustCompile(`Invalid\s+Attribute\s+Combination`)},
		{"no password", 1, "", regexp.MustCompile(`Invalid\s+Attribute\s+Combination`)},
		{"password_wo without version", 1, `password_wo = "Fleet-Pass1"`, regexp.MustCompile(`password_wo_version`)},
		{"weak password", 1, `password = "password"`, regexp.MustCompile(`Invalid\s+password`)},
		{"three NICs", 1, fleetPasswordWO + `network_interfaces = [{ subnet_id = "a" }, { subnet_id = "b" }, { subnet_id = "c" }]`, regexp.MustCompile(`network_interfaces`)},
		{"bad metadata key", 1, fleetPasswordWO + `metadata = { "bad/key" = "x" }`, regexp.MustCompile(`must\s+contain\s+only\s+letters`)},
		// The same rule as clouddc_instance's image_id: a lower-case UUID.
		{"image_id not a UUID", 1, fleetPasswordWO + `image_id = "my-image"`, regexp.MustCompile(`"my-image"\s+is\s+not\s+a\s+lower-case\s+UUID`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			config := fleetConfig(srv, tc.count, tc.extra)
			if strings.Contains(tc.extra, "network_interfaces") {
				config = strings.Replace(config, `network_interfaces = [{ subnet_id = "subnet-fleet" }]`, "", 1)
			}
			if strings.Contains(tc.extra, "image_id") {
				config = strings.Replace(config, `image_id           = "0198170e-0000-7000-8000-00000000abcd"`, "", 1)
			}
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      config,
					PlanOnly:    true,
					ExpectError: tc.wantErr,
				}},
			})
		})
	}
	// Cleanup runs after the parallel subtests; code after the loop would not.
	t.Cleanup(func() {
		if n := srv.Emulator.Stats().Requests["RunInstances"]; n != 0 {
			t.Errorf("bad input made %d RunInstances calls, want 0", n)
		}
	})
}

// TestAccInstances_lifecycle creates a fleet, imports it, drops an instance
// deleted out of band, changes the write-only password in place, replaces
// the fleet on a description change and destroys it.
func TestAccInstances_lifecycle(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	client := testAccClient(t, srv)
	var created []string

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if len(created) != 6 {
				return fmt.Errorf("captured %d instance IDs over two fleets, want 6", len(created))
			}
			return fleetCheckStates(t, client, "gone", created...)
		},
		Steps: []resource.TestStep{
			{
				Config: fleetConfig(srv, 3, fleetPasswordWO+`  description = "first"
  metadata    = { role = "web" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("instances"), knownvalue.MapSizeExact(3)),
					// A write-only password never reaches state.
					statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectSensitiveValue(fleetAddr, tfjsonpath.New("password")),
				},
				Check: resource.ComposeTestCheckFunc(
					fleetCaptureIDs(&created),
					func(*terraform.State) error {
						if n := srv.Emulator.Stats().Requests["RunInstances"]; n != 1 {
							return fmt.Errorf("%d RunInstances calls, want 1", n)
						}
						return fleetCheckStates(t, client, "running", created...)
					},
					func(s *terraform.State) error { return fleetCheckStateInstances(s, "running", created...) },
					func(*terraform.State) error { return fleetCheckNames(t, client, `^fleet-node-000[1-3]$`, created...) },
				),
			},
			{
				ResourceName: fleetAddr,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					ids, err := fleetStateIDs(s)
					return strings.Join(ids, ","), err
				},
				ImportStateVerify: true,
				// The password version cannot be read back.
				ImportStateVerifyIgnore: []string{"password_wo_version"},
			},
			{
				// An instance deleted out of band is dropped on refresh; the
				// fleet is neither replaced nor topped up.
				PreConfig: func() {
					if err := client.DeleteInstance(t.Context(), created[0]); err != nil {
						t.Fatalf("deleting %s out of band: %v", created[0], err)
					}
					fleetWaitGone(t, client, created[0])
				},
				Config: fleetConfig(srv, 3, fleetPasswordWO+`  description = "first"
  metadata    = { role = "web" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("instances"), knownvalue.MapSizeExact(2)),
				},
				Check: func(s *terraform.State) error { return fleetCheckStateInstances(s, "running", created[1:]...) },
			},
			{
				Config: fleetConfig(srv, 3, strings.Replace(fleetPasswordWO, "version = 1", "version = 2", 1)+`  description = "first"
  metadata    = { role = "web" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fleetAddr, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error {
					if n := srv.Emulator.Stats().Requests["ChangeInstancePassword"]; n != 1 {
						return fmt.Errorf("%d ChangeInstancePassword calls, want 1", n)
					}
					return nil
				},
			},
			{
				Config: fleetConfig(srv, 3, strings.Replace(fleetPasswordWO, "version = 1", "version = 2", 1)+`  description = "second"
  metadata    = { role = "web" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(fleetAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					fleetCaptureIDs(&created),
					func(*terraform.State) error {
						// The first fleet is gone; only the second runs.
						return fleetCheckStates(t, client, "gone", created[:3]...)
					},
				),
			},
		},
	})
}

// TestAccInstances_fleet120 destroys a fleet of 120 with exactly three
// batch-delete calls (50 + 50 + 20).
func TestAccInstances_fleet120(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{Servers: 130})
	client := testAccClient(t, srv)
	var created []string

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if len(created) != 120 {
				return fmt.Errorf("captured %d instance IDs, want 120", len(created))
			}
			if n := srv.Emulator.Stats().Requests["DeleteInstances"]; n != 3 {
				return fmt.Errorf("destroy made %d DeleteInstances calls, want 3", n)
			}
			return fleetCheckStates(t, client, "gone", created...)
		},
		Steps: []resource.TestStep{{
			Config: fleetConfig(srv, 120, fleetPasswordWO),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("instances"), knownvalue.MapSizeExact(120)),
			},
			Check: resource.ComposeTestCheckFunc(
				fleetCaptureIDs(&created),
				func(*terraform.State) error { return fleetCheckStates(t, client, "running", created...) },
			),
		}},
	})
}

// TestAccInstances_deleteFailureKeepsState deletes a fleet whose deletions
// fail, except for one instance already shutting down out of band: the
// destroy names the failed instances and their message, the state keeps
// exactly those, and a second destroy without the fault completes.
func TestAccInstances_deleteFailureKeepsState(t *testing.T) {
	testAccPreCheck(t)
	// Deletions last long enough for the destroy to see one shutting down.
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: 3 * time.Second})
	client := testAccClient(t, srv)
	var created []string
	var failed []string
	// Filled in once the failing IDs are known.
	wantErr := regexp.MustCompile(`Failed\s+to\s+delete\s+instance`)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return fleetCheckStates(t, client, "gone", created...)
		},
		Steps: []resource.TestStep{
			{
				Config: fleetConfig(srv, 3, fleetPasswordWO),
				Check:  fleetCaptureIDs(&created),
			},
			{
				PreConfig: func() {
					// The first instance is deleted cleanly, the others fail.
					if _, err := client.DeleteInstances(t.Context(), created[:1]); err != nil {
						t.Fatalf("deleting %s out of band: %v", created[0], err)
					}
					failed = slices.Clone(created[1:])
					*wantErr = *fleetAnyOrder(failed[0], failed[1], "Failed to delete instance")
					rate := 1.0
					srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &rate})
				},
				Config:      fleetConfig(srv, 3, fleetPasswordWO),
				Destroy:     true,
				ExpectError: wantErr,
			},
			{
				PreConfig: func() {
					rate := 0.0
					srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &rate})
				},
				Config: fleetConfig(srv, 3, fleetPasswordWO),
				Check: func(s *terraform.State) error {
					// Exactly the failed instances stay, each in state error.
					if err := fleetCheckStateInstances(s, "error", failed...); err != nil {
						return err
					}
					return fleetCheckStates(t, client, "gone", created[0])
				},
			},
		},
	})
}

func TestFleetBaseName(t *testing.T) {
	cases := []struct {
		names []string
		want  string
	}{
		{nil, ""},
		{[]string{"web"}, "web"},
		{[]string{"web-0001"}, "web-0001"},
		{[]string{"web-0001", "web-0002"}, "web"},
		{[]string{"web-a-0001", "web-a-0002", "web-a-0010"}, "web-a"},
		{[]string{"web-0001", "db-0002"}, "web-0001"},
		{[]string{"web-0001", "web"}, "web-0001"},
	}
	for _, tc := range cases {
		if got := fleetBaseName(tc.names); got != tc.want {
			t.Errorf("fleetBaseName(%q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}

// TestAccInstances_placementAndMinCount places a fleet on named servers, and
// starts a fleet that finds fewer idle servers than instance_count but at
// least min_count: it gets what there is, with no diff on the next plan.
func TestAccInstances_placementAndMinCount(t *testing.T) {
	testAccPreCheck(t)

	t.Run("server_ids", func(t *testing.T) {
		srv := newAccEmulator(t, emulator.Config{Servers: 4})
		client := testAccClient(t, srv)
		var servers []string
		for s, err := range client.AllServers(t.Context(), clouddc.ListServersRequest{ManageState: clouddc.ManageStateReady}) {
			if err != nil {
				t.Fatalf("listing servers: %v", err)
			}
			servers = append(servers, s.ID)
		}
		if len(servers) < 4 {
			t.Fatalf("emulator has %d ready servers, want 4", len(servers))
		}
		// The last two, so that a random pick would rarely match.
		want := servers[2:4]
		resource.ParallelTest(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: fleetConfig(srv, 2, fleetPasswordWO+"  server_ids = "+fleetHCLStrings(want...)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("instances"), knownvalue.MapSizeExact(2)),
				},
				Check: func(s *terraform.State) error {
					ids, err := fleetStateIDs(s)
					if err != nil {
						return err
					}
					return fleetCheckServers(t, client, ids, want)
				},
			}},
		})
	})

	t.Run("min_count", func(t *testing.T) {
		srv := newAccEmulator(t, emulator.Config{Servers: 3})
		resource.ParallelTest(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{
				{
					// 3 idle servers: 5 wanted, at least 4 needed → nothing starts.
					Config:      fleetConfig(srv, 5, fleetPasswordWO+"  min_count = 4"),
					ExpectError: regexp.MustCompile(`iMetal\.0101`),
				},
				{
					// At least 2 needed → the 3 there are.
					Config: fleetConfig(srv, 5, fleetPasswordWO+"  min_count = 2"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("instances"), knownvalue.MapSizeExact(3)),
						statecheck.ExpectKnownValue(fleetAddr, tfjsonpath.New("instance_count"), knownvalue.Int64Exact(5)),
					},
				},
			},
		})
		if n := srv.Emulator.Stats().Instances["running"]; n != 0 {
			t.Errorf("%d instances still running after destroy", n)
		}
	})
}
