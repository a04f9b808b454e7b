// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// providerData is what Configure hands to every resource, data source and
// action: one API client and one delete/wait engine, shared so that
// concurrent operations share the rate limit and can be coalesced.
//
// When the provider block has values known only after apply (for example
// endpoint = some_resource.x.output, at plan time), Configure cannot build
// a client: then client and engine are nil and unknown names the attributes.
// Every resource, data source and action goes through the two guards below
// (ready and keepPriorState) before it touches client or engine.
type providerData struct {
	client    *clouddc.Client
	engine    *lifecycle.Engine
	projectID string
	// unknown lists the provider attributes whose values were unknown when
	// the provider was configured; nil when the provider is configured.
	unknown []string
}

// providerDataFrom turns the ProviderData of a Configure request into
// *providerData. It returns nil without an error when data is nil (the
// framework calls Configure of resources and data sources before the
// provider is configured, e.g. to validate); the guards treat nil as "not
// configured".
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

// configured reports whether pd has an API client (Configure builds the
// engine with it).
func (pd *providerData) configured() bool {
	return pd != nil && pd.client != nil
}

// ready reports whether pd can call the API. If it cannot, it adds an error
// saying that what (e.g. "create clouddc_instance") cannot run, which
// provider attributes are not known yet, and how to fix it. Create, Update,
// Delete and import of every resource, every data source read and every
// action invoke call it first.
func (pd *providerData) ready(diags *diag.Diagnostics, what string) bool {
	if pd.configured() {
		return true
	}
	diags.AddError("The clouddc provider is not configured yet", fmt.Sprintf("Cannot %s: %s", what, pd.why()))
	return false
}

// keepPriorState reports whether a resource's Read must keep its prior
// state unchanged because pd cannot call the API, and then adds a warning
// saying so. A refresh that cannot ask CloudDC must not change (let alone
// remove) what the state says: the prior state is the last known truth.
func (pd *providerData) keepPriorState(diags *diag.Diagnostics, what string) bool {
	if pd.configured() {
		return false
	}
	diags.AddWarning("The clouddc provider is not configured yet; state not refreshed",
		fmt.Sprintf("%s was not read from CloudDC and keeps its prior state: %s", what, pd.why()))
	return true
}

// why explains why pd has no client, and what to do.
func (pd *providerData) why() string {
	if pd == nil || len(pd.unknown) == 0 {
		return "the provider has no API client. This is a bug in the provider; please report it."
	}
	attrs := quoteJoin(pd.unknown)
	verb := "is"
	if len(pd.unknown) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("the provider attribute%s %s %s known only after apply (it comes from a resource or data "+
		"source that Terraform has not read or created yet). Apply what it depends on first, for example with "+
		"terraform apply -target=<that resource>, then run the whole configuration again; or set %s from values "+
		"known at plan time (input variables, or the CLOUDDC_* environment variables).",
		plural(len(pd.unknown)), attrs, verb, attrs)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// quoteJoin renders names as "a", "b" and "c".
func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
