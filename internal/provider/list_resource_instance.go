// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listresourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

var (
	_ list.ListResource                     = (*instanceListResource)(nil)
	_ list.ListResourceWithConfigure        = (*instanceListResource)(nil)
	_ list.ListResourceWithConfigValidators = (*instanceListResource)(nil)
)

// instanceListPageSize is the ListInstances page size of the list resource:
// the most IDs one filter takes, so that a chunk of IDs is one page.
const instanceListPageSize = clouddc.MaxFilterIDs

// listStateFilters are the states the list resource's state filter accepts:
// every state of the data source's filter except terminated, which the list
// resource never returns (a terminated instance cannot be imported).
var listStateFilters = func() []string {
	var out []string
	for _, s := range instanceStateFilters {
		if !clouddc.IsTerminalState(s) {
			out = append(out, s)
		}
	}
	return out
}()

// NewInstanceListResource returns the clouddc_instance list resource, which
// finds existing instances for `terraform query` (Terraform 1.14+).
func NewInstanceListResource() list.ListResource {
	return &instanceListResource{}
}

// instanceListResource lists instances with ListInstances, every page, through
// the client's AllInstances iterator (its paging rules and errors).
type instanceListResource struct {
	data *providerData
}

func (l *instanceListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_instance"
}

func (l *instanceListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	idList := func(text string) listschema.ListAttribute {
		return listschema.ListAttribute{
			MarkdownDescription: text,
			ElementType:         types.StringType,
			Optional:            true,
			Validators: []validator.List{
				listvalidator.SizeAtLeast(1),
				listvalidator.ValueStringsAre(validate.LowercaseUUID()),
			},
		}
	}
	const desc = "Finds existing CloudDC instances for `terraform query` (Terraform 1.14 and later): every " +
		"instance that is not terminated, optionally filtered by ID, state, physical server or name prefix. Each " +
		"result has the `clouddc_instance` resource identity, the display name `name (id)` and, with " +
		"`include_resource = true`, the resource as a refresh after an import stores it."
	resp.Schema = listschema.Schema{
		MarkdownDescription: desc,
		Attributes: map[string]listschema.Attribute{
			"ids": idList("Only these instance IDs (lower-case UUIDs). Any number; they are queried 100 at a " +
				"time. Conflicts with `server_ids`."),
			"state": listschema.StringAttribute{
				MarkdownDescription: "Only instances in this state (the API's `instance_state` filter): one of `" + joinBackticks(listStateFilters) + "`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(listStateFilters...)},
			},
			"server_ids": idList("Only instances on these physical servers (lower-case UUIDs). Any number; they " +
				"are queried 100 at a time. Conflicts with `ids`."),
			"name_prefix": listschema.StringAttribute{
				MarkdownDescription: "Only instances whose name starts with this (case-sensitive; filtered by the provider, not the API).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (l *instanceListResource) ListResourceConfigValidators(_ context.Context) []list.ConfigValidator {
	return []list.ConfigValidator{
		listresourcevalidator.Conflicting(path.MatchRoot("ids"), path.MatchRoot("server_ids")),
	}
}

func (l *instanceListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *instanceListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var guard diag.Diagnostics
	if !l.data.ready(&guard, "list clouddc_instance (terraform query)") {
		stream.Results = list.ListResultsStreamDiagnostics(guard)
		return
	}
	var cfg instanceListModel
	if !req.Config.Raw.IsNull() && req.Config.Raw.IsKnown() {
		if diags := req.Config.Get(ctx, &cfg); diags.HasError() {
			stream.Results = list.ListResultsStreamDiagnostics(diags)
			return
		}
	}
	query, namePrefix, diags := cfg.query(ctx)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	timeoutsValue := nullTimeouts(ctx, req.ResourceSchema, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	project := l.data.projectID
	tflog.Info(ctx, "listing instances", map[string]any{
		"ids": len(query.InstanceIDs), "server_ids": len(query.ServerIDs), "state": query.InstanceState,
		"name_prefix": namePrefix, "include_resource": req.IncludeResource, "limit": req.Limit,
	})

	stream.Results = func(push func(list.ListResult) bool) {
		var sent int64
		seen := map[string]bool{}
		for in, err := range l.data.client.AllInstances(ctx, query) {
			if err != nil {
				push(errorResult(ctx, req, "Cannot list instances",
					fmt.Sprintf("ListInstances failed after %d results: %s. No partial list is returned as complete; "+
						"run terraform query again.", sent, err)))
				return
			}
			if seen[in.ID] {
				push(errorResult(ctx, req, "Cannot list instances",
					fmt.Sprintf("ListInstances listed instance %s twice, so the listing cannot be trusted to be "+
						"complete. Run terraform query again.", in.ID)))
				return
			}
			seen[in.ID] = true
			if clouddc.IsTerminalState(in.State) || !strings.HasPrefix(in.Name, namePrefix) {
				continue
			}
			if !push(instanceListResult(ctx, req, in, project, timeoutsValue)) {
				return
			}
			sent++
			if req.Limit > 0 && sent >= req.Limit {
				return // Stop paging: Terraform wants no more.
			}
		}
	}
}

// instanceListResult is one listed instance: its identity, display name and,
// when asked, the resource as Read would store it after an import.
func instanceListResult(ctx context.Context, req list.ListRequest, in clouddc.Instance, project string, timeoutsValue timeouts.Value) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = instanceDisplayName(in)
	result.Diagnostics.Append(result.Identity.Set(ctx, newInstanceIdentity(in.ID, project))...)
	if req.IncludeResource {
		m := importedInstanceModel(ctx, in, timeoutsValue, &result.Diagnostics)
		result.Diagnostics.Append(result.Resource.Set(ctx, &m)...)
	}
	return result
}

// instanceDisplayName is how terraform query shows an instance: "name (id)".
func instanceDisplayName(in clouddc.Instance) string {
	return fmt.Sprintf("%s (%s)", in.Name, in.ID)
}

// errorResult is a list result that carries only an error, which ends the
// query with that error.
func errorResult(ctx context.Context, req list.ListRequest, summary, detail string) list.ListResult {
	result := req.NewListResult(ctx)
	result.Diagnostics.AddError(summary, detail)
	return result
}
