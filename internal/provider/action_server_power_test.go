// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

const serverPowerActionType = "clouddc_server_power"

func TestServerPowerActionValidation(t *testing.T) {
	t.Parallel()
	s := newActionServer(t, nil, 0)
	ok := fakeUUIDs(3)
	tests := []struct {
		name string
		vals map[string]tftypes.Value
		want string // substring of the error; empty: valid
	}{
		{"power on", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("power on")}, ""},
		{"power off", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("power off")}, ""},
		{"rebooting", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("rebooting")}, ""},
		{"friendly on", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("on")}, ""},
		{"friendly off", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("off")}, ""},
		{"friendly reboot", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("reboot"), "timeout": tfString("10m")}, ""},
		{"fifty", map[string]tftypes.Value{"server_ids": stringSet(fakeUUIDs(50)...), "action": tfString("off")}, ""},
		{"bad action", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("shutdown")}, `value must be one of`},
		{"action case matters", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("Power On")}, `"Power On"`},
		{"fifty-one", map[string]tftypes.Value{"server_ids": stringSet(fakeUUIDs(51)...), "action": tfString("off")}, "at most 50 elements, got: 51"},
		{"empty", map[string]tftypes.Value{"server_ids": stringSet(), "action": tfString("off")}, "at most 50 elements, got: 0"},
		{"bad id", map[string]tftypes.Value{"server_ids": stringSet("srv-1"), "action": tfString("off")}, `"srv-1" is not a lower-case UUID`},
		{"bad timeout", map[string]tftypes.Value{"server_ids": stringSet(ok...), "action": tfString("off"), "timeout": tfString("-5m")}, "not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := errorText(s.validate(serverPowerActionType, tc.vals))
			switch {
			case tc.want == "" && got != "":
				t.Errorf("valid config rejected: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("error %q does not contain %q", got, tc.want)
			}
		})
	}
}

// testServerIDs returns the IDs of the first n servers of the emulator.
func testServerIDs(t *testing.T, srv *emulatortest.Server, n int) []string {
	t.Helper()
	var ids []string
	for s, err := range testAccClient(t, srv).AllServers(t.Context(), clouddc.ListServersRequest{}) {
		if err != nil {
			t.Fatalf("listing servers: %v", err)
		}
		ids = append(ids, s.ID)
		if len(ids) == n {
			return ids
		}
	}
	t.Fatalf("the emulator has %d servers, want %d", len(ids), n)
	return nil
}

// powerStates asks the emulator for the power_state of each server.
func powerStates(t *testing.T, srv *emulatortest.Server, ids []string) map[string]string {
	t.Helper()
	c := testAccClient(t, srv)
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		s, err := c.ShowServer(t.Context(), id)
		if err != nil {
			t.Fatalf("ShowServer %s: %v", id, err)
		}
		out[id] = s.PowerState
	}
	return out
}

func TestServerPowerActionInvoke(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{PowerDuration: 100 * time.Millisecond})
	// Since SDK 0.1.190 power_state stays on or off: the change in progress
	// shows in operation_state.
	testPowerActionSteps(t, srv, `(power-on|power-off|reboot)-processing`)
}

// TestServerPowerActionInvokeOlderDeployment runs the same steps against a
// deployment of the model before SDK 0.1.190, whose power_state shows the
// change (powering-on, powering-off, rebooting) and which has no
// operation_state.
func TestServerPowerActionInvokeOlderDeployment(t *testing.T) {
	t.Parallel()
	srv := olderDeployment(t, newAccEmulator(t, emulator.Config{PowerDuration: 100 * time.Millisecond}))
	if s, err := testAccClient(t, srv).ShowServer(t.Context(), testServerIDs(t, srv, 1)[0]); err != nil || s.OperationState != "" || s.FrozenState != nil {
		t.Fatalf("the older deployment answers %+v, %v: want no operation_state and no frozen_state", s, err)
	}
	testPowerActionSteps(t, srv, `(powering-on|powering-off|rebooting)`)
}

// testPowerActionSteps powers four servers of srv off, on, reboots them and
// powers them off again through the action, checking after each step the
// servers' power_state, the API calls made and the progress events, one of
// which must have shown the servers changing (matching inFlight).
func testPowerActionSteps(t *testing.T, srv *emulatortest.Server, inFlight string) {
	t.Helper()
	ids := testServerIDs(t, srv, 4)
	s := newActionServer(t, srv, time.Nanosecond)

	steps := []struct {
		action, want string
		apiCalls     int64
	}{
		{"off", clouddc.PowerStateOff, 1},
		{"power on", clouddc.PowerStateOn, 2},
		{"reboot", clouddc.PowerStateOn, 3},
		{"power off", clouddc.PowerStateOff, 4},
	}
	for _, step := range steps {
		vals := map[string]tftypes.Value{"server_ids": stringSet(ids...), "action": tfString(step.action), "timeout": tfString("1m")}
		assertNoDiagnostics(t, "PlanAction "+step.action, s.plan(serverPowerActionType, vals))
		res := s.invoke(t.Context(), serverPowerActionType, vals)
		assertNoDiagnostics(t, "InvokeAction "+step.action, res.diagnostics)

		for id, got := range powerStates(t, srv, ids) {
			if got != step.want {
				t.Errorf("after %q server %s is %q, want %q", step.action, id, got, step.want)
			}
		}
		if n := srv.Emulator.Stats().Requests["ChangeServerPowerState"]; n != step.apiCalls {
			t.Errorf("after %q: %d ChangeServerPowerState calls, want %d (one per invoke)", step.action, n, step.apiCalls)
		}
		if len(res.progress) < 3 {
			t.Fatalf("%q: want the request, wait snapshots and the final event, got %q", step.action, res.progress)
		}
		if want := fmt.Sprintf("4/4 %s; done", step.want); res.progress[len(res.progress)-1] != want {
			t.Errorf("%q: final progress event = %q, want %q", step.action, res.progress[len(res.progress)-1], want)
		}
		// The power change takes 100ms, so some snapshot saw it in flight.
		changing := regexp.MustCompile(`^[0-3]/4 ` + step.want + `; .*` + inFlight)
		seen := false
		for _, msg := range res.progress {
			seen = seen || changing.MatchString(msg)
		}
		if !seen {
			t.Errorf("%q: no progress event showed the servers changing: %q", step.action, res.progress)
		}
	}
}

// TestServerPowerActionFailures checks what the action reports when the
// API refuses the change (a frozen server: 400 iMetal.0101, nothing waited
// for) and when the change itself fails (operation_state *-failed).
func TestServerPowerActionFailures(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{PowerDuration: 20 * time.Millisecond})
	ids := testServerIDs(t, srv, 3)
	s := newActionServer(t, srv, time.Hour)
	if err := srv.Emulator.SetServerState(ids[0], emulator.ServerState{FrozenState: ptrTo(4)}); err != nil {
		t.Fatal(err)
	}
	got := errorText(s.invoke(t.Context(), serverPowerActionType, map[string]tftypes.Value{
		"server_ids": stringSet(ids...), "action": tfString("off"),
	}).diagnostics)
	for _, want := range []string{"Changing the power state failed", "iMetal.0101", ids[0], "frozen_state is 4 (arrears)", "nothing was waited for"} {
		if !strings.Contains(got, want) {
			t.Errorf("frozen server: error does not contain %q: %s", want, got)
		}
	}
	if n := srv.Emulator.Stats().Requests["ShowServer"]; n != 0 {
		t.Errorf("a refused change was waited for: %d ShowServer calls", n)
	}

	srv.Emulator.SetFaults(emulator.Faults{PowerFailureRate: ptrTo(1.0)})
	got = errorText(s.invoke(t.Context(), serverPowerActionType, map[string]tftypes.Value{
		"server_ids": stringSet(ids[1:]...), "action": tfString("reboot"), "timeout": tfString("1m"),
	}).diagnostics)
	for _, want := range []string{"Servers did not reach the power state", `2 of 2 servers did not reach power state "on"`,
		ids[1], ids[2], `operation_state: reboot-failed`} {
		if !strings.Contains(got, want) {
			t.Errorf("failed reboot: error does not contain %q: %s", want, got)
		}
	}
}

func TestServerPowerActionTimeoutNamesServers(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{PowerDuration: time.Hour})
	ids := testServerIDs(t, srv, 2)
	s := newActionServer(t, srv, time.Hour)

	start := time.Now()
	res := s.invoke(t.Context(), serverPowerActionType, map[string]tftypes.Value{
		"server_ids": stringSet(ids...), "action": tfString("power off"), "timeout": tfString("300ms"),
	})
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the invoke took %v despite a 300ms timeout", took)
	}
	got := errorText(res.diagnostics)
	if !strings.Contains(got, "Servers did not reach the power state") || !strings.Contains(got, "before the timeout") {
		t.Fatalf("want a timeout error, got %q", got)
	}
	for _, id := range ids {
		if !strings.Contains(got, id) {
			t.Errorf("error does not name server %s: %s", id, got)
		}
	}
}

func TestServerPowerActionUnknownServer(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{})
	s := newActionServer(t, srv, time.Hour)
	missing := fakeUUIDs(1)[0]

	res := s.invoke(t.Context(), serverPowerActionType, map[string]tftypes.Value{
		"server_ids": stringSet(missing), "action": tfString("on"),
	})
	got := errorText(res.diagnostics)
	if !strings.Contains(got, missing) {
		t.Errorf("error does not name the unknown server %s: %q", missing, got)
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestAccServerPowerAction_trigger powers servers off from an action_trigger,
// as users do. Actions need Terraform 1.14 (OpenTofu has none); without them
// the test is skipped and says so.
func TestAccServerPowerAction_trigger(t *testing.T) {
	testAccPreCheck(t)
	testAccSkipUnless(t, e2e.FeatureActions)
	srv := newAccEmulator(t, emulator.Config{})
	ids := testServerIDs(t, srv, 2)

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipBelow(tfversion.Version1_14_0),
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccProviderConfig(srv) + fmt.Sprintf(`
action "clouddc_server_power" "off" {
  config {
    server_ids = %s
    action     = "off"
  }
}

resource "terraform_data" "maintenance" {
  input = "window-1"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.clouddc_server_power.off]
    }
  }
}
`, hclStrings(ids)),
			Check: func(_ *terraform.State) error {
				for id, got := range powerStates(t, srv, ids) {
					if got != clouddc.PowerStateOff {
						return fmt.Errorf("server %s is %q after the triggered action, want off", id, got)
					}
				}
				return nil
			},
		}},
	})
}
