// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// TestAccProvider_accessKeyAuth configures the provider with an access key
// pair: every request is signed with SDK-HMAC-SHA256 and the emulator checks
// the signature; a wrong secret key is rejected.
func TestAccProvider_accessKeyAuth(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{AccessKey: "ACCTESTAK0123456789", SecretKey: "acctest-secret-key", Servers: 4})
	config := func(sk string) string {
		return fmt.Sprintf(`
provider "clouddc" {
  endpoint    = %q
  project_id  = %q
  access_key  = %q
  secret_key  = %q
  max_retries = 0
}

data "clouddc_servers" "all" {}
`, srv.URL, srv.Config.ProjectID, srv.Config.AccessKey, sk)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config("not-the-secret-key"),
				ExpectError: regexp.MustCompile(`(?is)cannot list servers.*HTTP 401.*signature does not match`),
			},
			{
				Config: config(srv.Config.SecretKey),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_servers.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(4)),
				},
			},
		},
	})
}

// TestAccProvider_tls serves the emulator over HTTPS with a self-signed
// certificate: the provider refuses it by default and accepts it only with
// insecure = true.
func TestAccProvider_tls(t *testing.T) {
	testAccPreCheck(t)
	emu, err := emulator.New(emulator.Config{
		ProjectID: emulatortest.DefaultProjectID, Token: emulatortest.DefaultToken, Servers: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(emu)
	t.Cleanup(func() {
		ts.Close()
		if err := emu.Close(); err != nil {
			t.Errorf("closing the emulator: %v", err)
		}
	})
	config := func(insecure bool) string {
		return fmt.Sprintf(`
provider "clouddc" {
  endpoint    = %q
  project_id  = %q
  auth_token  = %q
  insecure    = %t
  max_retries = 0
}

data "clouddc_servers" "all" {}
`, ts.URL, emulatortest.DefaultProjectID, emulatortest.DefaultToken, insecure)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(false),
				ExpectError: regexp.MustCompile(`(?i)certificate`),
			},
			{
				Config: config(true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_servers.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(3)),
				},
			},
		},
	})
}

// TestAccProvider_unknownConfiguration: with a clouddc_instances fleet and a
// clouddc_instances_batch_delete over it in state, the provider's endpoint
// becomes a value known only after apply (the output of a terraform_data
// not created yet). A plan and a refresh with real terraform neither crash
// nor change the state: the resources keep their prior state with a
// warning, and only the terraform_data is planned.
func TestAccProvider_unknownConfiguration(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{Servers: 2})
	resources := `
resource "clouddc_instances" "test" {
  name               = "unknown-cfg"
  image_id           = "0198170e-0000-7000-8000-00000000abcd"
  vpc_id             = "vpc-fleet"
  network_interfaces = [{ subnet_id = "subnet-fleet" }]
  instance_count     = 2
  password_wo         = "Fleet-Pass1"
  password_wo_version = 1
}

resource "clouddc_instances_batch_delete" "test" {
  instance_ids = keys(clouddc_instances.test.instances)
}
`
	known := testAccProviderConfig(srv) + resources
	unknown := fmt.Sprintf(`
resource "terraform_data" "endpoint" {
  input = %q
}

provider "clouddc" {
  endpoint   = terraform_data.endpoint.output
  project_id = %q
  auth_token = %q
}
`, srv.URL, srv.Config.ProjectID, srv.Config.Token) + resources

	var before []string
	sameState := func(s *terraform.State) error {
		ids, err := fleetStateIDs(s)
		if err != nil {
			return err
		}
		if len(ids) != 2 || !slices.Equal(ids, before) {
			return fmt.Errorf("fleet ids in state = %v, want the %v from before", ids, before)
		}
		return checkBatchIDs(s, before, before)
	}
	noop := func(addr string) plancheck.PlanCheck {
		return plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: known,
				Check: func(s *terraform.State) error {
					ids, err := fleetStateIDs(s)
					before = ids
					return err
				},
			},
			{
				// terraform plan (with refresh): the endpoint is unknown.
				Config:             unknown,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						noop(fleetAddr), noop(batchDeleteAddr),
						plancheck.ExpectResourceAction("terraform_data.endpoint", plancheck.ResourceActionCreate),
					},
				},
			},
			{
				// terraform refresh with that configuration keeps the state.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              sameState,
			},
			{
				// Back to a known endpoint: nothing to change.
				Config: known,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: sameState,
			},
		},
	})
}
