// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// adoptedConfig is a clouddc_instance "test" as an adopter writes it (or
// terraform query generates it): what the instance is, no password.
func adoptedConfig(srv *emulatortest.Server, name, image, extra string) string {
	return testAccProviderConfig(srv) + fmt.Sprintf(`
resource "clouddc_instance" "test" {
  name               = %q
  image_id           = %q
  vpc_id             = %q
  network_interfaces = [{ subnet_id = %q }]
%s}
`, name, image, testAccVpcID, testAccSubnetID, extra)
}

// TestAccInstance_identity: an instance created by Terraform has an identity,
// and every way to import it (by identity, import block with id, terraform
// import) reads it back with no change, without a password.
func TestAccInstance_identity(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	res := "clouddc_instance.test"
	created := instanceConfig{name: "ident", image: testAccImageID, passwordWO: testAccPassword, passwordWOVersion: 1}
	adopted := adoptedConfig(srv, "ident", testAccImageID, "")

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipBelow(tfversion.Version1_12_0),
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: created.hcl(srv),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(res, map[string]knownvalue.Check{
						"id":         knownvalue.StringRegexp(uuidRegexp),
						"project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					statecheck.ExpectIdentityValueMatchesState(res, tfjsonpath.New("id")),
				},
			},
			// import { to = ..., identity = { id, project_id } } with the
			// adopted configuration (no password): a no-op import whose
			// planned identity is the one in state.
			{
				ResourceName:    res,
				Config:          adopted,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			// import { to = ..., id = "..." }.
			{
				ResourceName:    res,
				Config:          adopted,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			// terraform import: what is read back matches what was created.
			{
				ResourceName:            res,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password_wo_version"},
			},
		},
	})
}

// TestAccInstance_importByIdentity imports an instance created outside
// Terraform with an import block by identity, and checks the errors.
func TestAccInstance_importByIdentity(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	id := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "outside"}, 1)[0]
	res := "clouddc_instance.test"
	name := testAccInstance(t, srv, id).Name // One instance of a RunInstances call has the name as given.
	adopted := adoptedConfig(srv, name, testAccImageID, "")
	importBlock := func(identity string) string {
		return adopted + fmt.Sprintf("import {\n  to       = %s\n  identity = { %s }\n}\n", res, identity)
	}
	const otherProject = "fedcba9876543210fedcba9876543210"

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipBelow(tfversion.Version1_12_0),
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config:      importBlock(fmt.Sprintf("id = %q, project_id = %q", id, otherProject)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Instance identity is in another project.*names project\s+` + otherProject + `.*configured for\s+project\s+` + srv.Config.ProjectID),
			},
			{
				Config:      importBlock(`id = "0198170e-4ca7-7ee4-89a7-fa631843920b"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`No instance with ID 0198170e-4ca7-7ee4-89a7-fa631843920b exists`),
			},
			{
				Config:      importBlock(`id = "NOT-A-UUID"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`"NOT-A-UUID" is not an instance ID`),
			},
			// project_id left out: the provider's. One to import, no change;
			// after the apply the plan is empty (checked by the framework).
			{
				Config: importBlock(fmt.Sprintf("id = %q", id)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(res, map[string]knownvalue.Check{
						"id":         knownvalue.StringExact(id),
						"project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("password"), knownvalue.Null()),
				},
			},
		},
	})
}

// TestAccInstance_adoptWithoutPassword adopts an instance created outside
// Terraform with no password in the configuration (as generated
// configuration has none), and checks that a password is required exactly
// where one is needed: a reinstall (image_id) and a replacement, both refused
// at plan time, before anything changes.
func TestAccInstance_adoptWithoutPassword(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{})
	id := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "adopt", Description: "kept"}, 1)[0]
	res := "clouddc_instance.test"
	name := testAccInstance(t, srv, id).Name
	desc := "  description = \"kept\"\n"
	withImport := adoptedConfig(srv, name, testAccImageID, desc) +
		fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", res, id)
	adopted := adoptedConfig(srv, name, testAccImageID, desc)
	withWO := fmt.Sprintf("%s  password_wo         = %q\n  password_wo_version = 1\n", desc, testAccNewPassword)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckInstanceDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: withImport,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("description"), knownvalue.StringExact("kept")),
				},
			},
			{
				Config:      adoptedConfig(srv, name, testAccImageID2, desc),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)A password is needed to reinstall the OS.*` + id),
			},
			{
				Config:      adoptedConfig(srv, name + "-renamed", testAccImageID, desc),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)A password is needed to replace the instance.*` + id),
			},
			{
				Config:      adoptedConfig(srv, name, testAccImageID, "  description = \"changed\"\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`A password is needed to replace the instance`),
			},
			// Unchanged, it still plans nothing.
			{Config: adopted, PlanOnly: true},
			// With a password the reinstall goes ahead, in place.
			{
				Config: adoptedConfig(srv, name, testAccImageID2, withWO),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("image_id"), knownvalue.StringExact(testAccImageID2)),
				},
				Check: testAccCheckRequests(srv, "ReinstallOS", 1),
			},
		},
	})
	if n := srv.Emulator.Stats().Requests["CreateInstance"]; n != 0 {
		t.Errorf("adopting made %d CreateInstance calls, want 0", n)
	}
}
