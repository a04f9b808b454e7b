// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"slices"
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
	return configureWithRequest(t, set, nil)
}

// configureWithRequest is configureWith with a hook to change the request.
func configureWithRequest(t *testing.T, set map[string]tftypes.Value, mod func(*provider.ConfigureRequest)) *provider.ConfigureResponse {
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
	if mod != nil {
		mod(&req)
	}
	var resp provider.ConfigureResponse
	p.Configure(t.Context(), req, &resp)
	return &resp
}

// TestConfigureUnknownValues: a provider block with values known only after
// apply is no error; every resource, data source and action gets the same
// provider data without a client that names the unknown attributes (nil
// data used to make them dereference nil and crash the plugin), and a
// Terraform that allows deferrals is asked to defer.
func TestConfigureUnknownValues(t *testing.T) {
	t.Parallel()
	for _, deferral := range []bool{false, true} {
		resp := configureWithRequest(t, map[string]tftypes.Value{
			"endpoint":   tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
			"project_id": tftypes.NewValue(tftypes.String, "p"),
			"auth_token": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		}, func(req *provider.ConfigureRequest) { req.ClientCapabilities.DeferralAllowed = deferral })
		if resp.Diagnostics.HasError() {
			t.Fatalf("unknown values must not be an error: %v", resp.Diagnostics)
		}
		pd, ok := resp.ResourceData.(*providerData)
		if !ok || pd.configured() || !slices.Equal(pd.unknown, []string{"endpoint", "auth_token"}) {
			t.Fatalf("deferral %v: ResourceData = %#v, want unconfigured data naming endpoint and auth_token", deferral, resp.ResourceData)
		}
		if resp.DataSourceData != pd || resp.ActionData != pd {
			t.Errorf("deferral %v: resources, data sources and actions must share the provider data", deferral)
		}
		switch {
		case deferral && (resp.Deferred == nil || resp.Deferred.Reason != provider.DeferredReasonProviderConfigUnknown):
			t.Errorf("with deferrals allowed, Deferred = %v, want reason provider config unknown", resp.Deferred)
		case !deferral && resp.Deferred != nil:
			t.Errorf("without deferrals allowed, Deferred = %v, want nil", resp.Deferred)
		}
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
