// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package provider implements the clouddc Terraform provider: its
// configuration, resources, data sources and actions.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var (
	_ provider.Provider            = (*clouddcProvider)(nil)
	_ provider.ProviderWithActions = (*clouddcProvider)(nil)
)

type clouddcProvider struct {
	version string
}

// New returns a constructor of the provider for providerserver.Serve.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &clouddcProvider{version: version}
	}
}

func (p *clouddcProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "clouddc"
	resp.Version = p.version
}

func (p *clouddcProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Manage Huawei Cloud CloudDC bare-metal (iMetal) instances.",
	}
}

func (p *clouddcProvider) Configure(_ context.Context, _ provider.ConfigureRequest, _ *provider.ConfigureResponse) {
}

func (p *clouddcProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{}
}

func (p *clouddcProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{}
}

func (p *clouddcProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewBatchDeleteInstancesAction,
		NewServerPowerAction,
	}
}
