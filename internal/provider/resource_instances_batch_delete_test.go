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

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

const batchDeleteAddr = "clouddc_instances_batch_delete.test"

func batchDeleteConfig(srv *emulatortest.Server, ids ...string) string {
	return testAccProviderConfig(srv) + fmt.Sprintf(`
resource "clouddc_instances_batch_delete" "test" {
  instance_ids = %s
}
`, fleetHCLStrings(ids...))
}

func TestAccInstancesBatchDelete_badInput(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	cases := []struct {
		name    string
		ids     []string
		wantErr *regexp.Regexp
	}{
		{"51 IDs", fleetFakeUUIDs(51), regexp.MustCompile(`at\s+most\s+50\s+elements`)},
		{"empty set", nil, regexp.MustCompile(`at\s+least\s+1\s+elements`)},
		{"malformed ID", []string{fleetFakeUUIDs(1)[0], "not-a-uuid"}, regexp.MustCompile(`"not-a-uuid"\s+is\s+not\s+a\s+lower-case\s+UUID`)},
		{"upper-case UUID", []string{"0198170E-4CA7-7EE4-89A7-FA631843920B"}, regexp.MustCompile(`"0198170E-4CA7-7EE4-89A7-FA631843920B"\s+is\s+not\s+a\s+lower-case`)},
		{"UUID without hyphens", []string{"0198170e4ca77ee489a7fa631843920b"}, regexp.MustCompile(`"0198170e4ca77ee489a7fa631843920b"\s+is\s+not`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      batchDeleteConfig(srv, tc.ids...),
					PlanOnly:    true,
					ExpectError: tc.wantErr,
				}},
			})
		})
	}
	// Validation happens at plan time: nothing reached the API. (Cleanup
	// runs after the parallel subtests; code after the loop would not.)
	t.Cleanup(func() {
		if n := srv.Emulator.Stats().Requests["ListInstances"]; n != 0 {
			t.Errorf("bad input made %d ListInstances calls, want 0", n)
		}
	})
}

func TestAccInstancesBatchDelete_unknownID(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	client := testAccClient(t, srv)
	known := testAccCreateInstances(t, srv, 1)[0]
	unknown := fleetFakeUUIDs(2)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// Nothing was adopted, so nothing may have been deleted.
			if n := srv.Emulator.Stats().Requests["DeleteInstances"]; n != 0 {
				return fmt.Errorf("%d DeleteInstances calls, want 0", n)
			}
			return fleetCheckStates(t, client, "running", known)
		},
		Steps: []resource.TestStep{{
			Config:      batchDeleteConfig(srv, known, unknown[0], unknown[1]),
			ExpectError: fleetAnyOrder("Unknown CloudDC instances", unknown[0], unknown[1]),
		}},
	})
}

// TestAccInstancesBatchDelete_lifecycle adopts instances, imports them,
// adopts and releases on update, and destroys: released and never-adopted
// instances keep running.
func TestAccInstancesBatchDelete_lifecycle(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	client := testAccClient(t, srv)
	ids := testAccCreateInstances(t, srv, 4)
	a, b, c, bystander := ids[0], ids[1], ids[2], ids[3]

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if err := fleetCheckStates(t, client, "gone", b, c); err != nil {
				return err
			}
			// a was released on update and never belonged to the batch.
			if err := fleetCheckStates(t, client, "running", a, bystander); err != nil {
				return err
			}
			if n := srv.Emulator.Stats().Requests["DeleteInstances"]; n != 1 {
				return fmt.Errorf("destroy made %d DeleteInstances calls, want 1", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// A duplicate in the list collapses: instance_ids is a set.
				Config: batchDeleteConfig(srv, a, b, a),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("id"), knownvalue.StringExact(instanceSetID([]string{a, b}))),
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("instance_ids"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(a), knownvalue.StringExact(b)})),
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("remaining_ids"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(a), knownvalue.StringExact(b)})),
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("states"), knownvalue.MapExact(map[string]knownvalue.Check{
						a: knownvalue.StringExact("running"),
						b: knownvalue.StringExact("running"),
					})),
				},
				Check: func(*terraform.State) error {
					// Creating the resource changes nothing in the cloud.
					if n := srv.Emulator.Stats().Requests["DeleteInstances"]; n != 0 {
						return fmt.Errorf("create made %d DeleteInstances calls, want 0", n)
					}
					return fleetCheckStates(t, client, "running", a, b)
				},
			},
			{
				ResourceName:      batchDeleteAddr,
				ImportState:       true,
				ImportStateId:     b + "," + a,
				ImportStateVerify: true,
			},
			{
				Config: batchDeleteConfig(srv, b, c),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(batchDeleteAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("id"), knownvalue.StringExact(instanceSetID([]string{b, c}))),
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("remaining_ids"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(b), knownvalue.StringExact(c)})),
				},
				Check: func(*terraform.State) error {
					// Releasing a deletes nothing.
					if n := srv.Emulator.Stats().Requests["DeleteInstances"]; n != 0 {
						return fmt.Errorf("update made %d DeleteInstances calls, want 0", n)
					}
					return fleetCheckStates(t, client, "running", a, b, c)
				},
			},
		},
	})
}

func TestAccInstancesBatchDelete_importBadID(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	known := testAccCreateInstances(t, srv, 1)[0]
	unknown := fleetFakeUUIDs(1)[0]

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:        batchDeleteConfig(srv, known),
				ResourceName:  batchDeleteAddr,
				ImportState:   true,
				ImportStateId: known + ",NOT-AN-ID",
				ExpectError:   regexp.MustCompile(`"NOT-AN-ID"`),
			},
			{
				Config:        batchDeleteConfig(srv, known),
				ResourceName:  batchDeleteAddr,
				ImportState:   true,
				ImportStateId: known + "," + unknown,
				ExpectError:   regexp.MustCompile(regexp.QuoteMeta(unknown)),
			},
		},
	})
}

// TestAccInstancesBatchDelete_destroyGoneAndShuttingDown destroys a batch of
// which one instance was already deleted and one is still shutting down,
// both out of band: the destroy succeeds and every instance ends terminated.
func TestAccInstancesBatchDelete_destroyGoneAndShuttingDown(t *testing.T) {
	testAccPreCheck(t)
	// Deletions last long enough for the destroy to see one shutting down.
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: 1500 * time.Millisecond})
	client := testAccClient(t, srv)
	ids := testAccCreateInstances(t, srv, 4)
	gone, shuttingDown := ids[0], ids[1]

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return fleetCheckStates(t, client, "gone", ids...)
		},
		Steps: []resource.TestStep{
			{Config: batchDeleteConfig(srv, ids...)},
			{
				PreConfig: func() {
					if err := client.DeleteInstance(t.Context(), gone); err != nil {
						t.Fatalf("deleting %s out of band: %v", gone, err)
					}
					fleetWaitGone(t, client, gone)
					if _, err := client.DeleteInstances(t.Context(), []string{shuttingDown}); err != nil {
						t.Fatalf("deleting %s out of band: %v", shuttingDown, err)
					}
					if err := fleetCheckStates(t, client, "shutting-down", shuttingDown); err != nil {
						t.Fatal(err)
					}
				},
				Config:  batchDeleteConfig(srv, ids...),
				Destroy: true,
			},
		},
	})
}

// TestAccInstancesBatchDelete_deleteFailureKeepsState makes every deletion
// end in state error: the destroy names each failed instance with its
// message, remaining_ids keeps exactly those while instance_ids stays as
// configured (so the unchanged configuration plans nothing), and a second
// destroy without the fault completes.
func TestAccInstancesBatchDelete_deleteFailureKeepsState(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	client := testAccClient(t, srv)
	ids := testAccCreateInstances(t, srv, 3)
	failA, failB, goneBefore := ids[0], ids[1], ids[2]
	failed := []string{failA, failB}
	slices.Sort(failed)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return fleetCheckStates(t, client, "gone", ids...)
		},
		Steps: []resource.TestStep{
			{Config: batchDeleteConfig(srv, ids...)},
			{
				PreConfig: func() {
					// goneBefore is deleted cleanly out of band; every
					// deletion after it fails.
					if err := client.DeleteInstance(t.Context(), goneBefore); err != nil {
						t.Fatalf("deleting %s out of band: %v", goneBefore, err)
					}
					fleetWaitGone(t, client, goneBefore)
					rate := 1.0
					srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &rate})
				},
				Config:      batchDeleteConfig(srv, ids...),
				Destroy:     true,
				ExpectError: fleetAnyOrder(failA, failB, "Failed to delete instance"),
			},
			{
				// remaining_ids holds exactly the two failed instances and
				// instance_ids all three as configured: the unchanged
				// configuration plans nothing.
				PreConfig: func() {
					rate := 0.0
					srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &rate})
				},
				Config: batchDeleteConfig(srv, ids...),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("states"), knownvalue.MapExact(map[string]knownvalue.Check{
						failA: knownvalue.StringExact("error"),
						failB: knownvalue.StringExact("error"),
					})),
				},
				Check: func(s *terraform.State) error {
					return checkBatchIDs(s, ids, failed)
				},
			},
		},
	})
}

// TestAccInstancesBatchDelete_deleteTimeout runs out of timeouts { delete }
// while the instances shut down: the error says so and names them, the
// state keeps them, and with a longer timeout the next destroy completes.
func TestAccInstancesBatchDelete_deleteTimeout(t *testing.T) {
	testAccPreCheck(t)
	// The emulator's clock stands still from the first destroy until the
	// last one, so the instances stay shutting-down in between.
	clock := &fleetClock{}
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: 200 * time.Millisecond, Now: clock.Now})
	client := testAccClient(t, srv)
	ids := testAccCreateInstances(t, srv, 2)
	withTimeout := func(d string) string {
		return strings.Replace(batchDeleteConfig(srv, ids...), "instance_ids =",
			fmt.Sprintf("timeouts {\n    delete = %q\n  }\n  instance_ids =", d), 1)
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return fleetCheckStates(t, client, "gone", ids...)
		},
		Steps: []resource.TestStep{
			{Config: withTimeout("300ms")},
			{
				PreConfig:   clock.Pause,
				Config:      withTimeout("300ms"),
				Destroy:     true,
				ExpectError: fleetAnyOrder("before the timeout", ids[0]+" (state: shutting-down", ids[1]+" (state: shutting-down"),
			},
			{
				// Both are still in state; a longer timeout is an in-place update.
				Config: withTimeout("1m"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(batchDeleteAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("instance_ids"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(ids[0]), knownvalue.StringExact(ids[1])})),
					statecheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("states"), knownvalue.MapExact(map[string]knownvalue.Check{
						ids[0]: knownvalue.StringExact("shutting-down"),
						ids[1]: knownvalue.StringExact("shutting-down"),
					})),
				},
			},
			{
				// The rerun waits for the shutdown to finish.
				PreConfig: clock.Resume,
				Config:    withTimeout("1m"),
				Destroy:   true,
			},
		},
	})
}

// checkBatchIDs fails unless the batch in state keeps instance_ids exactly
// as configured and remaining_ids exactly as want.
func checkBatchIDs(s *terraform.State, configured, remaining []string) error {
	for attr, want := range map[string][]string{"instance_ids": configured, "remaining_ids": remaining} {
		got, err := stateStrings(s, batchDeleteAddr, attr)
		if err != nil {
			return err
		}
		got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s in state = %s, want %s", attr, strings.Join(got, ","), strings.Join(want, ","))
		}
	}
	return nil
}

// batchDeleteWithTimeout is batchDeleteConfig with a timeouts { delete } block.
func batchDeleteWithTimeout(srv *emulatortest.Server, timeout string, ids ...string) string {
	return strings.Replace(batchDeleteConfig(srv, ids...), "instance_ids =",
		fmt.Sprintf("timeouts {\n    delete = %q\n  }\n  instance_ids =", timeout), 1)
}

// TestAccInstancesBatchDelete_rerunAfterTimeoutAsTheGuideSays follows the
// batch-deletion guide after a delete timeout where part of the batch was
// already gone: raise timeouts { delete }, terraform apply, terraform
// destroy, with the configuration unchanged otherwise. The timeout keeps
// instance_ids as configured and remaining_ids at the unfinished instances;
// the apply is an in-place update of the timeout only (no "Unknown CloudDC
// instances" for the one already terminated), and the destroy completes.
func TestAccInstancesBatchDelete_rerunAfterTimeoutAsTheGuideSays(t *testing.T) {
	testAccPreCheck(t)
	clock := &fleetClock{}
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: 200 * time.Millisecond, Now: clock.Now})
	client := testAccClient(t, srv)
	ids := testAccCreateInstances(t, srv, 3)
	done, slow := ids[0], ids[1:]

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return fleetCheckStates(t, client, "gone", ids...)
		},
		Steps: []resource.TestStep{
			{Config: batchDeleteWithTimeout(srv, "300ms", ids...)},
			{
				// One instance finishes deleting out of band; then the
				// emulator's clock stands still, so the destroy runs out of
				// time with the other two shutting down.
				PreConfig: func() {
					if err := client.DeleteInstance(t.Context(), done); err != nil {
						t.Fatalf("deleting %s out of band: %v", done, err)
					}
					fleetWaitGone(t, client, done)
					clock.Pause()
				},
				Config:      batchDeleteWithTimeout(srv, "300ms", ids...),
				Destroy:     true,
				ExpectError: fleetAnyOrder("before the timeout", slow[0]+" (state: shutting-down", slow[1]+" (state: shutting-down"),
			},
			{
				// The guide's recovery: raise the timeout and apply. It only
				// updates the timeout in state; instance_ids is as configured.
				Config: batchDeleteWithTimeout(srv, "1m", ids...),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(batchDeleteAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("remaining_ids"),
							knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(slow[0]), knownvalue.StringExact(slow[1])})),
						plancheck.ExpectKnownValue(batchDeleteAddr, tfjsonpath.New("id"), knownvalue.StringExact(instanceSetID(ids))),
					},
				},
				Check: func(s *terraform.State) error { return checkBatchIDs(s, ids, slow) },
			},
			{
				// Then destroy: it waits for the two still shutting down.
				PreConfig: clock.Resume,
				Config:    batchDeleteWithTimeout(srv, "1m", ids...),
				Destroy:   true,
			},
		},
	})
}

// TestAccInstancesBatchDelete_rerunAfterEverythingFinished: after a delete
// timeout the remaining instances finish on their own before the rerun. The
// refresh leaves the batch in state with nothing remaining (removing it
// would make the plan create it again, and that create fail on terminated
// instances); the guide's apply and destroy complete without a call to
// delete anything.
func TestAccInstancesBatchDelete_rerunAfterEverythingFinished(t *testing.T) {
	testAccPreCheck(t)
	clock := &fleetClock{}
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: 200 * time.Millisecond, Now: clock.Now})
	client := testAccClient(t, srv)
	ids := testAccCreateInstances(t, srv, 2)
	var deletesBefore int64

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if n := srv.Emulator.Stats().Requests["DeleteInstances"] - deletesBefore; n != 0 {
				return fmt.Errorf("the rerun sent %d DeleteInstances calls, want none (nothing remained)", n)
			}
			return fleetCheckStates(t, client, "gone", ids...)
		},
		Steps: []resource.TestStep{
			{Config: batchDeleteWithTimeout(srv, "300ms", ids...)},
			{
				PreConfig:   clock.Pause,
				Config:      batchDeleteWithTimeout(srv, "300ms", ids...),
				Destroy:     true,
				ExpectError: fleetAnyOrder("before the timeout", ids[0], ids[1]),
			},
			{
				PreConfig: func() {
					clock.Resume()
					fleetWaitGone(t, client, ids...)
					deletesBefore = srv.Emulator.Stats().Requests["DeleteInstances"]
				},
				Config: batchDeleteWithTimeout(srv, "1m", ids...),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(batchDeleteAddr, plancheck.ResourceActionUpdate)},
				},
				Check: func(s *terraform.State) error { return checkBatchIDs(s, ids, nil) },
			},
			{
				Config:  batchDeleteWithTimeout(srv, "1m", ids...),
				Destroy: true,
			},
		},
	})
}
