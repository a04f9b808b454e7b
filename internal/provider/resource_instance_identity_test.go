// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

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
				Config:      adoptedConfig(srv, name+"-renamed", testAccImageID, desc),
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

// TestInstanceOtherProjectKeptInState: an instance whose stored identity
// names another project than the provider's is neither read as gone nor
// deleted: asked in the wrong project it would look deleted.
func TestInstanceOtherProjectKeptInState(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := newAccEmulator(t, emulator.Config{})
	id := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "mine"}, 1)[0]
	pd := testProviderData(t, srv)
	pd.projectID = "fedcba9876543210fedcba9876543210" // As if the provider were reconfigured.
	r := &instanceResource{data: pd}
	var rs fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &rs)
	is := instanceIdentitySchema()
	state := tfsdk.State{Schema: rs.Schema, Raw: tftypes.NewValue(rs.Schema.Type().TerraformType(ctx), nil)}
	if d := state.SetAttribute(ctx, path.Root("id"), id); d.HasError() {
		t.Fatal(d)
	}
	identity := &tfsdk.ResourceIdentity{Schema: is, Raw: tftypes.NewValue(is.Type().TerraformType(ctx), nil)}
	if d := identity.Set(ctx, newInstanceIdentity(id, srv.Config.ProjectID)); d.HasError() {
		t.Fatal(d)
	}

	readResp := fwresource.ReadResponse{State: state, Identity: identity}
	r.Read(ctx, fwresource.ReadRequest{State: state, Identity: identity}, &readResp)
	if !strings.Contains(diagText(readResp.Diagnostics), "belongs to project "+srv.Config.ProjectID) {
		t.Errorf("Read diagnostics %v, want the other-project error", readResp.Diagnostics)
	}
	if readResp.State.Raw.IsNull() {
		t.Error("Read removed the instance from state")
	}

	delResp := fwresource.DeleteResponse{State: state}
	r.Delete(ctx, fwresource.DeleteRequest{State: state, Identity: identity}, &delResp)
	if !strings.Contains(diagText(delResp.Diagnostics), "belongs to project "+srv.Config.ProjectID) {
		t.Errorf("Delete diagnostics %v, want the other-project error", delResp.Diagnostics)
	}
	if n := srv.Emulator.Stats().Requests["DeleteInstance"] + srv.Emulator.Stats().Requests["DeleteInstances"]; n != 0 {
		t.Errorf("Delete made %d delete calls, want 0", n)
	}
	if in := testAccInstance(t, srv, id); in.State != clouddc.StateRunning {
		t.Errorf("instance is %s, want running", in.State)
	}
}

func TestReplacementPlanned(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	state := instanceModel{
		Name: types.StringValue("a"), VpcID: types.StringValue("v"), Description: types.StringValue(""),
		Metadata: types.MapNull(types.StringType), ServerID: types.StringValue("s"),
		ImageID: types.StringValue("i"), NetworkInterfaces: nics(t, "n1"),
	}
	config := instanceModel{ServerID: types.StringNull()}
	tests := []struct {
		name   string
		change func(plan, config *instanceModel)
		want   bool
	}{
		{"nothing", func(*instanceModel, *instanceModel) {}, false},
		{"image only (reinstall, not replace)", func(p, _ *instanceModel) { p.ImageID = types.StringValue("j") }, false},
		{"name", func(p, _ *instanceModel) { p.Name = types.StringValue("b") }, true},
		{"unknown name", func(p, _ *instanceModel) { p.Name = types.StringUnknown() }, true},
		{"vpc", func(p, _ *instanceModel) { p.VpcID = types.StringValue("w") }, true},
		{"description", func(p, _ *instanceModel) { p.Description = types.StringValue("x") }, true},
		{"metadata", func(p, _ *instanceModel) {
			p.Metadata = types.MapValueMust(types.StringType, map[string]attr.Value{"k": types.StringValue("v")})
		}, true},
		{"server configured and changed", func(p, c *instanceModel) {
			p.ServerID, c.ServerID = types.StringValue("t"), types.StringValue("t")
		}, true},
		{"server not configured", func(p, _ *instanceModel) { p.ServerID = types.StringUnknown() }, false},
		{"one more nic", func(p, _ *instanceModel) { p.NetworkInterfaces = nics(t, "n1", "n2") }, true},
		{"subnet", func(p, _ *instanceModel) { p.NetworkInterfaces = nics(t, "n2") }, true},
		{"unknown nics", func(p, _ *instanceModel) { p.NetworkInterfaces = types.ListUnknown(networkInterfaceType) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan, cfg := state, config
			tt.change(&plan, &cfg)
			var diags diag.Diagnostics
			if got := replacementPlanned(ctx, plan, state, cfg, &diags); got != tt.want || diags.HasError() {
				t.Errorf("replacementPlanned = %v (%v), want %v", got, diags, tt.want)
			}
		})
	}
}

// TestInstanceCreateWithoutPassword: Create refuses to run without a
// password even if a plan got past ModifyPlan, before any API call.
func TestInstanceCreateWithoutPassword(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := newAccEmulator(t, emulator.Config{})
	r := &instanceResource{data: testProviderData(t, srv)}
	var rs fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &rs)
	var diags diag.Diagnostics
	m := instanceModel{
		Name: types.StringValue("x"), ImageID: types.StringValue(testAccImageID), VpcID: types.StringValue(testAccVpcID),
		NetworkInterfaces: nics(t, testAccSubnetID), Metadata: types.MapNull(types.StringType),
		Description: types.StringValue(""), Timeouts: nullTimeouts(ctx, rs.Schema, &diags),
	}
	plan := tfsdk.Plan{Schema: rs.Schema, Raw: tftypes.NewValue(rs.Schema.Type().TerraformType(ctx), nil)}
	diags.Append(plan.Set(ctx, &m)...)
	if diags.HasError() {
		t.Fatal(diags)
	}
	config := tfsdk.Config{Schema: rs.Schema, Raw: plan.Raw}
	resp := fwresource.CreateResponse{State: tfsdk.State{Schema: rs.Schema, Raw: tftypes.NewValue(rs.Schema.Type().TerraformType(ctx), nil)}}
	r.Create(ctx, fwresource.CreateRequest{Plan: plan, Config: config}, &resp)
	if !strings.Contains(diagText(resp.Diagnostics), "A password is needed to create the instance") {
		t.Errorf("Create diagnostics %v, want the password error", resp.Diagnostics)
	}
	if n := srv.Emulator.Stats().Requests["CreateInstance"]; n != 0 {
		t.Errorf("Create made %d CreateInstance calls, want 0", n)
	}
}

// nics is a network_interfaces list of the given subnets.
func nics(t *testing.T, subnets ...string) types.List {
	t.Helper()
	var out []networkInterfaceModel
	for _, s := range subnets {
		out = append(out, networkInterfaceModel{SubnetID: types.StringValue(s), IPv4Address: types.StringValue("10.0.0.1")})
	}
	l, d := types.ListValueFrom(t.Context(), networkInterfaceType, out)
	if d.HasError() {
		t.Fatal(d)
	}
	return l
}

// TestInstanceReadGoneWithoutIdentity: a state without an identity (written
// by Terraform < 1.12) whose instance is gone leaves state cleanly; the
// framework wants an identity even then.
func TestInstanceReadGoneWithoutIdentity(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := newAccEmulator(t, emulator.Config{})
	r := &instanceResource{data: testProviderData(t, srv)}
	var rs fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &rs)
	is := instanceIdentitySchema()
	state := tfsdk.State{Schema: rs.Schema, Raw: tftypes.NewValue(rs.Schema.Type().TerraformType(ctx), nil)}
	const gone = "0198170e-4ca7-7ee4-89a7-fa631843920b"
	if d := state.SetAttribute(ctx, path.Root("id"), gone); d.HasError() {
		t.Fatal(d)
	}
	null := tftypes.NewValue(is.Type().TerraformType(ctx), nil)
	resp := fwresource.ReadResponse{State: state, Identity: &tfsdk.ResourceIdentity{Schema: is, Raw: null.Copy()}}
	r.Read(ctx, fwresource.ReadRequest{State: state, Identity: &tfsdk.ResourceIdentity{Schema: is, Raw: null.Copy()}}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Errorf("the gone instance is still in state: %s", resp.State.Raw)
	}
	if resp.Identity.Raw.IsFullyNull() {
		t.Error("Read returned no identity; the framework rejects that")
	}
}
