// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
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
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

var uuidRegexp = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// instanceConfig builds a clouddc_instance "test" configuration.
type instanceConfig struct {
	name, image, ip, serverID string
	password                  string // `password = ...` unless passwordWO is set
	passwordWO                string
	passwordWOVersion         int
	extra                     string // more attribute lines
}

func (c instanceConfig) hcl(srv *emulatortest.Server) string {
	var b strings.Builder
	b.WriteString(testAccProviderConfig(srv))
	fmt.Fprintf(&b, "resource \"clouddc_instance\" \"test\" {\n  name     = %q\n  image_id = %q\n  vpc_id   = %q\n",
		c.name, c.image, testAccVpcID)
	if c.ip != "" {
		fmt.Fprintf(&b, "  network_interfaces = [{ subnet_id = %q, ipv4_address = %q }]\n", testAccSubnetID, c.ip)
	} else {
		fmt.Fprintf(&b, "  network_interfaces = [{ subnet_id = %q }]\n", testAccSubnetID)
	}
	if c.serverID != "" {
		fmt.Fprintf(&b, "  server_id = %q\n", c.serverID)
	}
	if c.passwordWO != "" {
		fmt.Fprintf(&b, "  password_wo         = %q\n  password_wo_version = %d\n", c.passwordWO, c.passwordWOVersion)
	} else if c.password != "" {
		fmt.Fprintf(&b, "  password = %q\n", c.password)
	}
	b.WriteString(c.extra)
	b.WriteString("}\n")
	return b.String()
}

// testAccCheckRequests checks how many calls of an API operation the
// emulator has served so far.
func testAccCheckRequests(srv *emulatortest.Server, op string, want int64) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := srv.Emulator.Stats().Requests[op]; got != want {
			return fmt.Errorf("emulator served %d %s calls, want %d", got, op, want)
		}
		return nil
	}
}

func TestAccInstance_lifecycle(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	base := instanceConfig{name: "bm-01", image: testAccImageID, password: testAccPassword,
		extra: "  description = \"acceptance\"\n  metadata    = { role = \"web\" }\n"}
	res := "clouddc_instance.test"

	reimaged := base
	reimaged.image = testAccImageID2
	newPassword := reimaged
	newPassword.password = testAccNewPassword
	fixedIP := newPassword
	fixedIP.ip = "192.168.10.20"
	renamed := fixedIP
	renamed.name = "bm-02"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: base.hcl(srv),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("id"), knownvalue.StringRegexp(uuidRegexp)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("state"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("operation_state"), knownvalue.StringExact("install-succeed")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("server_id"), knownvalue.StringRegexp(uuidRegexp)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("image_name"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("created_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("launched_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("description"), knownvalue.StringExact("acceptance")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("metadata"),
						knownvalue.MapExact(map[string]knownvalue.Check{"role": knownvalue.StringExact("web")})),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("network_interfaces").AtSliceIndex(0).AtMapKey("ipv4_address"),
						knownvalue.NotNull()),
					statecheck.ExpectSensitiveValue(res, tfjsonpath.New("password")),
				},
				Check: testAccCheckRequests(srv, "CreateInstance", 1),
			},
			{
				ResourceName:            res,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "timeouts"},
			},
			{
				Config: reimaged.hcl(srv),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("image_id"), knownvalue.StringExact(testAccImageID2)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("state"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("operation_state"), knownvalue.StringExact("reinstall-succeed")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckRequests(srv, "ReinstallOS", 1),
					testAccCheckRequests(srv, "ChangeInstancePassword", 0),
				),
			},
			{
				Config: newPassword.hcl(srv),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckRequests(srv, "ChangeInstancePassword", 1),
					testAccCheckRequests(srv, "ReinstallOS", 1),
					resource.TestCheckResourceAttr(res, "password", testAccNewPassword),
				),
			},
			{
				Config: fixedIP.hcl(srv),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("network_interfaces").AtSliceIndex(0).AtMapKey("ipv4_address"),
						knownvalue.StringExact("192.168.10.20")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("operation_state"), knownvalue.StringExact("modify-ip-succeed")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckRequests(srv, "ModifyInstanceIp", 1),
					testAccCheckRequests(srv, "CreateInstance", 1),
				),
			},
			{
				Config: renamed.hcl(srv),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("name"), knownvalue.StringExact("bm-02")),
				},
				Check: testAccCheckRequests(srv, "CreateInstance", 2),
			},
		},
	})
}

// TestAccInstance_placementAndImport places an instance on a named server
// and checks that importing an unknown or malformed ID fails clearly.
func TestAccInstance_placementAndImport(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	serverID := testAccReadyServer(t, srv)
	cfg := instanceConfig{name: "placed", image: testAccImageID, password: testAccPassword, serverID: serverID}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: cfg.hcl(srv),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("clouddc_instance.test", tfjsonpath.New("server_id"), knownvalue.StringExact(serverID)),
				},
			},
			{
				ResourceName:  "clouddc_instance.test",
				ImportState:   true,
				ImportStateId: "0198170e-4ca7-7ee4-89a7-fa631843920b",
				ExpectError:   regexp.MustCompile(`No instance with ID 0198170e-4ca7-7ee4-89a7-fa631843920b exists`),
			},
			{
				ResourceName:  "clouddc_instance.test",
				ImportState:   true,
				ImportStateId: "0198170E-4CA7-7EE4-89A7-FA631843920B",
				ExpectError:   regexp.MustCompile(`is not an instance ID: expected a\s+lower-case UUID`),
			},
		},
	})
}

// testAccReadyServer returns the ID of a physical server ready for an instance.
func testAccReadyServer(t *testing.T, srv *emulatortest.Server) string {
	t.Helper()
	for s, err := range testAccClient(t, srv).AllServers(t.Context(), clouddc.ListServersRequest{ManageState: clouddc.ManageStateReady}) {
		if err != nil {
			t.Fatalf("listing servers: %v", err)
		}
		return s.ID
	}
	t.Fatal("the emulator has no ready server")
	return ""
}

// TestAccInstance_deletedOutOfBand deletes the instance behind Terraform's
// back: the next plan must recreate it.
func TestAccInstance_deletedOutOfBand(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	cfg := instanceConfig{name: "oob", image: testAccImageID, password: testAccPassword}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: cfg.hcl(srv),
			},
			{
				PreConfig: func() {
					ids, err := testAccInstanceIDs(t.Context(), t, srv)
					if err != nil || len(ids) != 1 {
						t.Fatalf("want exactly one instance, got %v (%v)", ids, err)
					}
					ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
					defer cancel()
					if err := testAccEngine(t, srv).DeleteInBatches(ctx, ids, lifecycle.DeleteOptions{Wait: true}); err != nil {
						t.Fatalf("deleting out of band: %v", err)
					}
				},
				Config:             cfg.hcl(srv),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("clouddc_instance.test", plancheck.ResourceActionCreate),
					},
				},
			},
			{
				Config: cfg.hcl(srv),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("clouddc_instance.test", plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("clouddc_instance.test", tfjsonpath.New("state"), knownvalue.StringExact("running")),
				},
				Check: testAccCheckRequests(srv, "CreateInstance", 2),
			},
		},
	})
}

// testAccInstanceIDs lists every instance in the emulator that is not terminated.
func testAccInstanceIDs(ctx context.Context, t *testing.T, srv *emulatortest.Server) ([]string, error) {
	t.Helper()
	var ids []string
	for in, err := range testAccClient(t, srv).AllInstances(ctx, clouddc.ListInstancesRequest{}) {
		if err != nil {
			return nil, err
		}
		if !clouddc.IsTerminalState(in.State) {
			ids = append(ids, in.ID)
		}
	}
	return ids, nil
}

// TestAccInstance_writeOnlyPassword checks that password_wo never reaches
// the state and that bumping password_wo_version changes the password.
func TestAccInstance_writeOnlyPassword(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	v1 := instanceConfig{name: "wo", image: testAccImageID, passwordWO: testAccPassword, passwordWOVersion: 1}
	v2 := v1
	v2.passwordWO = testAccNewPassword
	v2.passwordWOVersion = 2
	res := "clouddc_instance.test"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: v1.hcl(srv),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(1)),
				},
				Check: testAccCheckNoSecretInStateFile(t, testAccPassword),
			},
			{
				// A new write-only value alone is invisible to Terraform: nothing to do.
				Config: func() string { c := v1; c.passwordWO = testAccNewPassword; return c.hcl(srv) }(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testAccCheckRequests(srv, "ChangeInstancePassword", 0),
			},
			{
				Config: v2.hcl(srv),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckRequests(srv, "ChangeInstancePassword", 1),
					testAccCheckNoSecretInStateFile(t, testAccPassword, testAccNewPassword),
				),
			},
		},
	})
}

// testAccCheckNoSecretInStateFile fails if any secret appears anywhere in the
// state the testing framework hands over, attribute values and all.
func testAccCheckNoSecretInStateFile(t *testing.T, secrets ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		t.Helper()
		for name, rs := range s.RootModule().Resources {
			if rs.Primary == nil {
				continue
			}
			for k, v := range rs.Primary.Attributes {
				for _, secret := range secrets {
					if strings.Contains(v, secret) {
						return fmt.Errorf("%s: attribute %s holds a secret that must never be stored", name, k)
					}
				}
			}
		}
		return nil
	}
}

// TestAccInstance_badInput checks the plan-time errors for bad configurations:
// each fails before any API call.
func TestAccInstance_badInput(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	ok := instanceConfig{name: "bad", image: testAccImageID, password: testAccPassword}
	tests := []struct {
		name   string
		config instanceConfig
		want   string
	}{
		{"malformed image", func() instanceConfig { c := ok; c.image = "not-a-uuid"; return c }(), `"not-a-uuid" is not a lower-case UUID`},
		{"malformed server", func() instanceConfig { c := ok; c.serverID = "SERVER-1"; return c }(), `"SERVER-1" is not a lower-case UUID`},
		{"bad name", func() instanceConfig { c := ok; c.name = "bad name"; return c }(), `only letters`},
		{"short password", func() instanceConfig { c := ok; c.password = "Ab1!"; return c }(), `password must be 8 to 26 characters`},
		{"weak password", func() instanceConfig { c := ok; c.password = "abcdefghij"; return c }(), `at least 3 of`},
		{"password with root", func() instanceConfig { c := ok; c.password = "Root1234!x"; return c }(), `must not contain the user name`},
		{"both passwords", func() instanceConfig {
			c := ok
			c.extra = fmt.Sprintf("  password_wo = %q\n  password_wo_version = 1\n", testAccPassword)
			return c
		}(), `(?s)Invalid Attribute Combination.*password.*password_wo`},
		{"no password", func() instanceConfig { c := ok; c.password = ""; return c }(), `(?s)A password is needed to create the instance.*set\s+password_wo`},
		{"password_wo without version", func() instanceConfig {
			c := ok
			c.password = ""
			c.extra = fmt.Sprintf("  password_wo = %q\n", testAccPassword)
			return c
		}(), `(?s)password_wo_version.*must be specified`},
		{"bad ipv4", func() instanceConfig { c := ok; c.ip = "10.0.0.256"; return c }(), `"10.0.0.256" is not an IPv4 address`},
		{"three nics", func() instanceConfig {
			c := ok
			c.extra = "" // network_interfaces is replaced below.
			return c
		}(), `network_interfaces list must contain at least 1 elements and at\s+most 2 elements, got: 3`},
		{"too much metadata", func() instanceConfig {
			c := ok
			pairs := make([]string, 11)
			for i := range pairs {
				pairs[i] = fmt.Sprintf("k%d = \"v\"", i)
			}
			c.extra = "  metadata = { " + strings.Join(pairs, ", ") + " }\n"
			return c
		}(), `metadata map must contain at most 10 elements`},
	}
	var steps []resource.TestStep
	for _, tt := range tests {
		cfg := tt.config.hcl(srv)
		if tt.name == "three nics" {
			cfg = strings.Replace(cfg, fmt.Sprintf("network_interfaces = [{ subnet_id = %q }]", testAccSubnetID),
				fmt.Sprintf("network_interfaces = [{ subnet_id = %q }, { subnet_id = %q }, { subnet_id = %q }]",
					testAccSubnetID, testAccSubnetID2, testAccSubnetID), 1)
		}
		steps = append(steps, resource.TestStep{
			Config:      cfg,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(tt.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if n := srv.Emulator.Stats().Requests["CreateInstance"]; n != 0 {
		t.Errorf("bad input reached the API: %d CreateInstance calls", n)
	}
}

// TestAccProvider_configErrors checks provider configuration errors at plan.
func TestAccProvider_configErrors(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	data := "data \"clouddc_servers\" \"all\" {}\n"
	tests := []struct {
		name     string
		provider string
		want     string
	}{
		{"conflicting auth", fmt.Sprintf(`provider "clouddc" {
  endpoint   = %q
  project_id = %q
  auth_token = "t"
  access_key = "AK"
  secret_key = "SK"
}
`, srv.URL, srv.Config.ProjectID), `Conflicting authentication settings`},
		{"access key without secret key", fmt.Sprintf(`provider "clouddc" {
  endpoint   = %q
  project_id = %q
  access_key = "AK"
}
`, srv.URL, srv.Config.ProjectID), `Missing secret_key`},
		{"unknown region", fmt.Sprintf(`provider "clouddc" {
  region     = "mars-1"
  project_id = %q
  auth_token = "t"
}
`, srv.Config.ProjectID), `(?s)Region "mars-1".*Known regions: cn-southwest-2`},
		{"bad endpoint", fmt.Sprintf(`provider "clouddc" {
  endpoint   = "localhost:8787"
  project_id = %q
  auth_token = "t"
}
`, srv.Config.ProjectID), `must start with https://`},
		{"wrong token", fmt.Sprintf(`provider "clouddc" {
  endpoint   = %q
  project_id = %q
  auth_token = "wrong-token"
  max_retries = 0
}
`, srv.URL, srv.Config.ProjectID), `(?i)401|unauthori`},
	}
	var steps []resource.TestStep
	for _, tt := range tests {
		steps = append(steps, resource.TestStep{
			Config:      tt.provider + data,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(tt.want),
		})
	}
	// The config errors come from the provider with no environment help.
	for _, names := range envVars {
		for _, key := range names {
			if os.Getenv(key) != "" {
				t.Skipf("%s is set in the environment; it would change the provider configuration", key)
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// TestAccInstance_deleteFailureKeepsState makes the deletion fail (state
// error) and then time out: each time destroy fails with an error naming the
// instance, the instance stays in state, and a later destroy completes.
func TestAccInstance_deleteFailureKeepsState(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: 3 * time.Second})
	res := "clouddc_instance.test"
	withTimeout := func(d string) string {
		c := instanceConfig{name: "doomed", image: testAccImageID, password: testAccPassword,
			extra: fmt.Sprintf("  timeouts {\n    delete = %q\n  }\n", d)}
		return c.hcl(srv)
	}
	one, zero := 1.0, 0.0
	expectDelete := resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(res, plancheck.ResourceActionDestroy)},
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{Config: withTimeout("1m")},
			{
				// Every deletion fails: the error names the instance and the
				// API's message; the instance stays in state.
				PreConfig: func() {
					srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &one})
				},
				Config:           withTimeout("1m"),
				Destroy:          true,
				ConfigPlanChecks: expectDelete,
				ExpectError:      regexp.MustCompile(`(?s)Instance [0-9a-f-]{36} was not deleted.*error`),
			},
			{
				// A delete timeout counts once it is in state.
				PreConfig: func() {
					srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &zero})
				},
				Config: withTimeout("300ms"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("state"), knownvalue.StringExact("error")),
				},
			},
			{
				// The delete timeout ends the wait while the instance is still
				// shutting down; the error says so and what to do.
				Config:           withTimeout("300ms"),
				Destroy:          true,
				ConfigPlanChecks: expectDelete,
				ExpectError:      regexp.MustCompile(`(?s)was not deleted.*delete timeout \(300ms\) was reached`),
			},
			{
				// Once the deletion under way has finished, a rerun completes:
				// the refresh finds the instance terminated and drops it.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
					defer cancel()
					ids, err := testAccInstanceIDs(ctx, t, srv)
					if err != nil {
						t.Fatal(err)
					}
					if err := testAccEngine(t, srv).DeleteInBatches(ctx, ids, lifecycle.DeleteOptions{Wait: true}); err != nil {
						t.Fatalf("waiting for the deletion under way: %v", err)
					}
				},
				Config:  withTimeout("300ms"),
				Destroy: true,
			},
		},
	})
}

// TestAccInstance_createAnswerWithoutID: CreateInstance is accepted (the
// instance is created) but a gateway strips the answer to {}. The apply fails
// saying that an instance may have been created, with what to do, and
// nothing is stored in state (no instance with the ID ""): the next plan
// creates, it does not replace a resource with an empty ID.
func TestAccInstance_createAnswerWithoutID(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{Servers: 2})
	proxy := testAccLyingProxy(t, srv, func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/instances") && status < 300 {
			return status, []byte(`{}`)
		}
		return status, body
	})
	config := strings.Replace(instanceConfig{name: "no-id", image: testAccImageID, password: testAccPassword}.hcl(srv), srv.URL, proxy, 1)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: fleetAnyOrder("no usable instance ID", `no "instance_id"`, "may have been created", "terraform import"),
			},
			{
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction("clouddc_instance.test", plancheck.ResourceActionCreate)},
				},
			},
		},
	})
	if n := srv.Emulator.Stats().Requests["CreateInstance"]; n != 1 {
		t.Errorf("%d CreateInstance calls, want 1 (not retried)", n)
	}
}
