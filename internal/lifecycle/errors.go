// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// The errors of the engine state facts only: what is unfinished, in which
// state, and why the engine stopped. They say nothing of Terraform: the
// provider's resources and actions each add the advice that fits their
// context (terraform destroy and state; invoking the action again).

// InstanceResult is the last known state of one instance an operation did
// not finish.
type InstanceResult struct {
	ID             string
	State          string
	OperationState string
	// Error is the instance's own error status (error_msg), if it has one.
	Error *clouddc.ErrorStatus
	// Gone is true when the API proved that the instance no longer exists
	// (clouddc/evidence.go: a 404 iMetal.0200 naming it, or absence from a
	// complete listing).
	Gone bool
	// Err is the error of the API call made for this instance, if one failed.
	Err error
}

// Exists reports whether the instance may still exist: it is neither gone
// nor terminated.
func (r InstanceResult) Exists() bool { return !r.Gone && !clouddc.IsTerminalState(r.State) }

// Failed reports whether the instance is in a failed state (error, or an
// older deployment's failed).
func (r InstanceResult) Failed() bool { return clouddc.IsFailedState(r.State) }

// describe renders "id (state: error: msg [code])" for error messages; the
// request error is left out when it is shared (already said once as the
// cause).
func (r InstanceResult) describe(shared error) string {
	var b strings.Builder
	b.WriteString(r.ID)
	b.WriteString(" (")
	switch {
	case r.Gone:
		b.WriteString("not found")
	case r.State == "":
		b.WriteString("state unknown")
	default:
		b.WriteString("state: ")
		b.WriteString(r.State)
	}
	writeErrorStatus(&b, r.Error)
	if r.Err != nil && r.Err != shared { //nolint:errorlint // identity: the very error already printed as the cause
		b.WriteString("; request failed: ")
		b.WriteString(r.Err.Error())
	}
	b.WriteString(")")
	return b.String()
}

// ServerResult is the last known state of one physical server a power wait
// did not finish.
type ServerResult struct {
	ID             string
	PowerState     string
	OperationState string
	Error          *clouddc.ErrorStatus
	// Gone is true when the API proved that the server does not exist (a 404
	// iMetal.0100 naming it).
	Gone bool
}

// describe renders "id (power_state: off, operation_state: reboot-failed)".
func (r ServerResult) describe(error) string {
	var b strings.Builder
	b.WriteString(r.ID)
	b.WriteString(" (")
	switch {
	case r.Gone:
		b.WriteString("not found")
	case r.PowerState == "" && r.OperationState == "":
		b.WriteString("state unknown")
	default:
		b.WriteString("power_state: ")
		b.WriteString(r.PowerState)
		if r.OperationState != "" {
			b.WriteString(", operation_state: ")
			b.WriteString(r.OperationState)
		}
	}
	writeErrorStatus(&b, r.Error)
	b.WriteString(")")
	return b.String()
}

// writeErrorStatus appends ": msg [code]" for an error status with a message.
func writeErrorStatus(b *strings.Builder, st *clouddc.ErrorStatus) {
	if st == nil || st.ErrorMsg == "" {
		return
	}
	b.WriteString(": ")
	b.WriteString(st.ErrorMsg)
	if st.ErrorCode != "" {
		fmt.Fprintf(b, " [%s]", st.ErrorCode)
	}
}

// endedBy says how cause ended an operation early, for a headline: " before
// the timeout", " (interrupted)", or "".
func endedBy(cause error) string {
	switch {
	case errors.Is(cause, context.DeadlineExceeded):
		return " before the timeout"
	case errors.Is(cause, context.Canceled):
		return " (interrupted)"
	}
	return ""
}

// describer is one line of an error's list of what is unfinished.
type describer interface{ describe(shared error) string }

// writeUnfinished is the one rendering of what an operation did not finish:
// a line per failed item, a line per pending item (", still in progress"
// where pending is set apart from failed), and the cause when it is not the
// context's end (the headline says that).
func writeUnfinished[R describer](b *strings.Builder, failed, pending []R, pendingNote string, cause error) {
	for _, r := range failed {
		b.WriteString("\n  - ")
		b.WriteString(r.describe(cause))
	}
	for _, r := range pending {
		b.WriteString("\n  - ")
		b.WriteString(r.describe(cause))
		b.WriteString(pendingNote)
	}
	if cause != nil && !isContextErr(cause) {
		fmt.Fprintf(b, "\ncause: %v", cause)
	}
}

// nouns returns singular when n is 1, else plural.
func nouns(n int, singular, plural string) string {
	if n == 1 {
		return singular
	}
	return plural
}

// DeleteError reports the instances a delete did not finish. Unfinished
// lists each with its last known state; Cause is why the engine stopped
// (context.DeadlineExceeded on timeout, context.Canceled on interrupt, an
// API error) or nil when instances simply ended in state error.
type DeleteError struct {
	// Total is how many instances the delete was asked for.
	Total      int
	Unfinished []InstanceResult
	Cause      error
}

// Error names every unfinished instance with its state and error_msg:
// "2 of 5 instances not deleted before the timeout:" and Detail.
func (e *DeleteError) Error() string {
	total := max(e.Total, len(e.Unfinished))
	return fmt.Sprintf("%d of %d %s not deleted%s:", len(e.Unfinished), total,
		nouns(total, "instance", "instances"), endedBy(e.Cause)) + e.Detail()
}

// Detail is Error without its headline: a line per unfinished instance and
// the cause. A caller that words the headline for its own context (an
// action's timeout) appends it.
func (e *DeleteError) Detail() string {
	var b strings.Builder
	writeUnfinished[InstanceResult](&b, e.Unfinished, nil, "", e.Cause)
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *DeleteError) Unwrap() error { return e.Cause }

// RemainingIDs returns the IDs of the unfinished instances that still exist
// (neither terminated nor gone), in order: what state must keep.
func (e *DeleteError) RemainingIDs() []string {
	var ids []string
	for _, r := range e.Unfinished {
		if r.Exists() {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// WaitError reports instances that did not reach the target state.
type WaitError struct {
	Target string
	// Total is how many instances were waited for.
	Total int
	// Failed lists instances that ended in error/failed, terminated, or
	// disappeared; Pending those still on their way when the wait ended.
	Failed  []InstanceResult
	Pending []InstanceResult
	// Cause is why the wait ended early (context.DeadlineExceeded, a poll
	// error), or nil when it ended because instances failed.
	Cause error
}

// Error names each instance with its state and error_msg.
func (e *WaitError) Error() string {
	var b strings.Builder
	n := len(e.Failed) + len(e.Pending)
	fmt.Fprintf(&b, "%d of %d instances did not reach state %s%s:", n, max(e.Total, n), e.Target, endedBy(e.Cause))
	writeUnfinished(&b, e.Failed, e.Pending, ", still in progress", e.Cause)
	return b.String()
}

// Unwrap returns the cause.
func (e *WaitError) Unwrap() error { return e.Cause }

// PowerError reports the servers that did not reach the target power
// state, in the shape of WaitError.
type PowerError struct {
	// Target is the power_state waited for (on or off).
	Target string
	// Total is how many servers were waited for.
	Total int
	// Failed lists servers whose power operation failed or that do not
	// exist; Pending those still changing when the wait ended.
	Failed  []ServerResult
	Pending []ServerResult
	// Cause is the error that ended the wait early (for example
	// context.DeadlineExceeded or a failed API call), nil when the wait
	// ended because every remaining server failed.
	Cause error
}

// Error names every unfinished server with what was last seen of it.
func (e *PowerError) Error() string {
	var b strings.Builder
	n := len(e.Failed) + len(e.Pending)
	total := max(e.Total, n)
	fmt.Fprintf(&b, "%d of %d %s did not reach power state %q%s:", n, total,
		nouns(total, "server", "servers"), e.Target, endedBy(e.Cause))
	writeUnfinished(&b, e.Failed, e.Pending, ", still in progress", e.Cause)
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *PowerError) Unwrap() error { return e.Cause }

// RemainingIDs returns the IDs of the unfinished servers: the failed ones,
// then the pending ones, each in the order they were asked for.
func (e *PowerError) RemainingIDs() []string {
	ids := make([]string, 0, len(e.Failed)+len(e.Pending))
	for _, r := range e.Failed {
		ids = append(ids, r.ID)
	}
	for _, r := range e.Pending {
		ids = append(ids, r.ID)
	}
	return ids
}
