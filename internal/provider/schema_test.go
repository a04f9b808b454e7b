// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
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

// checkDescribed fails for every attribute (at any depth) without a description.
func checkDescribed(t *testing.T, where string, attrs map[string]describedAttr) {
	t.Helper()
	for name, a := range attrs {
		if a.GetDescription() == "" && a.GetMarkdownDescription() == "" {
			t.Errorf("%s: attribute %q has no description", where, name)
		}
	}
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
		if resp.Schema.Description == "" {
			t.Errorf("resource %s has no description", meta.TypeName)
		}
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
		if resp.Schema.Description == "" {
			t.Errorf("data source %s has no description", meta.TypeName)
		}
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
