// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestConvertMatchesTerraformJSON(t *testing.T) {
	resp := &tfprotov6.GetProviderSchemaResponse{
		Provider: &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{
			Description: "The provider.",
			Attributes: []*tfprotov6.SchemaAttribute{
				{Name: "token", Type: tftypes.String, Optional: true, Sensitive: true, Description: "A token."},
			},
		}},
		ResourceSchemas: map[string]*tfprotov6.Schema{
			"x_thing": {Version: 2, Block: &tfprotov6.SchemaBlock{
				Attributes: []*tfprotov6.SchemaAttribute{
					{Name: "ids", Type: tftypes.Set{ElementType: tftypes.String}, Required: true, Description: "**IDs**.", DescriptionKind: tfprotov6.StringKindMarkdown},
					{Name: "nics", Computed: true, NestedType: &tfprotov6.SchemaObject{
						Nesting:    tfprotov6.SchemaObjectNestingModeList,
						Attributes: []*tfprotov6.SchemaAttribute{{Name: "ip", Type: tftypes.String, Computed: true}},
					}},
				},
				BlockTypes: []*tfprotov6.SchemaNestedBlock{{
					TypeName: "timeouts",
					Nesting:  tfprotov6.SchemaNestedBlockNestingModeSingle,
					Block: &tfprotov6.SchemaBlock{Attributes: []*tfprotov6.SchemaAttribute{
						{Name: "delete", Type: tftypes.String, Optional: true},
					}},
				}},
			}},
		},
		ActionSchemas: map[string]*tfprotov6.ActionSchema{
			"x_do": {Schema: &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{
				Attributes: []*tfprotov6.SchemaAttribute{{Name: "wait", Type: tftypes.Bool, Optional: true}},
			}}},
		},
	}
	identities := &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{
		"x_thing": {Version: 1, IdentityAttributes: []*tfprotov6.ResourceIdentitySchemaAttribute{
			{Name: "id", Type: tftypes.String, RequiredForImport: true, Description: "The ID."},
			{Name: "region", Type: tftypes.String, OptionalForImport: true},
		}},
	}}
	resp.ListResourceSchemas = map[string]*tfprotov6.Schema{
		"x_thing": {Block: &tfprotov6.SchemaBlock{Description: "Lists things.", Attributes: []*tfprotov6.SchemaAttribute{
			{Name: "ids", Type: tftypes.List{ElementType: tftypes.String}, Optional: true},
		}}},
	}
	ps, err := convert(resp, identities)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	// What Terraform 1.14 prints for the same schema (key order as encoding/json sorts maps).
	want := `{"provider":{"version":0,"block":{"attributes":{"token":{"type":"string","description":"A token.","description_kind":"plain","optional":true,"sensitive":true}},"description":"The provider.","description_kind":"plain"}},` +
		`"resource_schemas":{"x_thing":{"version":2,"block":{"attributes":{"ids":{"type":["set","string"],"description":"**IDs**.","description_kind":"markdown","required":true},` +
		`"nics":{"nested_type":{"attributes":{"ip":{"type":"string","description_kind":"plain","computed":true}},"nesting_mode":"list"},"description_kind":"plain","computed":true}},` +
		`"block_types":{"timeouts":{"nesting_mode":"single","block":{"attributes":{"delete":{"type":"string","description_kind":"plain","optional":true}},"description_kind":"plain"}}},"description_kind":"plain"}}},` +
		`"resource_identity_schemas":{"x_thing":{"version":1,"attributes":{"id":{"type":"string","description":"The ID.","required_for_import":true},"region":{"type":"string","optional_for_import":true}}}},` +
		`"list_resource_schemas":{"x_thing":{"version":0,"block":{"attributes":{"ids":{"type":["list","string"],"description_kind":"plain","optional":true}},"description":"Lists things.","description_kind":"plain"}}},` +
		`"action_schemas":{"x_do":{"block":{"attributes":{"wait":{"type":"bool","description_kind":"plain","optional":true}},"description_kind":"plain"}}}}`
	if string(got) != want {
		t.Errorf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

func TestTypeJSON(t *testing.T) {
	for _, tc := range []struct {
		typ  tftypes.Type
		want string
	}{
		{tftypes.String, `"string"`},
		{tftypes.Number, `"number"`},
		{tftypes.Bool, `"bool"`},
		{tftypes.DynamicPseudoType, `"dynamic"`},
		{tftypes.List{ElementType: tftypes.Number}, `["list","number"]`},
		{tftypes.Map{ElementType: tftypes.Set{ElementType: tftypes.String}}, `["map",["set","string"]]`},
		{tftypes.Object{AttributeTypes: map[string]tftypes.Type{"b": tftypes.Bool, "a": tftypes.String}}, `["object",{"a":"string","b":"bool"}]`},
		{tftypes.Object{
			AttributeTypes:     map[string]tftypes.Type{"a": tftypes.String, "b": tftypes.Bool},
			OptionalAttributes: map[string]struct{}{"b": {}},
		}, `["object",{"a":"string","b":"bool"},["b"]]`},
		{tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.String, tftypes.Bool}}, `["tuple",["string","bool"]]`},
	} {
		got, err := typeJSON(tc.typ)
		if err != nil || string(got) != tc.want {
			t.Errorf("typeJSON(%s) = %s, %v; want %s", tc.typ, got, err, tc.want)
		}
	}
}

func TestConvertFailsOnErrorDiagnostics(t *testing.T) {
	_, err := convert(&tfprotov6.GetProviderSchemaResponse{Diagnostics: []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError, Summary: "bad schema", Detail: "attribute x has no description",
	}}}, nil)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("bad schema")) {
		t.Fatalf("want an error naming the diagnostic, got %v", err)
	}
	_, err = convert(&tfprotov6.GetProviderSchemaResponse{}, &tfprotov6.GetResourceIdentitySchemasResponse{
		IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{"x_thing": {IdentityAttributes: []*tfprotov6.ResourceIdentitySchemaAttribute{
			{Name: "id", Type: tftypes.String},
		}}},
	})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("x_thing attribute id")) {
		t.Fatalf("want an error for an identity attribute neither required nor optional for import, got %v", err)
	}
}

// TestDumpReadsAsTerraformProviderSchema dumps the real provider and reads the
// file back the way tfplugindocs does (terraform-json), so docs generation can
// rely on it: every resource, data source and action is there, described.
func TestDumpReadsAsTerraformProviderSchema(t *testing.T) {
	out := filepath.Join(t.TempDir(), "schema.json")
	if err := run(t.Context(), out, "clouddc"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var schemas tfjson.ProviderSchemas
	if err := schemas.UnmarshalJSON(raw); err != nil {
		t.Fatalf("terraform-json rejects the dump: %v", err)
	}
	ps, ok := schemas.Schemas["clouddc"]
	if !ok {
		t.Fatalf("no provider under key clouddc: %s", raw)
	}
	if ps.ConfigSchema == nil || ps.ConfigSchema.Block == nil || ps.ConfigSchema.Block.Description == "" {
		t.Errorf("provider configuration schema missing or undescribed")
	}
	for _, name := range []string{"clouddc_batch_delete_instances", "clouddc_server_power"} {
		a, ok := ps.ActionSchemas[name]
		if !ok || a.Block == nil {
			t.Errorf("action %s missing from the dump", name)
			continue
		}
		for attrName, attr := range a.Block.Attributes {
			if attr.Description == "" {
				t.Errorf("action %s attribute %s has no description", name, attrName)
			}
		}
	}
	if ls, ok := ps.ListResourceSchemas["clouddc_instance"]; !ok || ls.Block == nil || ls.Block.Description == "" {
		t.Errorf("list resource clouddc_instance missing from the dump or undescribed")
	}
	if is, ok := ps.ResourceIdentitySchemas["clouddc_instance"]; !ok || is.Attributes["id"] == nil ||
		!is.Attributes["id"].RequiredForImport || is.Attributes["project_id"] == nil || !is.Attributes["project_id"].OptionalForImport {
		t.Errorf("identity of clouddc_instance missing from the dump or wrong: %+v", is)
	}
	for kind, m := range map[string]map[string]*tfjson.Schema{
		"resource": ps.ResourceSchemas, "data source": ps.DataSourceSchemas, "list resource": ps.ListResourceSchemas,
	} {
		for name, s := range m {
			for attrName, attr := range s.Block.Attributes {
				if attr.Description == "" {
					t.Errorf("%s %s attribute %s has no description", kind, name, attrName)
				}
			}
		}
	}
}
