// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// The engine's errors state facts; these tests check the advice each caller
// adds for its own context: a resource speaks of terraform destroy, state
// and timeouts, the batch-delete action of invoking it again.

func TestDeleteAdviceForResourcesAndTheAction(t *testing.T) {
	failedDelete := lifecycle.InstanceResult{ID: "a", State: clouddc.StateError,
		Error: &clouddc.ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "disk wipe failed"}}
	shuttingDown := lifecycle.InstanceResult{ID: "b", State: clouddc.StateShuttingDown}
	for _, tc := range []struct {
		name     string
		err      *lifecycle.DeleteError
		resource []string // in a resource's detail
		action   []string // in the action's detail
	}{
		{
			name: "timeout",
			err: &lifecycle.DeleteError{Total: 5, Unfinished: []lifecycle.InstanceResult{shuttingDown},
				Cause: fmt.Errorf("waiting: %w", context.DeadlineExceeded)},
			resource: []string{"The delete timeout (2s) was reached.", "1 of 5 instances not deleted before the timeout",
				"b (state: shutting-down)", "raise timeouts { delete } and run terraform destroy again"},
			action: []string{"1 of 5 instance(s) not deleted before the action's timeout (2s) ran out", "b (state: shutting-down)",
				"Unfinished instance IDs (1): b", "invoke the action again (with a longer timeout) with these IDs"},
		},
		{
			name:     "interrupted",
			err:      &lifecycle.DeleteError{Total: 1, Unfinished: []lifecycle.InstanceResult{shuttingDown}, Cause: context.Canceled},
			resource: []string{"1 of 1 instance not deleted (interrupted)", "Run terraform destroy again to resume"},
			action:   []string{"1 of 1 instance(s) not deleted (interrupted)", "Invoke the action again with these IDs to retry"},
		},
		{
			name:     "deletion failed",
			err:      &lifecycle.DeleteError{Total: 2, Unfinished: []lifecycle.InstanceResult{failedDelete}},
			resource: []string{"a (state: error: disk wipe failed [iMetal.0299])", "run terraform destroy again (the state keeps exactly these instances)"},
			action:   []string{"a (state: error: disk wipe failed [iMetal.0299])", "invoke the action again with these IDs. If it keeps failing"},
		},
		{
			name: "API error",
			err: &lifecycle.DeleteError{Total: 1, Unfinished: []lifecycle.InstanceResult{{ID: "c", State: clouddc.StateRunning}},
				Cause: &clouddc.APIError{StatusCode: 403, Code: clouddc.CodeForbidden, Operation: "DeleteInstances"}},
			resource: []string{"c (state: running)", "cause: CloudDC DeleteInstances failed: HTTP 403 iMetal.0004", "Run terraform destroy again to retry"},
			action:   []string{"c (state: running)", "cause: CloudDC DeleteInstances failed: HTTP 403 iMetal.0004", "Invoke the action again with these IDs to retry"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource := deleteErrorDetail(tc.err, 2*time.Second)
			action := deleteFailureDetail(tc.err, 2*time.Second)
			for _, want := range tc.resource {
				if !strings.Contains(resource, want) {
					t.Errorf("a resource's detail lacks %q:\n%s", want, resource)
				}
			}
			for _, want := range tc.action {
				if !strings.Contains(action, want) {
					t.Errorf("the action's detail lacks %q:\n%s", want, action)
				}
			}
			if strings.Contains(action, "terraform destroy") || strings.Contains(action, "timeouts {") {
				t.Errorf("the action's detail gives a resource's advice:\n%s", action)
			}
			if strings.Contains(strings.ToLower(resource), "invoke") {
				t.Errorf("a resource's detail gives the action's advice:\n%s", resource)
			}
		})
	}
}

func TestWaitAdviceForResources(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string
		not  []string
	}{
		{
			name: "failed",
			err: &lifecycle.WaitError{Target: "running", Total: 1, Failed: []lifecycle.InstanceResult{{ID: "a", State: clouddc.StateError,
				Error: &clouddc.ErrorStatus{ErrorMsg: "no OS image"}}}},
			want: []string{"Instance a: 1 of 1 instances did not reach state running", "a (state: error: no OS image)",
				"an instance in state error can be deleted and created again"},
			not: []string{"deleted outside Terraform", "raise timeouts"},
		},
		{
			name: "gone",
			err:  &lifecycle.WaitError{Target: "running", Total: 1, Failed: []lifecycle.InstanceResult{{ID: "a", Gone: true}}},
			want: []string{"a (not found)", "no longer exist (deleted outside Terraform?); they must be created again"},
			not:  []string{"raise timeouts"},
		},
		{
			name: "timeout",
			err: &lifecycle.WaitError{Target: "running", Total: 1, Pending: []lifecycle.InstanceResult{{ID: "a", State: clouddc.StatePending}},
				Cause: context.DeadlineExceeded},
			want: []string{"before the timeout", "a (state: pending), still in progress", "create did not finish within 30m0s",
				"raise timeouts { create } and apply again"},
		},
		{
			name: "not a wait error",
			err:  errors.New("read instances after waiting for running: boom"),
			want: []string{"Instance a: read instances after waiting for running: boom"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := waitErrorDetail("Instance a", "create", 30*time.Minute, tc.err)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("detail lacks %q:\n%s", want, got)
				}
			}
			for _, not := range tc.not {
				if strings.Contains(got, not) {
					t.Errorf("detail says %q, which does not apply:\n%s", not, got)
				}
			}
		})
	}
}
