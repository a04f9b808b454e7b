// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// configureWith runs the provider's Configure on a configuration whose
// attributes are all null except those in set.
func configureWith(t *testing.T, set map[string]tftypes.Value) *provider.ConfigureResponse {
	t.Helper()
	p := New("test")()
	var sresp provider.SchemaResponse
	p.Schema(t.Context(), provider.SchemaRequest{}, &sresp)
	typ, ok := sresp.Schema.Type().TerraformType(t.Context()).(tftypes.Object)
	if !ok {
		t.Fatal("provider schema type is not an object")
	}
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range set {
		vals[name] = v
	}
	req := provider.ConfigureRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}}
	var resp provider.ConfigureResponse
	p.Configure(t.Context(), req, &resp)
	return &resp
}

func TestConfigureUnknownValuesDefer(t *testing.T) {
	t.Parallel()
	resp := configureWith(t, map[string]tftypes.Value{
		"endpoint":   tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"project_id": tftypes.NewValue(tftypes.String, "p"),
	})
	if resp.Diagnostics.HasError() {
		t.Fatalf("unknown values must not be an error: %v", resp.Diagnostics)
	}
	if resp.ResourceData != nil || resp.DataSourceData != nil || resp.ActionData != nil {
		t.Error("an unconfigured provider must hand out no data")
	}
}

func TestConfigureSharesOneProviderData(t *testing.T) {
	t.Parallel()
	resp := configureWith(t, map[string]tftypes.Value{
		"endpoint":   tftypes.NewValue(tftypes.String, "http://127.0.0.1:1"),
		"project_id": tftypes.NewValue(tftypes.String, "0123456789abcdef0123456789abcdef"),
		"auth_token": tftypes.NewValue(tftypes.String, "t"),
	})
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	pd, ok := resp.ResourceData.(*providerData)
	if !ok || pd.client == nil || pd.engine == nil || pd.projectID != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("ResourceData = %#v", resp.ResourceData)
	}
	if resp.DataSourceData != pd || resp.ActionData != pd {
		t.Error("resources, data sources and actions must share one *providerData")
	}
}

func TestConfigureReportsBadConfig(t *testing.T) {
	t.Parallel()
	resp := configureWith(t, map[string]tftypes.Value{
		"region":     tftypes.NewValue(tftypes.String, "mars-1"),
		"project_id": tftypes.NewValue(tftypes.String, "p"),
		"auth_token": tftypes.NewValue(tftypes.String, "t"),
	})
	if !resp.Diagnostics.HasError() || resp.Diagnostics.Errors()[0].Summary() != "Unknown region" {
		t.Fatalf("diagnostics = %v, want Unknown region", resp.Diagnostics)
	}
	if resp.ResourceData != nil {
		t.Error("a failed Configure must hand out no data")
	}
}

func TestProviderDataFrom(t *testing.T) {
	t.Parallel()
	var diags diag.Diagnostics
	if pd := providerDataFrom(nil, &diags); pd != nil || diags.HasError() {
		t.Errorf("nil data: got %v, %v", pd, diags)
	}
	want := &providerData{projectID: "p"}
	if pd := providerDataFrom(want, &diags); pd != want || diags.HasError() {
		t.Errorf("got %v, %v", pd, diags)
	}
	if pd := providerDataFrom("nope", &diags); pd != nil || !diags.HasError() {
		t.Errorf("wrong type: got %v, %v", pd, diags)
	}
}
