// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package provider implements the clouddc Terraform provider: its
// configuration, resources, data sources and actions.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

var (
	_ provider.Provider                  = (*clouddcProvider)(nil)
	_ provider.ProviderWithActions       = (*clouddcProvider)(nil)
	_ provider.ProviderWithListResources = (*clouddcProvider)(nil)
)

type clouddcProvider struct {
	version string
	// tune, if set, adjusts the client and engine settings after the
	// configuration is resolved. Only in-process tests set it, to poll and
	// retry on millisecond timescales against the emulator.
	tune func(*clouddc.Config, *lifecycle.Options)
}

// New returns a constructor of the provider for providerserver.Serve.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &clouddcProvider{version: version}
	}
}

// providerModel is the provider block.
type providerModel struct {
	Region            types.String  `tfsdk:"region"`
	Endpoint          types.String  `tfsdk:"endpoint"`
	ProjectID         types.String  `tfsdk:"project_id"`
	AuthToken         types.String  `tfsdk:"auth_token"`
	AccessKey         types.String  `tfsdk:"access_key"`
	SecretKey         types.String  `tfsdk:"secret_key"`
	SecurityToken     types.String  `tfsdk:"security_token"`
	MaxRetries        types.Int64   `tfsdk:"max_retries"`
	RequestsPerSecond types.Float64 `tfsdk:"requests_per_second"`
	Insecure          types.Bool    `tfsdk:"insecure"`
	OptimizeAPICalls  types.Bool    `tfsdk:"optimize_api_calls"`
}

func (p *clouddcProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "clouddc"
	resp.Version = p.version
}

func (p *clouddcProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	attr := func(text string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: text}
	}
	region := attr("Huawei Cloud region ID, e.g. `cn-southwest-2`. The endpoint defaults to " +
		"`https://clouddc.{region}.myhuaweicloud.com` for the known regions (" + knownRegionList() + "). " +
		"Environment: `CLOUDDC_REGION`, then `HW_REGION_NAME`.")
	endpoint := attr("Base URL of the CloudDC API; overrides the region's endpoint (for example a local " +
		"`clouddc-emulator` at `http://127.0.0.1:8787`). Environment: `CLOUDDC_ENDPOINT`.")
	endpoint.Validators = []validator.String{validate.EndpointURL()}
	projectID := attr("Project ID every API call is scoped to (required, here or in the environment). " +
		"Environment: `CLOUDDC_PROJECT_ID`, then `HW_PROJECT_ID`.")
	authToken := attr("IAM token sent as `X-Auth-Token`. Use either this or `access_key` + `secret_key`. " +
		"Environment: `CLOUDDC_AUTH_TOKEN`, then `HW_AUTH_TOKEN`.")
	authToken.Sensitive = true
	accessKey := attr("Access key (AK) for requests signed with SDK-HMAC-SHA256; needs `secret_key`. " +
		"Environment: `CLOUDDC_ACCESS_KEY`, then `HW_ACCESS_KEY`.")
	secretKey := attr("Secret key (SK) paired with `access_key`. " +
		"Environment: `CLOUDDC_SECRET_KEY`, then `HW_SECRET_KEY`.")
	secretKey.Sensitive = true
	securityToken := attr("Security token of temporary AK/SK credentials, sent as `X-Security-Token`; " +
		"only with `access_key` and `secret_key`. Environment: `CLOUDDC_SECURITY_TOKEN`, then `HW_SECURITY_TOKEN`.")
	securityToken.Sensitive = true

	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage Huawei Cloud CloudDC bare-metal (iMetal) instances. Authenticate with an IAM token " +
			"(`auth_token`) or an access key pair (`access_key` + `secret_key`); every setting can also come from " +
			"the environment.",
		Attributes: map[string]schema.Attribute{
			"region":         region,
			"endpoint":       endpoint,
			"project_id":     projectID,
			"auth_token":     authToken,
			"access_key":     accessKey,
			"secret_key":     secretKey,
			"security_token": securityToken,
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many times a failed API call that is safe to repeat " +
					"(throttling, server errors, connection errors) is retried, with jittered exponential backoff; " +
					"0 disables retries. Defaults to 5. Environment: `CLOUDDC_MAX_RETRIES`.",
				Validators: []validator.Int64{int64validator.Between(0, 100)},
			},
			"requests_per_second": schema.Float64Attribute{
				Optional: true,
				MarkdownDescription: "Client-side limit on API requests per second, shared by every call the provider " +
					"makes; 0 or unset means no limit. Environment: `CLOUDDC_REQUESTS_PER_SECOND`.",
				Validators: []validator.Float64{float64validator.AtLeast(0)},
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip TLS certificate verification. Only for test endpoints; " +
					"defaults to `false`. Environment: `CLOUDDC_INSECURE`.",
			},
			"optimize_api_calls": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Poll many instances with one ListInstances call and merge concurrent " +
					"deletions into batch-delete calls (at most 50 IDs each). Defaults to `true`; `false` makes one call " +
					"per instance, which is only useful for comparisons. Environment: `CLOUDDC_OPTIMIZE_API_CALLS`.",
			},
		},
	}
}

func (p *clouddcProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if unknown := m.unknownAttributes(); len(unknown) > 0 {
		// Values known only after apply (e.g. endpoint = some_resource.x.output
		// at plan time): no client can be built yet. A Terraform that supports
		// deferred actions is asked to defer everything of this provider;
		// otherwise every resource, data source and action gets provider data
		// without a client that names the unknown attributes, and its guard
		// (providerData.ready / keepPriorState) explains what to do.
		tflog.Info(ctx, "provider configuration has values known only after apply", map[string]any{"unknown": unknown})
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
		}
		data := &providerData{unknown: unknown, projectID: knownProjectID(m, envLookup(lookupEnv))}
		resp.ResourceData = data
		resp.DataSourceData = data
		resp.ActionData = data
		resp.ListResourceData = data
		return
	}

	cfg, diags := resolveConfig(m, envLookup(lookupEnv), p.version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	engineOpts := lifecycle.Options{Optimize: cfg.optimize}
	if p.tune != nil {
		p.tune(&cfg.client, &engineOpts)
	}
	client, err := clouddc.NewClient(cfg.client)
	if err != nil {
		resp.Diagnostics.AddError("Cannot create the CloudDC API client", err.Error())
		return
	}
	data := &providerData{
		client:    client,
		engine:    lifecycle.NewEngine(client, engineOpts),
		projectID: cfg.client.ProjectID,
	}
	tflog.Info(ctx, "configured CloudDC provider", map[string]any{
		"endpoint":           cfg.client.Endpoint,
		"project_id":         cfg.client.ProjectID,
		"auth":               cfg.authMode(),
		"optimize_api_calls": cfg.optimize,
	})
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

func (p *clouddcProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewInstanceResource,
		NewFleetResource,
		NewInstancesBatchDeleteResource,
	}
}

func (p *clouddcProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewInstancesDataSource,
		NewInstanceStatusDataSource,
		NewServersDataSource,
		NewServerStatusDataSource,
	}
}

// ListResources are the list resources of `terraform query` (Terraform 1.14+).
func (p *clouddcProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewInstanceListResource,
	}
}

func (p *clouddcProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewBatchDeleteInstancesAction,
		NewServerPowerAction,
	}
}
