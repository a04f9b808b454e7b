// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

// The skeleton the three resources (clouddc_instance, clouddc_instances,
// clouddc_instances_batch_delete) share. Each resource is one file with its
// schema and CRUD, and a *_model.go with its model and the flatten (from the
// API) and expand (to the API) of it. Every resource:
//
//   - gets its provider data through providerDataFrom in Configure, and
//     checks it with ready (Create, Update, Delete, ImportState) or
//     keepPriorState (Read) before it calls the API (provider_data.go);
//   - describes every schema element once, in Markdown, with
//     MarkdownDescription (the protocol carries one description, and the
//     framework sends MarkdownDescription when it is set; a plain
//     Description beside it would never be seen);
//   - documents its timeouts with resourceTimeouts: what each one bounds,
//     and its default;
//   - reads its password with configPassword;
//   - ends Delete with the one delete tail (deleteInstances or
//     deleteInstance, resource_lifecycle.go), and stores what remains
//     through its model.
//
// The same attribute has the same rule and the same words in every
// resource: the texts below go with the validators in package validate.

// Rules of the attributes that clouddc_instance and clouddc_instances share,
// as their descriptions state them.
const (
	hostnameRuleText = "1 to 63 letters, Chinese characters, digits, `_`, `-` or `.`"
	imageIDText      = "ID of the private IMS image to install (a lower-case UUID)"
	metadataRuleText = "Up to 10 key/value pairs; keys are 1 to 255 characters of letters, digits, `-`, `_`, `:`, " +
		"space and `.`; values at most 255 characters"
	passwordRuleText = "8 to 26 characters with at least 3 of upper-case letters, lower-case letters, digits and `" +
		validate.PasswordSpecials + "`; must not contain `root` or `Administrator` or either reversed"
)

// hostnameAttribute is name in clouddc_instance and clouddc_instances: the
// host name of, with the same rule; changing it replaces what.
func hostnameAttribute(of, replaces string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Host name of " + of + ": " + hostnameRuleText + ". Changing it replaces " + replaces + ".",
		Required:            true,
		Validators:          []validator.String{validate.Hostname()},
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

// metadataAttribute is metadata in clouddc_instance and clouddc_instances:
// the metadata of, with the same rule; changing it replaces what.
func metadataAttribute(of, replaces string) schema.MapAttribute {
	return schema.MapAttribute{
		MarkdownDescription: "Metadata of " + of + ". " + metadataRuleText + ". Changing it replaces " + replaces + ".",
		ElementType:         types.StringType,
		Optional:            true,
		Validators: []validator.Map{
			mapvalidator.SizeAtMost(10),
			mapvalidator.KeysAre(validate.MetadataKey()),
			mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(255)),
		},
		PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
	}
}

// timeoutDocs says what each timeout of a resource bounds, with its default
// ("How long ... may take (default 30m)."). An operation without a text has
// no timeout.
type timeoutDocs struct {
	Create, Read, Update, Delete string
}

// resourceTimeouts is the timeouts block of a resource, documented one way:
// each timeout says what it bounds and its default, and the block says what
// its values are.
func resourceTimeouts(ctx context.Context, docs timeoutDocs) schema.Block {
	b := timeouts.Block(ctx, timeouts.Opts{
		Create: docs.Create != "", CreateDescription: docs.Create,
		Read: docs.Read != "", ReadDescription: docs.Read,
		Update: docs.Update != "", UpdateDescription: docs.Update,
		Delete: docs.Delete != "", DeleteDescription: docs.Delete,
	})
	nb, ok := b.(schema.SingleNestedBlock)
	if !ok {
		return b
	}
	nb.MarkdownDescription = "How long each operation may take before it fails, as a duration such as `\"30s\"`, " +
		"`\"10m\"` or `\"2h45m\"`."
	for name, a := range nb.Attributes {
		if s, ok := a.(schema.StringAttribute); ok {
			s.MarkdownDescription, s.Description = s.Description, ""
			nb.Attributes[name] = s
		}
	}
	return nb
}

// configReader is what configPassword and configHasPassword read from: the
// configuration of a request (tfsdk.Config).
type configReader interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}

// configPassword returns the password in the configuration: password, or the
// write-only password_wo (only ever present in the configuration).
func configPassword(ctx context.Context, cfg configReader, diags *diag.Diagnostics) string {
	var pw, wo types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("password"), &pw)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	if !pw.IsNull() && !pw.IsUnknown() {
		return pw.ValueString()
	}
	return wo.ValueString()
}

// configHasPassword reports whether the configuration sets password or
// password_wo (an unknown value counts: it will have one at apply).
func configHasPassword(ctx context.Context, cfg configReader, diags *diag.Diagnostics) bool {
	var pw, wo types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("password"), &pw)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("password_wo"), &wo)...)
	return !pw.IsNull() || !wo.IsNull()
}

// stateAttribute is one attribute an import sets.
type stateAttribute struct {
	name  string
	value attr.Value
}

// setAttributes sets attrs in state, one by one: an import starts from a
// null state, in which the attributes not set (timeouts among them) stay
// null like an unset configuration.
func setAttributes(ctx context.Context, state *tfsdk.State, diags *diag.Diagnostics, attrs []stateAttribute) {
	for _, a := range attrs {
		diags.Append(state.SetAttribute(ctx, path.Root(a.name), a.value)...)
	}
}
