// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// InstanceAPI is the part of the CloudDC API the engine needs.
// *clouddc.Client satisfies it; unit tests use a fake.
type InstanceAPI interface {
	ListInstances(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error)
	ShowInstanceStatus(ctx context.Context, id string) (*clouddc.InstanceStatus, error)
	DeleteInstances(ctx context.Context, ids []string) (*clouddc.InstancesResponse, error)
	DeleteInstance(ctx context.Context, id string) error
}

// Defaults of Options.
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

// readMaxWaitWindows bounds how long the coalescer collects reads
// (GetInstances): at most this many BatchWindows, less than BatchMaxWait.
// Terraform refreshes resources a few milliseconds apart, each read
// blocking its resource, and hands out the next read only as one returns:
// collecting for long makes every read of a wave wait for the last, and a
// refresh of 200 resources at -parallelism=50 took 4 waves of 0.5 s
// collection each. Reads are cheap (one ListInstances per 100 IDs); the
// bench's target allows 0.2 per instance and a short collection still
// merges tens of reads per call.
const readMaxWaitWindows = 2

// Options tunes the Engine. Zero values mean the defaults.
type Options struct {
	// Optimize (the provider's default) polls many instances with one
	// ListInstances call per 100 IDs through one shared poller, and merges
	// concurrent DeleteAndWait and GetInstances calls into batch calls.
	// When false, every instance is deleted and polled on its own at a fixed
	// interval (PollMax), as providers usually do; useful to measure the gain.
	Optimize bool
	// PollInitial is the delay before the first status poll; PollMax caps the
	// interval as it backs off (and is the fixed interval without Optimize).
	PollInitial, PollMax time.Duration
	// BatchWindow is how long the coalescer collects concurrent calls after
	// the last arrival; BatchMaxWait bounds the whole collection (default
	// 5×BatchWindow; for reads at most 2×BatchWindow). A batch is sent at
	// once when it is full.
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

func (o Options) withDefaults() Options {
	s := newSchedule(o.PollInitial, o.PollMax, DefaultPollInitial, DefaultPollMax)
	o.PollInitial, o.PollMax = s.initial, s.max
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
	opts    Options
	sched   schedule
	poller  *poller
	deletes *batcher[string, deleteOutcome]
	gets    *batcher[string, getResult]
	// terminated holds the instances seen terminated; deletes skip them.
	terminated terminatedSet
}

// NewEngine returns an Engine calling api. With opts.Optimize, concurrent
// callers share one status poller and their calls are merged.
func NewEngine(api InstanceAPI, opts Options) *Engine {
	e := &Engine{api: api, opts: opts.withDefaults()}
	e.sched = schedule{initial: e.opts.PollInitial, max: e.opts.PollMax}
	e.poller = newPoller(e)
	e.deletes = newBatcher("DeleteInstances", clouddc.MaxBatchIDs, e.opts, e.deleteChunk)
	reads := e.opts
	reads.BatchMaxWait = min(reads.BatchMaxWait, readMaxWaitWindows*reads.BatchWindow)
	e.gets = newBatcher("ListInstances", clouddc.MaxFilterIDs, reads, e.getChunk)
	return e
}

// Options returns the engine's options with defaults filled in.
func (e *Engine) Options() Options { return e.opts }

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

// DeleteOptions tunes DeleteInBatches.
type DeleteOptions struct {
	// Wait makes DeleteInBatches return only when every instance is
	// terminated or gone.
	Wait bool
	// OnProgress, if set, is called after every poll round. The caller
	// throttles what it does with it.
	OnProgress func(Progress)
}

// withLog returns ctx carrying the API client's log subsystem, so the
// engine's poll rounds and batch calls log beside the client's requests
// (level from TF_LOG_PROVIDER_CLOUDDC_API). The engine logs counts and IDs,
// never credentials.
func withLog(ctx context.Context) context.Context {
	return tflog.NewSubsystem(ctx, clouddc.LogSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_CLOUDDC_API"))
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

// without returns a without the elements of drop.
func without(a, drop []string) []string {
	d := make(map[string]struct{}, len(drop))
	for _, x := range drop {
		d[x] = struct{}{}
	}
	out := make([]string, 0, len(a))
	for _, x := range a {
		if _, ok := d[x]; !ok {
			out = append(out, x)
		}
	}
	return out
}
