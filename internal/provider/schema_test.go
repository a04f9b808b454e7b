// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// describedAttr is what every schema attribute and block can say about itself.
type describedAttr interface {
	GetDescription() string
	GetMarkdownDescription() string
}

// checkDescribed fails for every attribute (at any depth) without a
// description, and for every one described in two texts: the provider
// describes each schema element once, with MarkdownDescription (see
// resource_shared.go).
func checkDescribed[A describedAttr](t *testing.T, where string, attrs map[string]A) {
	t.Helper()
	for name, a := range attrs {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("%s: attribute %q has no description (MarkdownDescription)", where, name)
		}
		if a.GetDescription() != "" && a.GetDescription() != a.GetMarkdownDescription() {
			t.Errorf("%s: attribute %q has a plain Description beside its MarkdownDescription; describe it once", where, name)
		}
	}
}

// checkSchemaDescribed is checkDescribed for a schema's own description.
func checkSchemaDescribed(t *testing.T, where string, s describedAttr) {
	t.Helper()
	checkDescribed(t, where, map[string]describedAttr{"(the schema itself)": s})
}

func resourceAttrs(prefix string, attrs map[string]rschema.Attribute, blocks map[string]rschema.Block) map[string]describedAttr {
	out := map[string]describedAttr{}
	for name, a := range attrs {
		out[prefix+name] = a
		var nested map[string]rschema.Attribute
		switch n := a.(type) {
		case rschema.ListNestedAttribute:
			nested = n.NestedObject.Attributes
		case rschema.SetNestedAttribute:
			nested = n.NestedObject.Attributes
		case rschema.MapNestedAttribute:
			nested = n.NestedObject.Attributes
		case rschema.SingleNestedAttribute:
			nested = n.Attributes
		}
		for k, v := range resourceAttrs(prefix+name+".", nested, nil) {
			out[k] = v
		}
	}
	for name, b := range blocks {
		// A block's own description is optional (tfplugindocs lists it as a
		// section); the attributes inside it must be described.
		if sb, ok := b.(rschema.SingleNestedBlock); ok {
			for k, v := range resourceAttrs(prefix+name+".", sb.Attributes, sb.Blocks) {
				out[k] = v
			}
		}
	}
	return out
}

func dataSourceAttrs(prefix string, attrs map[string]dschema.Attribute) map[string]describedAttr {
	out := map[string]describedAttr{}
	for name, a := range attrs {
		out[prefix+name] = a
		var nested map[string]dschema.Attribute
		switch n := a.(type) {
		case dschema.ListNestedAttribute:
			nested = n.NestedObject.Attributes
		case dschema.SetNestedAttribute:
			nested = n.NestedObject.Attributes
		case dschema.MapNestedAttribute:
			nested = n.NestedObject.Attributes
		case dschema.SingleNestedAttribute:
			nested = n.Attributes
		}
		for k, v := range dataSourceAttrs(prefix+name+".", nested) {
			out[k] = v
		}
	}
	return out
}

// TestSchemasDescribed guards the generated docs: every resource and data
// source, and every attribute in them, has a description.
func TestSchemasDescribed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p := &clouddcProvider{version: "test"}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "clouddc"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", meta.TypeName, resp.Diagnostics)
		}
		checkSchemaDescribed(t, "resource "+meta.TypeName, resp.Schema)
		checkDescribed(t, meta.TypeName, resourceAttrs("", resp.Schema.Attributes, resp.Schema.Blocks))
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "clouddc"}, &meta)
		var resp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", meta.TypeName, resp.Diagnostics)
		}
		checkSchemaDescribed(t, "data source "+meta.TypeName, resp.Schema)
		checkDescribed(t, "data source "+meta.TypeName, dataSourceAttrs("", resp.Schema.Attributes))
		for name, b := range resp.Schema.Blocks {
			sb, ok := b.(dschema.SingleNestedBlock)
			if !ok {
				t.Errorf("data source %s: block %q is not a single nested block", meta.TypeName, name)
				continue
			}
			checkDescribed(t, "data source "+meta.TypeName, dataSourceAttrs(name+".", sb.Attributes))
		}
	}
}

// TestOtherSchemasDescribed does for the provider, its actions and its list
// resources what TestSchemasDescribed does for resources and data sources
// (their attributes do not nest).
func TestOtherSchemasDescribed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p := &clouddcProvider{version: "test"}
	var presp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &presp)
	checkSchemaDescribed(t, "provider", presp.Schema)
	checkDescribed(t, "provider", presp.Schema.Attributes)
	for _, newAction := range p.Actions(ctx) {
		a := newAction()
		var meta action.MetadataResponse
		a.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "clouddc"}, &meta)
		var resp action.SchemaResponse
		a.Schema(ctx, action.SchemaRequest{}, &resp)
		checkSchemaDescribed(t, "action "+meta.TypeName, resp.Schema)
		checkDescribed(t, "action "+meta.TypeName, resp.Schema.Attributes)
	}
	for _, newList := range p.ListResources(ctx) {
		l := newList()
		var meta resource.MetadataResponse
		l.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "clouddc"}, &meta)
		var resp list.ListResourceSchemaResponse
		l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &resp)
		checkSchemaDescribed(t, "list resource "+meta.TypeName, resp.Schema)
		checkDescribed(t, "list resource "+meta.TypeName, resp.Schema.Attributes)
	}
}

// TestProviderServerSchemaValid asks the protocol server for the full schema,
// which runs the framework's own checks of every resource and data source
// (e.g. defaults only on computed attributes, write-only never computed).
func TestProviderServerSchemaValid(t *testing.T) {
	t.Parallel()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}
	for _, name := range []string{"clouddc_instance"} {
		if _, ok := resp.ResourceSchemas[name]; !ok {
			t.Errorf("resource %s is not registered", name)
		}
	}
	for _, name := range []string{"clouddc_instances", "clouddc_instance_status", "clouddc_servers"} {
		if _, ok := resp.DataSourceSchemas[name]; !ok {
			t.Errorf("data source %s is not registered", name)
		}
	}
}
