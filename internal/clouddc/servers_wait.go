// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package clouddc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ServerAPI is the part of *Client that waiting for server power states
// needs; unit tests fake it.
type ServerAPI interface {
	ShowServer(ctx context.Context, id string) (*PhysicalServer, error)
}

// Default polling intervals of WaitForPowerState. Power transitions of bare
// metal take seconds to minutes, so the wait starts quick and backs off.
const (
	defaultPowerPollInitial = time.Second
	defaultPowerPollMax     = 10 * time.Second
)

// PowerWaitOptions tunes WaitForPowerState.
type PowerWaitOptions struct {
	// PollInitial is the first interval between polls and PollMax the cap
	// it doubles up to; zero means 1s and 10s (tests use milliseconds).
	PollInitial, PollMax time.Duration
	// OnProgress, if set, is called after every poll round.
	OnProgress func(PowerProgress)
}

// PowerProgress is a snapshot of a power-state wait.
type PowerProgress struct {
	Target string // the power_state waited for
	Total  int    // servers waited for
	Done   int    // servers in the target state
	Failed int    // servers whose power operation failed
	// Counts has the servers per last seen state: the operation_state
	// while a change is processing (power-off-processing, ...), else the
	// power_state (on, off, or an older deployment's powering-off, ...).
	Counts  map[string]int
	Elapsed time.Duration
}

// ServerResult is what a wait last saw of one server.
type ServerResult struct {
	ID             string
	PowerState     string
	OperationState string
	Error          *ErrorStatus
	// Reason says why the server did not reach the target, in words.
	Reason string
}

// PowerError reports the servers that did not reach the target power state.
type PowerError struct {
	Target     string
	Unfinished []ServerResult
	// Cause is the error that ended the wait early (for example
	// context.DeadlineExceeded or a failed API call), nil when the wait
	// ended because every remaining server failed.
	Cause error
}

// Error names every unfinished server with what was last seen of it.
func (e *PowerError) Error() string {
	var b strings.Builder
	switch {
	case errors.Is(e.Cause, context.DeadlineExceeded):
		fmt.Fprintf(&b, "timed out waiting for %d server(s) to reach power state %q", len(e.Unfinished), e.Target)
	case e.Cause != nil:
		fmt.Fprintf(&b, "stopped waiting for %d server(s) to reach power state %q: %v", len(e.Unfinished), e.Target, e.Cause)
	default:
		fmt.Fprintf(&b, "%d server(s) did not reach power state %q", len(e.Unfinished), e.Target)
	}
	b.WriteString(":")
	for _, r := range e.Unfinished {
		fmt.Fprintf(&b, "\n  - %s: %s", r.ID, r.Reason)
	}
	if errors.Is(e.Cause, context.DeadlineExceeded) {
		b.WriteString("\nThe operations may still finish; check the servers' power_state and run the action again with a longer timeout if needed.")
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *PowerError) Unwrap() error { return e.Cause }

// RemainingIDs returns the IDs of the unfinished servers.
func (e *PowerError) RemainingIDs() []string {
	ids := make([]string, len(e.Unfinished))
	for i, r := range e.Unfinished {
		ids[i] = r.ID
	}
	return ids
}

// TargetPowerState returns the power_state a server settles in after the
// ChangeServerPowerState action: "on" after "power on" and "rebooting" (a
// reboot goes on → off → on, or through power_state "rebooting" on older
// deployments), "off" after "power off".
func TargetPowerState(action string) (string, error) {
	switch action {
	case PowerActionOn, PowerActionReboot:
		return PowerStateOn, nil
	case PowerActionOff:
		return PowerStateOff, nil
	}
	return "", fmt.Errorf("unknown power action %q (want %q, %q or %q)", action, PowerActionOn, PowerActionOff, PowerActionReboot)
}

// failedOperationState is the server operation_state that reports a failed action.
func failedOperationState(action string) string {
	switch action {
	case PowerActionOn:
		return ServerOpPowerOnFailed
	case PowerActionOff:
		return ServerOpPowerOffFailed
	default:
		return ServerOpRebootFailed
	}
}

// serverOpStates are the operation_state values of SDK 0.1.190 and later.
var serverOpStates = []string{
	ServerOpPowerOnProcessing, ServerOpPowerOnSucceed, ServerOpPowerOnFailed,
	ServerOpPowerOffProcessing, ServerOpPowerOffSucceed, ServerOpPowerOffFailed,
	ServerOpRebootProcessing, ServerOpRebootSucceed, ServerOpRebootFailed,
}

// WaitForPowerState polls ShowServer until every server in ids has settled in
// the power state that action leads to. It reads both server models: since
// SDK 0.1.190 power_state stays on or off and operation_state shows the
// change (power-off-processing, then power-off-succeed); older deployments
// show it in power_state (powering-off, then off). A server is settled when
// its power_state is the target and no power operation is still processing,
// and after a reboot, when it reports an operation_state of the new model,
// once that is reboot-succeed (a reboot ends on, where it started). It has
// failed when its operation_state reports the action failed or it no longer
// exists. It returns nil when all settled, else *PowerError naming
// each server that did not (with Cause set when ctx ended the wait or an API
// call failed).
func WaitForPowerState(ctx context.Context, api ServerAPI, ids []string, action string, opts PowerWaitOptions) error {
	target, err := TargetPowerState(action)
	if err != nil {
		return err
	}
	interval, maxInterval := opts.PollInitial, opts.PollMax
	if interval <= 0 {
		interval = defaultPowerPollInitial
	}
	if maxInterval <= 0 {
		maxInterval = defaultPowerPollMax
	}
	if maxInterval < interval {
		maxInterval = interval
	}

	start := time.Now()
	last := make(map[string]ServerResult, len(ids))
	pending := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, dup := last[id]; dup {
			continue
		}
		last[id] = ServerResult{ID: id, Reason: "not polled yet"}
		pending = append(pending, id)
	}
	failed := map[string]bool{}
	failedState := failedOperationState(action)

	order := append([]string(nil), pending...)
	unfinished := func() []ServerResult {
		var out []ServerResult
		for _, id := range order {
			if r := last[id]; failed[id] || !settled(r, action, target) {
				out = append(out, r)
			}
		}
		return out
	}

	timer := time.NewTimer(0) // the first poll goes out at once
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return &PowerError{Target: target, Unfinished: unfinished(), Cause: ctx.Err()}
		case <-timer.C:
		}

		next := pending[:0]
		for _, id := range pending {
			srv, err := api.ShowServer(ctx, id)
			switch {
			case err != nil && ctx.Err() != nil:
				return &PowerError{Target: target, Unfinished: unfinished(), Cause: ctx.Err()}
			case ServerNotFound(err, id):
				failed[id] = true
				last[id] = ServerResult{ID: id, Reason: "server not found"}
				continue
			case err != nil:
				return &PowerError{Target: target, Unfinished: unfinished(), Cause: fmt.Errorf("show server %s: %w", id, err)}
			}
			r := ServerResult{ID: id, PowerState: srv.PowerState, OperationState: srv.OperationState, Error: srv.Error}
			switch {
			case srv.OperationState == failedState:
				r.Reason = describeServer(r, "the power operation failed")
				failed[id] = true
			case settled(r, action, target):
			default:
				r.Reason = describeServer(r, "still changing")
				next = append(next, id)
			}
			last[id] = r
		}
		pending = next

		if opts.OnProgress != nil {
			opts.OnProgress(powerProgress(action, target, last, failed, time.Since(start)))
		}
		if len(pending) == 0 {
			if len(failed) == 0 {
				return nil
			}
			return &PowerError{Target: target, Unfinished: unfinished()}
		}

		timer.Reset(interval)
		interval = min(interval*2, maxInterval)
	}
}

// settled reports whether r has finished action: it is in target with no
// operation still processing, and after a reboot a server that reports the
// new model's operation_state says reboot-succeed (another value there is
// what it said before the reboot began). Power on and off need no such
// check: asking for the state a server is already in changes nothing, so
// its operation_state may rightly still tell of an earlier change.
func settled(r ServerResult, action, target string) bool {
	if r.PowerState != target || strings.HasSuffix(r.OperationState, "-processing") {
		return false
	}
	if action == PowerActionReboot && slices.Contains(serverOpStates, r.OperationState) {
		return r.OperationState == ServerOpRebootSucceed
	}
	return true
}

// progressState is what a progress snapshot counts r under: the
// operation_state while a change is processing, else the power_state.
func progressState(r ServerResult) string {
	switch {
	case strings.HasSuffix(r.OperationState, "-processing"):
		return r.OperationState
	case r.PowerState == "":
		return "unknown"
	}
	return r.PowerState
}

func describeServer(r ServerResult, what string) string {
	s := fmt.Sprintf("%s (power_state %q", what, r.PowerState)
	if r.OperationState != "" {
		s += fmt.Sprintf(", operation_state %q", r.OperationState)
	}
	if r.Error != nil && r.Error.ErrorMsg != "" {
		s += fmt.Sprintf(", error %s: %s", r.Error.ErrorCode, r.Error.ErrorMsg)
	}
	return s + ")"
}

func powerProgress(action, target string, last map[string]ServerResult, failed map[string]bool, elapsed time.Duration) PowerProgress {
	p := PowerProgress{Target: target, Counts: map[string]int{}, Elapsed: elapsed, Failed: len(failed)}
	for id, r := range last {
		p.Total++
		p.Counts[progressState(r)]++
		if !failed[id] && settled(r, action, target) {
			p.Done++
		}
	}
	return p
}
