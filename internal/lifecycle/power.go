// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// ServerAPI is the part of *Client that waiting for server power states
// needs; unit tests fake it.
type ServerAPI interface {
	ShowServer(ctx context.Context, id string) (*clouddc.PhysicalServer, error)
}

// Default polling intervals of WaitForPowerState: the schedule of every
// wait (schedule.go), on the timescale of bare-metal power transitions,
// which take seconds to minutes.
const (
	defaultPowerPollInitial = time.Second
	defaultPowerPollMax     = 10 * time.Second
)

// PowerWaitOptions tunes WaitForPowerState.
type PowerWaitOptions struct {
	// PollInitial is the delay before the first poll and the least interval
	// between polls; PollMax caps the interval as it backs off in proportion
	// to the time waited (schedule.go). Zero means 1s and 10s (tests use
	// milliseconds).
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

// TargetPowerState returns the power_state a server settles in after the
// ChangeServerPowerState action: "on" after "power on" and "rebooting" (a
// reboot goes on → off → on, or through power_state "rebooting" on older
// deployments), "off" after "power off".
func TargetPowerState(action string) (string, error) {
	switch action {
	case clouddc.PowerActionOn, clouddc.PowerActionReboot:
		return clouddc.PowerStateOn, nil
	case clouddc.PowerActionOff:
		return clouddc.PowerStateOff, nil
	}
	return "", fmt.Errorf("unknown power action %q (want %q, %q or %q)", action, clouddc.PowerActionOn, clouddc.PowerActionOff, clouddc.PowerActionReboot)
}

// failedOperationState is the server operation_state that reports a failed action.
func failedOperationState(action string) string {
	switch action {
	case clouddc.PowerActionOn:
		return clouddc.ServerOpPowerOnFailed
	case clouddc.PowerActionOff:
		return clouddc.ServerOpPowerOffFailed
	default:
		return clouddc.ServerOpRebootFailed
	}
}

// serverOpStates are the operation_state values of SDK 0.1.190 and later.
var serverOpStates = []string{
	clouddc.ServerOpPowerOnProcessing, clouddc.ServerOpPowerOnSucceed, clouddc.ServerOpPowerOnFailed,
	clouddc.ServerOpPowerOffProcessing, clouddc.ServerOpPowerOffSucceed, clouddc.ServerOpPowerOffFailed,
	clouddc.ServerOpRebootProcessing, clouddc.ServerOpRebootSucceed, clouddc.ServerOpRebootFailed,
}

// WaitForPowerState polls ShowServer until every server in ids has settled in
// the power state that action leads to, on the poll schedule of every wait
// (schedule.go). It reads both server models: since SDK 0.1.190 power_state
// stays on or off and operation_state shows the change
// (power-off-processing, then power-off-succeed); older deployments show it
// in power_state (powering-off, then off). A server is settled when its
// power_state is the target and no power operation is still processing, and
// after a reboot, when it reports an operation_state of the new model, once
// that is reboot-succeed (a reboot ends on, where it started). It has failed
// when its operation_state reports the action failed or it no longer exists
// (a 404 iMetal.0100 naming it). It returns nil when all settled, else a
// *PowerError naming each server that did not (with Cause set when ctx ended
// the wait or an API call failed: the wait stops at the first failed call,
// which the client has already retried, or at an answer that does not
// describe the server asked for).
func WaitForPowerState(ctx context.Context, api ServerAPI, ids []string, action string, opts PowerWaitOptions) error {
	target, err := TargetPowerState(action)
	if err != nil {
		return err
	}
	w := newPowerWait(ids, action, target)
	sched := newSchedule(opts.PollInitial, opts.PollMax, defaultPowerPollInitial, defaultPowerPollMax)
	start := time.Now()
	for delay := sched.jittered(sched.initial); ; delay = sched.next(time.Since(start)) {
		if err := sleep(ctx, delay); err != nil {
			return w.failure(err)
		}
		if err := w.round(ctx, api); err != nil {
			return w.failure(err)
		}
		if opts.OnProgress != nil {
			opts.OnProgress(w.progress(time.Since(start)))
		}
		if len(w.pending) == 0 {
			if len(w.failed) == 0 {
				return nil
			}
			return w.failure(nil)
		}
	}
}

// powerWait is the state of one WaitForPowerState.
type powerWait struct {
	action, target, failedState string
	order                       []string // the servers, without duplicates, as asked
	pending                     []string // the servers not yet settled or failed
	last                        map[string]ServerResult
	failed                      map[string]bool
}

func newPowerWait(ids []string, action, target string) *powerWait {
	w := &powerWait{
		action: action, target: target, failedState: failedOperationState(action),
		order: uniqueIDs(ids), last: make(map[string]ServerResult, len(ids)), failed: map[string]bool{},
	}
	for _, id := range w.order {
		w.last[id] = ServerResult{ID: id}
	}
	w.pending = slices.Clone(w.order)
	return w
}

// round polls every pending server once. It returns the error that ends
// the wait: ctx's end, or a failed ShowServer call.
func (w *powerWait) round(ctx context.Context, api ServerAPI) error {
	next := w.pending[:0]
	for _, id := range w.pending {
		srv, err := api.ShowServer(ctx, id)
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case clouddc.ServerNotFound(err, id):
			w.failed[id] = true
			w.last[id] = ServerResult{ID: id, Gone: true}
			continue
		case err != nil:
			return fmt.Errorf("show server %s: %w", id, err)
		case srv == nil:
			// Any ServerAPI, not only *clouddc.Client (which never answers
			// so): nothing can be read from no server.
			return fmt.Errorf("show server %s: the answer holds no server", id)
		case srv.ID != id:
			return fmt.Errorf("show server %s: the answer describes server %q", id, srv.ID)
		}
		r := ServerResult{ID: id, PowerState: srv.PowerState, OperationState: srv.OperationState, Error: srv.Error}
		switch {
		case srv.OperationState == w.failedState:
			w.failed[id] = true
		case settled(r, w.action, w.target):
		default:
			next = append(next, id)
		}
		w.last[id] = r
	}
	w.pending = next
	return nil
}

// failure returns the *PowerError naming every server that did not settle.
func (w *powerWait) failure(cause error) *PowerError {
	pe := &PowerError{Target: w.target, Total: len(w.order), Cause: cause}
	for _, id := range w.order {
		r := w.last[id]
		switch {
		case w.failed[id]:
			pe.Failed = append(pe.Failed, r)
		case !settled(r, w.action, w.target):
			pe.Pending = append(pe.Pending, r)
		}
	}
	return pe
}

func (w *powerWait) progress(elapsed time.Duration) PowerProgress {
	p := PowerProgress{Target: w.target, Counts: map[string]int{}, Elapsed: elapsed, Failed: len(w.failed)}
	for id, r := range w.last {
		p.Total++
		p.Counts[progressState(r)]++
		if !w.failed[id] && settled(r, w.action, w.target) {
			p.Done++
		}
	}
	return p
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
	if action == clouddc.PowerActionReboot && slices.Contains(serverOpStates, r.OperationState) {
		return r.OperationState == clouddc.ServerOpRebootSucceed
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
