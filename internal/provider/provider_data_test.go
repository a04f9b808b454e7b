// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestUnknownProviderConfiguration drives every resource, data source and
// action through the protocol, as Terraform does at plan time when the
// provider block has a value known only after apply (endpoint =
// some_resource.x.output): nothing panics; a resource's Read keeps its prior
// state exactly and warns; everything that must call the API fails with an
// error naming the unknown attribute and saying what to do.
func TestUnknownProviderConfiguration(t *testing.T) {
	t.Parallel()
	s := newActionServer(t, nil, 0)
	ctx := t.Context()
	cfg := s.encode(s.schemas.Provider.ValueType(), map[string]tftypes.Value{
		"endpoint":   tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"project_id": tfString("0123456789abcdef0123456789abcdef"),
		"auth_token": tfString("t"),
	})
	conf, err := s.server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	assertNoDiagnostics(t, "ConfigureProvider", conf.Diagnostics)

	const id = "0198170e-4ca7-7ee4-89a7-fa631843920b"
	// What each resource's state holds (the rest null): enough for its Read.
	states := map[string]map[string]tftypes.Value{
		"clouddc_instance": {"id": tfString(id), "name": tfString("bm")},
		"clouddc_instances": {
			"id": tfString("f1"), "name": tfString("fleet"),
			"instances": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{id: tfString("running")}),
		},
		"clouddc_instances_batch_delete": {
			"id": tfString("b1"), "instance_ids": stringSet(id), "remaining_ids": stringSet(id),
		},
	}
	for _, typeName := range slices.Sorted(func(yield func(string) bool) {
		for k := range s.schemas.ResourceSchemas {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Run(typeName, func(t *testing.T) {
			typ := s.schemas.ResourceSchemas[typeName].ValueType()
			prior := s.encode(typ, states[typeName])

			read, err := s.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: prior})
			if err != nil {
				t.Fatal(err)
			}
			if text := errorText(read.Diagnostics); text != "" {
				t.Errorf("Read failed: %s", text)
			}
			if !hasWarning(read.Diagnostics, `"endpoint" is known only after apply`) {
				t.Errorf("Read gave no warning naming endpoint: %v", read.Diagnostics)
			}
			if read.NewState == nil || !slices.Equal(read.NewState.MsgPack, prior.MsgPack) {
				t.Errorf("Read changed the state")
			}
			if typeName == "clouddc_instance" && (read.NewIdentity == nil || read.NewIdentity.IdentityData == nil) {
				// A state from Terraform < 1.12 has none; the project is known, so the identity is whole.
				t.Errorf("Read of a state without identity set none")
			}

			create, err := s.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
				TypeName: typeName, PriorState: s.encode(typ, nil), PlannedState: prior, Config: prior,
			})
			if err != nil {
				t.Fatal(err)
			}
			wantGuardError(t, "Create", create.Diagnostics)

			del, err := s.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
				TypeName: typeName, PriorState: prior, PlannedState: nullOf(t, typ), Config: nullOf(t, typ),
			})
			if err != nil {
				t.Fatal(err)
			}
			wantGuardError(t, "Delete", del.Diagnostics)

			imp, err := s.server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: typeName, ID: id})
			if err != nil {
				t.Fatal(err)
			}
			wantGuardError(t, "Import", imp.Diagnostics)
		})
	}
	for typeName, ds := range s.schemas.DataSourceSchemas {
		vals := map[string]tftypes.Value{}
		if typeName == "clouddc_instance_status" {
			vals["id"] = tfString(id)
		}
		read, err := s.server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: s.encode(ds.ValueType(), vals)})
		if err != nil {
			t.Fatal(err)
		}
		wantGuardError(t, "data source "+typeName, read.Diagnostics)
	}
	lr := &instanceListResource{data: &providerData{unknown: []string{"endpoint"}}}
	results := collect(t, lr, listRequest(t, lr, nil, false, 10))
	if len(results) != 1 {
		t.Errorf("the list resource gave %d results, want one error", len(results))
	} else if text := diagText(results[0].Diagnostics); !strings.Contains(text, `"endpoint" is known only after apply`) {
		t.Errorf("the list resource's error %q does not name endpoint", text)
	}
	for typeName, vals := range map[string]map[string]tftypes.Value{
		batchDeleteActionType: {"instance_ids": stringSet(id)},
		serverPowerActionType: {"server_ids": stringSet(id), "action": tfString("on")},
	} {
		wantGuardError(t, "action "+typeName, s.invoke(ctx, typeName, vals).diagnostics)
	}
}

func nullOf(t *testing.T, typ tftypes.Type) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// wantGuardError fails unless diags hold the guard's error: it names the
// unknown attribute and says how to fix it.
func wantGuardError(t *testing.T, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	text := errorText(diags)
	for _, want := range []string{"not configured yet", `"endpoint" is known only after apply`, "-target"} {
		if !strings.Contains(text, want) {
			t.Errorf("%s: error %q does not contain %q", what, text, want)
		}
	}
}

func hasWarning(diags []*tfprotov6.Diagnostic, want string) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning && strings.Contains(d.Summary+" "+d.Detail, want) {
			return true
		}
	}
	return false
}
