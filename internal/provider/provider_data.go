// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// providerData is what Configure hands to every resource, data source and
// action: one API client and one delete/wait engine, shared so that
// concurrent operations share the rate limit and can be coalesced.
type providerData struct {
	client    *clouddc.Client
	engine    *clouddc.Engine
	projectID string
}

// providerDataFrom turns the ProviderData of a Configure request into
// *providerData. It returns nil without an error when data is nil (the
// provider is not configured yet, e.g. during validation or while its
// configuration has unknown values); callers must then do nothing.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok || pd == nil {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}
