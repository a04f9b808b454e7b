// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

var (
	_ action.Action              = (*serverPowerAction)(nil)
	_ action.ActionWithConfigure = (*serverPowerAction)(nil)
)

// powerActions maps every accepted value of "action" to the
// ChangeServerPowerState action the API expects.
var powerActions = map[string]string{
	clouddc.PowerActionOn:     clouddc.PowerActionOn,
	clouddc.PowerActionOff:    clouddc.PowerActionOff,
	clouddc.PowerActionReboot: clouddc.PowerActionReboot,
	"on":                      clouddc.PowerActionOn,
	"off":                     clouddc.PowerActionOff,
	"reboot":                  clouddc.PowerActionReboot,
}

// powerActionNames lists the accepted values of "action" in documentation order.
var powerActionNames = []string{
	clouddc.PowerActionOn, clouddc.PowerActionOff, clouddc.PowerActionReboot, "on", "off", "reboot",
}

// serverPowerAction is clouddc_server_power: it powers physical servers on or
// off or reboots them with one ChangeServerPowerState call, then waits until
// every server has settled in the resulting power state.
type serverPowerAction struct {
	data *providerData
	// progressInterval is the least time between progress events; zero
	// means defaultProgressInterval.
	progressInterval time.Duration
	// pollInitial and pollMax tune the power-state polling; zero means the
	// defaults of lifecycle.WaitForPowerState. Tests set milliseconds.
	pollInitial, pollMax time.Duration
}

// NewServerPowerAction returns the clouddc_server_power action.
func NewServerPowerAction() action.Action {
	return &serverPowerAction{}
}

type serverPowerModel struct {
	ServerIDs types.Set    `tfsdk:"server_ids"`
	Action    types.String `tfsdk:"action"`
	Timeout   types.String `tfsdk:"timeout"`
}

// expand reads the configuration: the server IDs, the API's power action,
// the power_state it leads to, and the action's timeout.
func (m serverPowerModel) expand(ctx context.Context, diags *diag.Diagnostics) (ids []string, apiAction, target string, timeout time.Duration) {
	diags.Append(m.ServerIDs.ElementsAs(ctx, &ids, false)...)
	apiAction, ok := powerActions[m.Action.ValueString()]
	if !ok {
		diags.AddAttributeError(path.Root("action"), "Invalid power action",
			fmt.Sprintf("%q is not one of %s.", m.Action.ValueString(), strings.Join(powerActionNames, ", ")))
		return ids, "", "", 0
	}
	target, err := lifecycle.TargetPowerState(apiAction)
	if err != nil {
		diags.AddAttributeError(path.Root("action"), "Invalid power action", err.Error())
		return ids, apiAction, "", 0
	}
	timeout, err = actionTimeout(m.Timeout, defaultActionTimeout)
	if err != nil {
		diags.AddAttributeError(path.Root("timeout"), "Invalid timeout", err.Error())
	}
	return ids, apiAction, target, timeout
}

func (a *serverPowerAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_power"
}

func (a *serverPowerAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Powers up to 50 CloudDC physical servers on or off, or reboots them, with one `ChangeServerPowerState` call, " +
			"then waits until every server has reached the resulting `power_state` (`on` after power on and reboot — a reboot " +
			"goes `on` → `off` → `on` —, `off` after power off) with its `operation_state` no longer `…-processing`. " +
			"Requires Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"server_ids": schema.SetAttribute{
				ElementType:         types.StringType,
				Required:            true,
				MarkdownDescription: "IDs of the physical servers: 1 to 50 lower-case UUIDs, the most one power-state call accepts.",
				Validators:          batchIDsValidators(),
			},
			"action": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "What to do: `\"power on\"`, `\"power off\"` or `\"rebooting\"` (the API's names), " +
					"or the shorter `\"on\"`, `\"off\"` and `\"reboot\"`.",
				Validators: []validator.String{stringvalidator.OneOf(powerActionNames...)},
			},
			"timeout": actionTimeoutAttribute("the action fails naming the servers that have not settled"),
		},
	}
}

func (a *serverPowerAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *serverPowerAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	if !a.data.ready(&resp.Diagnostics, "invoke clouddc_server_power") {
		return
	}
	var cfg serverPowerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ids, apiAction, target, timeout := cfg.expand(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// Progress goes out only while Terraform's context is live, not the
	// action's own timeout: after a timeout the last state and the error
	// are still worth showing.
	progress := newProgressThrottle(ctx, resp.SendProgress, a.progressInterval)
	defer progress.Close()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	progress.Update(fmt.Sprintf("requesting %q for %d server(s)", apiAction, len(ids)))
	if _, err := a.data.client.ChangeServerPowerState(ctx, &clouddc.ChangeServerPowerStateRequest{
		Action:      apiAction,
		ServerIDSet: ids,
	}); err != nil {
		resp.Diagnostics.AddError("Changing the power state failed",
			fmt.Sprintf("ChangeServerPowerState %q for %d server(s) (%s) failed, nothing was waited for: %v",
				apiAction, len(ids), strings.Join(ids, ", "), err))
		return
	}

	err := lifecycle.WaitForPowerState(ctx, a.data.client, ids, apiAction, lifecycle.PowerWaitOptions{
		PollInitial: a.pollInitial,
		PollMax:     a.pollMax,
		OnProgress:  func(p lifecycle.PowerProgress) { progress.Update(formatPowerProgress(p)) },
	})
	if err != nil {
		progress.Flush() // the last state seen, before the error
		resp.Diagnostics.AddError("Servers did not reach the power state", powerFailureDetail(err, target, timeout))
		return
	}
	progress.Final(fmt.Sprintf("%d/%d %s; done", len(ids), len(ids), target))
}

// powerFailureDetail explains a failed power wait in the action's terms:
// the engine's facts (every unfinished server with what was last seen of
// it), the IDs to invoke the action with again, and what to do.
func powerFailureDetail(err error, target string, timeout time.Duration) string {
	detail := err.Error()
	var pe *lifecycle.PowerError
	if errors.As(err, &pe) {
		ids := pe.RemainingIDs()
		detail += fmt.Sprintf("\n\nServers not in power state %q (%d): %s", target, len(ids), strings.Join(ids, ", "))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		detail += fmt.Sprintf("\n\nThe action's timeout (%s) ran out. The operations may still finish: check the servers' "+
			"power_state, and invoke the action again (with a longer timeout) if needed.", timeout)
	}
	return detail
}

// formatPowerProgress renders a wait snapshot as "3/50 off; power-off-processing: 47"
// (an older deployment's "3/50 off; powering-off: 47").
func formatPowerProgress(p lifecycle.PowerProgress) string {
	counts := p.Counts
	msg := fmt.Sprintf("%d/%d %s", p.Done, p.Total, p.Target)
	// Servers in the target state that are still processing are not done yet,
	// so the target state's count is shown too when it differs from Done.
	if counts[p.Target] == p.Done {
		counts = withoutState(counts, p.Target)
	}
	if rest := formatCounts(counts); rest != "" {
		msg += "; " + rest
	}
	if p.Failed > 0 {
		msg += fmt.Sprintf("; failed: %d", p.Failed)
	}
	return msg
}

func withoutState(counts map[string]int, state string) map[string]int {
	out := make(map[string]int, len(counts))
	for k, v := range counts {
		if k != state {
			out[k] = v
		}
	}
	return out
}
