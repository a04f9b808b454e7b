// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// dataSourceReadTimeout is how long a data source read may take unless its
// timeouts { read } says otherwise: listings follow every page, and a
// service that keeps answering must not hold a plan forever.
const dataSourceReadTimeout = 5 * time.Minute

// dataSourceTimeoutsBlock is the timeouts { read } block every data source
// has, documented as resourceTimeouts documents a resource's.
func dataSourceTimeoutsBlock(ctx context.Context, what string) schema.Block {
	b := timeouts.BlockWithOpts(ctx, timeouts.Opts{
		ReadDescription: "How long " + what + " may take, as a duration such as \"30s\" or \"10m\" (default 5m). " +
			"When it runs out, the read fails with an error; nothing is cut short silently.",
	})
	nb, ok := b.(schema.SingleNestedBlock)
	if !ok {
		return b
	}
	nb.MarkdownDescription = "How long the read may take before it fails (default 5m)."
	for name, a := range nb.Attributes {
		if s, ok := a.(schema.StringAttribute); ok {
			s.MarkdownDescription, s.Description = s.Description, ""
			nb.Attributes[name] = s
		}
	}
	return nb
}

// readContext bounds ctx by the data source's read timeout.
func readContext(ctx context.Context, t timeouts.Value, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	timeout, d := t.Read(ctx, dataSourceReadTimeout)
	diags.Append(d...)
	return context.WithTimeout(ctx, timeout)
}
