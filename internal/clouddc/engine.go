package clouddc

// The Engine is the one place that deletes and waits, shared by every
// resource and action of a provider instance (Terraform runs them
// concurrently in one provider process). Its parts, one file each:
//
//   - batch.go: DeleteInstances / DeleteInstance. Batch-delete calls of at
//     most 50 IDs; per-ID attribution of not-found, wrong-state and other
//     errors; the wait for terminated; *DeleteError.
//   - wait.go: the poll schedule, the shared poller (one goroutine, alive
//     only while something is watched, listing 100 IDs per ListInstances
//     call for all waiters at once) and the per-instance mode; WaitForState.
//   - coalesce.go: the batcher that merges concurrent callers' IDs into
//     calls of at most 50 (deletes) or 100 (reads).
//   - status.go: GetInstances and the list/status lookups behind all of it.
//   - evidence.go: the one rule of when an instance is gone (terminated, a
//     404 iMetal.0200 naming it, absence from a complete listing), and the
//     bounded, checked paging that a listing must pass to count as complete.
//     Every "gone" in these files comes from it.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// InstanceAPI is the part of the CloudDC API the engine needs. *Client
// satisfies it; unit tests use a fake.
type InstanceAPI interface {
	ListInstances(ctx context.Context, req *ListInstancesRequest) (*ListInstancesResponse, error)
	ShowInstanceStatus(ctx context.Context, id string) (*InstanceStatus, error)
	DeleteInstances(ctx context.Context, ids []string) (*InstancesResponse, error)
	DeleteInstance(ctx context.Context, id string) error
}

// Defaults of EngineOptions.
const (
	DefaultPollInitial   = 500 * time.Millisecond
	DefaultPollMax       = 2 * time.Second
	DefaultBatchWindow   = 100 * time.Millisecond
	DefaultNotFoundGrace = 5 * time.Second
	// DefaultTransitionSettle is how long WaitForStateChange waits to see an
	// instance leave its state before it takes the operation as done.
	DefaultTransitionSettle = 10 * time.Second
	DefaultRedeleteAfter    = 15 * time.Second
)

// EngineOptions tunes the Engine. Zero values mean the defaults.
type EngineOptions struct {
	// Optimize (the provider's default) polls many instances with one
	// ListInstances call per 100 IDs through one shared poller, and merges
	// concurrent DeleteInstance and GetInstances calls into batch calls.
	// When false, every instance is deleted and polled on its own at a fixed
	// interval (PollMax), as providers usually do; useful to measure the gain.
	Optimize bool
	// PollInitial is the delay before the first status poll; PollMax caps the
	// interval as it backs off (and is the fixed interval without Optimize).
	PollInitial, PollMax time.Duration
	// BatchWindow is how long the coalescer collects concurrent calls after
	// the last arrival; BatchMaxWait bounds the whole collection (default
	// 5×BatchWindow). A batch is sent at once when it is full.
	BatchWindow, BatchMaxWait time.Duration
	// NotFoundGrace is how long WaitForState treats a missing instance as
	// not yet visible (eventual consistency right after create) before it
	// fails it as gone.
	NotFoundGrace time.Duration
	// TransitionSettle is how long WaitForStateChange waits to see an
	// instance leave the target state (the operation start) before an
	// instance still in it counts as done.
	TransitionSettle time.Duration
	// RedeleteAfter is how long an instance whose delete was accepted may
	// still show a state other than shutting-down (e.g. running: the
	// request was lost) before the delete is sent once more. Default 15s.
	RedeleteAfter time.Duration
	// MaxConcurrentCalls bounds the calls one engine operation runs at once
	// (per-instance status polls, list chunks, merged batches). Default 8.
	MaxConcurrentCalls int
}

func (o EngineOptions) withDefaults() EngineOptions {
	if o.PollInitial <= 0 {
		o.PollInitial = DefaultPollInitial
	}
	if o.PollMax <= 0 {
		o.PollMax = DefaultPollMax
	}
	if o.PollMax < o.PollInitial {
		o.PollMax = o.PollInitial
	}
	if o.BatchWindow <= 0 {
		o.BatchWindow = DefaultBatchWindow
	}
	if o.BatchMaxWait <= 0 {
		o.BatchMaxWait = 5 * o.BatchWindow
	}
	if o.BatchMaxWait < o.BatchWindow {
		o.BatchMaxWait = o.BatchWindow
	}
	if o.NotFoundGrace <= 0 {
		o.NotFoundGrace = DefaultNotFoundGrace
	}
	if o.TransitionSettle <= 0 {
		o.TransitionSettle = DefaultTransitionSettle
	}
	if o.RedeleteAfter <= 0 {
		o.RedeleteAfter = DefaultRedeleteAfter
	}
	if o.MaxConcurrentCalls <= 0 {
		o.MaxConcurrentCalls = 8
	}
	return o
}

// Engine deletes instances in batches and waits for them, shared by every
// resource and action of one provider instance. It is safe for concurrent use.
type Engine struct {
	api     InstanceAPI
	opts    EngineOptions
	poller  *poller
	deletes *batcher[string, deleteOutcome]
	gets    *batcher[string, getResult]
	// terminated holds the instances seen terminated; deletes skip them.
	terminated terminatedSet
}

// NewEngine returns an Engine calling api. With opts.Optimize, concurrent
// callers share one status poller and their calls are merged.
func NewEngine(api InstanceAPI, opts EngineOptions) *Engine {
	e := &Engine{api: api, opts: opts.withDefaults()}
	e.poller = newPoller(e)
	e.deletes = newBatcher("DeleteInstances", MaxBatchIDs, e.opts, e.deleteChunk)
	e.gets = newBatcher("ListInstances", MaxFilterIDs, e.opts, e.getChunk)
	return e
}

// Options returns the engine's options with defaults filled in.
func (e *Engine) Options() EngineOptions { return e.opts }

// InstanceResult is the last known state of one instance an operation did
// not finish.
type InstanceResult struct {
	ID             string
	State          string
	OperationState string
	// Error is the instance's own error status (error_msg), if it has one.
	Error *ErrorStatus
	// Gone is true when the API proved that the instance no longer exists
	// (evidence.go: a 404 iMetal.0200 naming it, or absence from a complete
	// listing).
	Gone bool
	// Err is the error of the API call made for this instance, if one failed.
	Err error
}

// exists reports whether the instance may still exist.
func (r InstanceResult) exists() bool { return !r.Gone && !IsTerminalState(r.State) }

// describe renders "id (state: error: msg)" for error messages; the request
// error is left out when it is shared (already said once as the cause).
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
	if r.Error != nil && r.Error.ErrorMsg != "" {
		b.WriteString(": ")
		b.WriteString(r.Error.ErrorMsg)
		if r.Error.ErrorCode != "" {
			fmt.Fprintf(&b, " [%s]", r.Error.ErrorCode)
		}
	}
	if r.Err != nil && r.Err != shared { //nolint:errorlint // identity: the very error already printed as the cause
		b.WriteString("; request failed: ")
		b.WriteString(r.Err.Error())
	}
	b.WriteString(")")
	return b.String()
}

func resultFromObservation(id string, o observation, seen bool) InstanceResult {
	r := InstanceResult{ID: id}
	if !seen {
		return r
	}
	r.Gone = o.Gone
	if !o.Gone {
		r.State = o.Instance.State
		r.OperationState = o.Instance.OperationState
		r.Error = o.Instance.Error
	}
	return r
}

// Progress reports how a wait is going; OnProgress receives it after every
// poll round.
type Progress struct {
	Total int
	// Done counts instances that reached the goal (terminated or gone).
	Done int
	// Counts holds the number of instances per state; "gone" counts instances
	// no longer found, "unknown" those not yet observed.
	Counts  map[string]int
	Elapsed time.Duration
}

// Keys of Progress.Counts besides the API's states.
const (
	ProgressGone    = "gone"
	ProgressUnknown = "unknown"
)

// DeleteOptions tunes DeleteInstances.
type DeleteOptions struct {
	// Wait makes DeleteInstances return only when every instance is
	// terminated or gone.
	Wait bool
	// OnProgress, if set, is called after every poll round. The caller
	// throttles what it does with it.
	OnProgress func(Progress)
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

// Error names every unfinished instance with its state and error_msg, and
// says what to do.
func (e *DeleteError) Error() string {
	var b strings.Builder
	total := max(e.Total, len(e.Unfinished))
	noun := "instances"
	if total == 1 {
		noun = "instance"
	}
	fmt.Fprintf(&b, "%d of %d %s not deleted", len(e.Unfinished), total, noun)
	switch {
	case errors.Is(e.Cause, context.DeadlineExceeded):
		b.WriteString(" before the timeout")
	case errors.Is(e.Cause, context.Canceled):
		b.WriteString(" (interrupted)")
	}
	b.WriteString(":")
	failed, pending := false, false
	for _, r := range e.Unfinished {
		b.WriteString("\n  - ")
		b.WriteString(r.describe(e.Cause))
		switch {
		case IsFailedState(r.State):
			failed = true
		case r.exists():
			pending = true
		}
	}
	if e.Cause != nil && !isContextErr(e.Cause) {
		fmt.Fprintf(&b, "\ncause: %v", e.Cause)
	}
	b.WriteString("\n")
	switch {
	case errors.Is(e.Cause, context.DeadlineExceeded) && pending:
		b.WriteString("Instances still shutting down will most likely finish on their own: raise timeouts { delete } " +
			"and run terraform destroy again; it resumes with exactly these instances.")
	case errors.Is(e.Cause, context.Canceled):
		b.WriteString("Run terraform destroy again to resume; the state keeps exactly these instances.")
	case failed:
		b.WriteString("The service failed to delete them; an instance in state error can be deleted again: " +
			"run terraform destroy again (the state keeps exactly these instances). " +
			"If it keeps failing, check error_msg with CloudDC support.")
	default:
		b.WriteString("Run terraform destroy again to retry; the state keeps exactly these instances.")
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *DeleteError) Unwrap() error { return e.Cause }

// RemainingIDs returns the IDs of the unfinished instances that still exist
// (neither terminated nor gone), in order: what state must keep.
func (e *DeleteError) RemainingIDs() []string {
	var ids []string
	for _, r := range e.Unfinished {
		if r.exists() {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// withLog returns ctx carrying the package's log subsystem, so the engine's
// poll rounds and batch calls log beside the client's requests (level from
// TF_LOG_PROVIDER_CLOUDDC_API). The engine logs counts and IDs, never
// credentials.
func withLog(ctx context.Context) context.Context {
	return tflog.NewSubsystem(ctx, LogSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_CLOUDDC_API"))
}

// isContextErr reports whether err is a context cancellation or deadline.
func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// uniqueIDs returns ids without duplicates and empty strings, in order.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

// chunks splits ids into slices of at most n that share no capacity.
func chunks(ids []string, n int) [][]string {
	return slices.Collect(slices.Chunk(ids, n))
}
