// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

const batchDeleteActionType = "clouddc_batch_delete_instances"

// fakeUUIDs returns n distinct well-formed lower-case UUIDs.
func fakeUUIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("0198170e-4ca7-7ee4-89a7-%012x", i+1)
	}
	return ids
}

func TestBatchDeleteInstancesActionValidation(t *testing.T) {
	t.Parallel()
	s := newActionServer(t, nil, 0)
	ok := fakeUUIDs(2)
	tests := []struct {
		name string
		vals map[string]tftypes.Value
		want string // substring of the error; empty: valid
	}{
		{"valid", map[string]tftypes.Value{"instance_ids": stringSet(ok...)}, ""},
		{"valid with wait and timeout", map[string]tftypes.Value{"instance_ids": stringSet(ok...), "wait": tfBool(false), "timeout": tfString("1h30m")}, ""},
		{"fifty is the most", map[string]tftypes.Value{"instance_ids": stringSet(fakeUUIDs(50)...)}, ""},
		{"unknown ids are checked later", map[string]tftypes.Value{"instance_ids": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, tftypes.UnknownValue)}, ""},
		{"fifty-one", map[string]tftypes.Value{"instance_ids": stringSet(fakeUUIDs(51)...)}, "at most 50 elements, got: 51"},
		{"empty", map[string]tftypes.Value{"instance_ids": stringSet()}, "at least 1 elements and at most 50 elements, got: 0"},
		{"upper-case id", map[string]tftypes.Value{"instance_ids": stringSet(strings.ToUpper(ok[0]))}, "not a lower-case UUID"},
		{"not a uuid", map[string]tftypes.Value{"instance_ids": stringSet("i-123")}, `"i-123" is not a lower-case UUID`},
		{"bad timeout", map[string]tftypes.Value{"instance_ids": stringSet(ok...), "timeout": tfString("soon")}, `"soon" is not a duration`},
		{"zero timeout", map[string]tftypes.Value{"instance_ids": stringSet(ok...), "timeout": tfString("0s")}, "not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := errorText(s.validate(batchDeleteActionType, tc.vals))
			switch {
			case tc.want == "" && got != "":
				t.Errorf("valid config rejected: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("error %q does not contain %q", got, tc.want)
			}
		})
	}
}

func TestBatchDeleteInstancesActionInvoke(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{})
	ids := testAccCreateInstances(t, srv, 50)
	s := newActionServer(t, srv, time.Hour) // throttled: only the first and the final event

	vals := map[string]tftypes.Value{"instance_ids": stringSet(ids...), "timeout": tfString("2m")}
	assertNoDiagnostics(t, "PlanAction", s.plan(batchDeleteActionType, vals))
	res := s.invoke(t.Context(), batchDeleteActionType, vals)
	assertNoDiagnostics(t, "InvokeAction", res.diagnostics)

	if len(res.progress) != 2 {
		t.Fatalf("with a long interval want exactly the first and the final event, got %d: %q", len(res.progress), res.progress)
	}
	if !regexp.MustCompile(`^\d+/50 terminated(; .+)?$`).MatchString(res.progress[0]) {
		t.Errorf("first progress event %q does not read like \"3/50 terminated; shutting-down: 47\"", res.progress[0])
	}
	if last := res.progress[len(res.progress)-1]; last != "50/50 terminated; done" {
		t.Errorf("final progress event = %q, want %q", last, "50/50 terminated; done")
	}

	states, err := testAccInstanceStates(t.Context(), t, srv, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if st, ok := states[id]; ok && !clouddc.IsTerminalState(st) {
			t.Errorf("instance %s is %q after the action, want terminated", id, st)
		}
	}
	if n := srv.Emulator.Stats().Requests["DeleteInstances"]; n != 1 {
		t.Errorf("50 instances took %d DeleteInstances calls, want 1", n)
	}
}

func TestBatchDeleteInstancesActionProgressCounts(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: 300 * time.Millisecond})
	ids := testAccCreateInstances(t, srv, 5)
	s := newActionServer(t, srv, time.Nanosecond) // every engine snapshot goes out

	res := s.invoke(t.Context(), batchDeleteActionType, map[string]tftypes.Value{"instance_ids": stringSet(ids...)})
	assertNoDiagnostics(t, "InvokeAction", res.diagnostics)
	if len(res.progress) < 3 {
		t.Fatalf("want several progress events while 5 instances shut down for 300ms, got %q", res.progress)
	}
	sawShuttingDown := false
	prevDone := -1
	for _, msg := range res.progress[:len(res.progress)-1] {
		m := regexp.MustCompile(`^(\d+)/5 terminated`).FindStringSubmatch(msg)
		if m == nil {
			t.Fatalf("progress event %q does not read like \"2/5 terminated; shutting-down: 3\"", msg)
		}
		done, _ := strconv.Atoi(m[1])
		if done < prevDone {
			t.Errorf("terminated count went down: %q", res.progress)
		}
		prevDone = done
		sawShuttingDown = sawShuttingDown || strings.Contains(msg, "shutting-down: ")
	}
	if !sawShuttingDown {
		t.Errorf("no progress event counted instances shutting down: %q", res.progress)
	}
}

func TestBatchDeleteInstancesActionNoWait(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: time.Hour})
	ids := testAccCreateInstances(t, srv, 3)
	s := newActionServer(t, srv, time.Hour)

	start := time.Now()
	res := s.invoke(t.Context(), batchDeleteActionType, map[string]tftypes.Value{"instance_ids": stringSet(ids...), "wait": tfBool(false)})
	assertNoDiagnostics(t, "InvokeAction", res.diagnostics)
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("wait = false still waited %v", took)
	}
	if last := res.progress[len(res.progress)-1]; !strings.Contains(last, "not waiting") {
		t.Errorf("final progress event %q does not say it did not wait", last)
	}
	states, err := testAccInstanceStates(t.Context(), t, srv, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if states[id] != clouddc.StateShuttingDown {
			t.Errorf("instance %s is %q, want shutting-down (deletion accepted, an hour to go)", id, states[id])
		}
	}
}

func TestBatchDeleteInstancesActionTimeoutNamesUnfinished(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: time.Hour})
	ids := testAccCreateInstances(t, srv, 3)
	s := newActionServer(t, srv, time.Hour)

	res := s.invoke(t.Context(), batchDeleteActionType, map[string]tftypes.Value{"instance_ids": stringSet(ids...), "timeout": tfString("500ms")})
	got := errorText(res.diagnostics)
	if !strings.Contains(got, "Batch deletion did not finish") {
		t.Fatalf("want a batch deletion error, got %q", got)
	}
	for _, id := range ids {
		if !strings.Contains(got, id) {
			t.Errorf("error does not name unfinished instance %s: %s", id, got)
		}
	}
	if !strings.Contains(got, "timeout (500ms)") {
		t.Errorf("error does not say the action's timeout ran out: %s", got)
	}
}

// TestBatchDeleteInstancesActionInterrupted cancels the invoke (Ctrl-C in
// Terraform) while instances shut down: the action must stop waiting at once
// and name what is unfinished.
func TestBatchDeleteInstancesActionInterrupted(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{DeleteDuration: time.Hour})
	ids := testAccCreateInstances(t, srv, 2)
	s := newActionServer(t, srv, time.Hour)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := s.server.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{
		ActionType: batchDeleteActionType,
		Config:     s.actionConfig(batchDeleteActionType, map[string]tftypes.Value{"instance_ids": stringSet(ids...)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var canceledAt time.Time
	var diags []*tfprotov6.Diagnostic
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			if canceledAt.IsZero() {
				canceledAt = time.Now()
				cancel() // the first progress event: the deletion is under way
				continue
			}
			// With a one-hour interval every later state is held, and held
			// states must not be flushed once Terraform's context is done.
			t.Errorf("progress event %q after the context was cancelled", e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			diags = e.Diagnostics
		}
	}
	if canceledAt.IsZero() {
		t.Fatal("no progress event before completion")
	}
	if took := time.Since(canceledAt); took > 10*time.Second {
		t.Errorf("the action took %v to stop after the cancel", took)
	}
	got := errorText(diags)
	if !strings.Contains(got, "(interrupted)") {
		t.Errorf("error does not say the action was interrupted: %q", got)
	}
	for _, id := range ids {
		if !strings.Contains(got, id) {
			t.Errorf("error does not name unfinished instance %s: %s", id, got)
		}
	}
}

func TestBatchDeleteInstancesActionFailedDeletion(t *testing.T) {
	t.Parallel()
	rate := 1.0
	srv := newAccEmulator(t, emulator.Config{})
	ids := testAccCreateInstances(t, srv, 2)
	srv.Emulator.SetFaults(emulator.Faults{DeleteFailureRate: &rate}) // every deletion ends in state error
	s := newActionServer(t, srv, time.Hour)

	res := s.invoke(t.Context(), batchDeleteActionType, map[string]tftypes.Value{"instance_ids": stringSet(ids...), "timeout": tfString("5s")})
	got := errorText(res.diagnostics)
	for _, id := range ids {
		if !strings.Contains(got, id) {
			t.Errorf("error does not name instance %s that failed to delete: %s", id, got)
		}
	}
	if !strings.Contains(got, "Unfinished instance IDs (2)") {
		t.Errorf("error does not list the unfinished IDs: %s", got)
	}
}

// TestAccBatchDeleteInstancesAction_trigger runs the action the way users
// do, from an action_trigger of terraform_data after create. Actions need
// Terraform 1.14 (OpenTofu has none); without them the test is skipped and
// says so.
func TestAccBatchDeleteInstancesAction_trigger(t *testing.T) {
	testAccPreCheck(t)
	testAccSkipUnless(t, e2e.FeatureActions)
	srv := newAccEmulator(t, emulator.Config{})
	ids := testAccCreateInstances(t, srv, 3)

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipBelow(tfversion.Version1_14_0),
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccProviderConfig(srv) + fmt.Sprintf(`
action "clouddc_batch_delete_instances" "x" {
  config {
    instance_ids = %s
    timeout      = "2m"
  }
}

resource "terraform_data" "trigger" {
  input = "go"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.clouddc_batch_delete_instances.x]
    }
  }
}
`, hclStrings(ids)),
			Check: func(_ *terraform.State) error {
				states, err := testAccInstanceStates(t.Context(), t, srv, ids)
				if err != nil {
					return err
				}
				for _, id := range ids {
					if st, ok := states[id]; ok && !clouddc.IsTerminalState(st) {
						return fmt.Errorf("instance %s is %q after the triggered action, want terminated", id, st)
					}
				}
				return nil
			},
		}},
	})
}

// hclStrings renders a list of strings as an HCL tuple.
func hclStrings(vals []string) string {
	quoted := make([]string, len(vals))
	for i, v := range vals {
		quoted[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// TestActionsUnconfiguredProvider: invoking before ConfigureProvider must be a
// clear error, not a panic.
func TestActionsUnconfiguredProvider(t *testing.T) {
	t.Parallel()
	s := newActionServer(t, nil, 0)
	for typeName, vals := range map[string]map[string]tftypes.Value{
		batchDeleteActionType: {"instance_ids": stringSet(fakeUUIDs(1)...)},
		serverPowerActionType: {"server_ids": stringSet(fakeUUIDs(1)...), "action": tfString("on")},
	} {
		res := s.invoke(t.Context(), typeName, vals)
		if got := errorText(res.diagnostics); !strings.Contains(got, "The clouddc provider is not configured yet") {
			t.Errorf("%s: want a provider-not-configured error, got %q", typeName, got)
		}
	}
}
