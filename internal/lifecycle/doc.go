// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package lifecycle drives CloudDC instances and physical servers through
// their life-cycle transitions (batch deletes, waits for states, power
// changes) and observes them in bulk. One Engine is shared by every
// resource and action of a provider instance (Terraform runs them
// concurrently in one provider process), so that concurrent callers share
// one status poller and their deletes and reads are merged into batch calls.
//
// It sees the API only through the small interfaces InstanceAPI and
// ServerAPI (a *clouddc.Client satisfies both; unit tests use fakes), and it
// decides that an instance is gone only through the evidence rules of
// package clouddc (clouddc/evidence.go): terminated, a 404 iMetal.0200
// naming it, or absence from a complete, well-formed listing. What counts as
// transient is clouddc.IsTransient, the rule of the client's own retries.
//
// Its errors (*DeleteError, *WaitError, *PowerError) state facts only: what
// is unfinished, in which state, and why the engine stopped. The caller
// turns them into advice for its own context (a resource speaks of
// terraform destroy and state, an action of invoking it again).
//
// Its parts, one file each:
//
//   - engine.go: Engine, Options, InstanceAPI.
//   - batch.go: DeleteInBatches and DeleteAndWait: batch-delete calls of at
//     most 50 IDs, per-ID attribution of not-found, wrong-state and other
//     errors, deleting again what a lost request left, the wait for
//     terminated.
//   - wait.go: the shared poller (one goroutine, alive only while something
//     is watched, listing 100 IDs per ListInstances call for all waiters at
//     once), the per-instance mode, WaitForState and WaitForStateChange.
//   - schedule.go: the poll schedule of every wait, instances and servers.
//   - coalesce.go: the batcher that merges concurrent callers' IDs into
//     calls of at most 50 (deletes) or 100 (reads).
//   - status.go: GetInstances and the list/status lookups behind all of it.
//   - power.go: WaitForPowerState, the wait for physical servers' power.
//   - errors.go: the errors and the one rendering of what is unfinished.
package lifecycle
