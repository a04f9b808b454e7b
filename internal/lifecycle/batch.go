// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// transientRetries is how many more times a batch-delete call that failed
// with a transient error (clouddc.IsTransient, after the client's own
// retries) is sent again before its instances are reported as not deleted.
const transientRetries = 2

// deleteOutcome is what a delete request achieved for one instance.
type deleteOutcome struct {
	accepted bool // deletion requested or already under way: wait for it
	gone     bool // 404 / terminated: nothing to wait for
	// state and status are known when the instance was looked up.
	state  string
	status *clouddc.ErrorStatus
	err    error // the request failed for this instance
}

// DeleteInBatches deletes any number of instances: it drops duplicates and
// sends batch-delete calls of at most 50 IDs. IDs a 404 iMetal.0200 names
// count as deleted and the call is repeated for the rest; instances already
// shutting down are waited for, not failed; an instance already in state
// error when the delete starts is deleted again (error → shutting-down is
// the API's documented retry); an instance that keeps showing another state
// after its delete was accepted (a lost request) is deleted once more. With
// opts.Wait it then waits until each is terminated or proven gone
// (clouddc/evidence.go). A deletion that fails while it is waited for
// (shutting-down → error) is reported, not sent again in the same call: see
// waitForDeletions. It returns nil when every instance is gone, else a
// *DeleteError naming the unfinished ones; on ctx's deadline its Cause is
// context.DeadlineExceeded.
//
// With Optimize the IDs go through the coalescer (merged with concurrent
// callers) and the wait through the shared bulk poller.
func (e *Engine) DeleteInBatches(ctx context.Context, ids []string, opts DeleteOptions) error {
	ctx = withLog(ctx)
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	start := time.Now()
	var outcomes map[string]deleteOutcome
	if e.opts.Optimize {
		rest, terminated := e.terminated.split(ids)
		if len(rest) > 0 {
			outcomes, _ = e.deletes.submit(ctx, rest) // ctx's error shows as missing outcomes
		}
		if outcomes == nil {
			outcomes = make(map[string]deleteOutcome, len(terminated))
		}
		for _, id := range terminated {
			outcomes[id] = deleteOutcome{gone: true}
		}
	} else {
		outcomes = make(map[string]deleteOutcome, len(ids))
		for _, part := range chunks(ids, clouddc.MaxBatchIDs) {
			maps.Copy(outcomes, e.deleteChunk(ctx, part))
		}
	}
	return e.finishDelete(ctx, ids, outcomes, opts, start)
}

// DeleteAndWait deletes one instance and waits until it is terminated or
// gone; a 404 is success. With Optimize, concurrent callers are merged into
// batch-delete calls of at most 50 and wait through the shared poller;
// without, it calls DeleteInstance and polls ShowInstanceStatus. Failures
// are a *DeleteError.
func (e *Engine) DeleteAndWait(ctx context.Context, id string) error {
	ctx = withLog(ctx)
	if id == "" {
		return errors.New("delete instance: empty instance ID")
	}
	start := time.Now()
	var outcomes map[string]deleteOutcome
	switch {
	case e.opts.Optimize && e.terminated.known(id):
		outcomes = map[string]deleteOutcome{id: {gone: true}}
	case e.opts.Optimize:
		outcomes, _ = e.deletes.submit(ctx, []string{id})
	default:
		outcomes = map[string]deleteOutcome{id: e.deleteSingle(ctx, id)}
	}
	return e.finishDelete(ctx, []string{id}, outcomes, DeleteOptions{Wait: true}, start)
}

// deleteSingle deletes one instance with the DeleteInstance call (the mode
// without Optimize).
func (e *Engine) deleteSingle(ctx context.Context, id string) deleteOutcome {
	err := e.api.DeleteInstance(ctx, id)
	switch {
	case err == nil:
		return deleteOutcome{accepted: true}
	case clouddc.InstanceNotFound(err, id):
		return deleteOutcome{gone: true}
	case isStateNotAllowed(err):
		st, serr := e.api.ShowInstanceStatus(ctx, id)
		if serr == nil {
			serr = clouddc.CheckInstanceStatus(st)
		}
		switch {
		case clouddc.InstanceNotFound(serr, id):
			return deleteOutcome{gone: true}
		case serr != nil:
			return deleteOutcome{err: fmt.Errorf("delete instance %s: %w (and reading its status failed: %w)", id, err, serr)}
		}
		o := observationFromStatus(id, st)
		if out, ok := settledForDelete(o); ok {
			return out
		}
		return deleteOutcome{state: st.State, status: st.Error, err: fmt.Errorf("delete instance %s: %w", id, err)}
	default:
		return deleteOutcome{err: fmt.Errorf("delete instance %s: %w", id, err)}
	}
}

// settledForDelete reports whether an instance the service refused to
// delete needs no new request: gone or terminated (done), or already
// shutting down (wait for it).
func settledForDelete(o observation) (deleteOutcome, bool) {
	st := o.Instance.State
	switch {
	case o.Gone, clouddc.IsTerminalState(st):
		return deleteOutcome{gone: true}, true
	case st == clouddc.StateShuttingDown:
		return deleteOutcome{accepted: true, state: st}, true
	}
	return deleteOutcome{}, false
}

// deleteChunk sends batch-delete calls for at most MaxBatchIDs IDs and
// attributes the outcome to each ID (deleteBatch). When the merged call
// fails for a reason no ID explains, each of the IDs it could not settle is
// sent alone, so that each gets its own outcome; a call of one ID never
// splits, so this goes one level deep. It is also the exec function of the
// delete coalescer.
func (e *Engine) deleteChunk(ctx context.Context, ids []string) map[string]deleteOutcome {
	out, split := e.deleteBatch(ctx, ids)
	if len(split.ids) == 0 {
		return out
	}
	tflog.SubsystemDebug(ctx, clouddc.LogSubsystem, "engine: batch-delete failed for the batch, deleting one by one", map[string]any{
		"ids": len(split.ids), "error": split.cause.Error(),
	})
	for _, id := range split.ids {
		one, _ := e.deleteBatch(ctx, []string{id})
		out[id] = one[id]
	}
	return out
}

// batchStep is what deleteBatch does after one batch-delete call.
type batchStep int

const (
	stepDone  batchStep = iota // every ID has its outcome
	stepSend                   // send the IDs still pending again at once
	stepRetry                  // wait, then send the IDs still pending again
	stepSplit                  // send each ID still pending alone
	stepFail                   // every ID still pending fails with the round's err
)

// batchRound is the outcome of one batch-delete call: the IDs it settled
// and what to do with the rest.
type batchRound struct {
	settled map[string]deleteOutcome
	next    batchStep
	err     error // with stepFail (and stepRetry, should the wait end): the error for the rest
}

// batchSplit is what a batch-delete call of several IDs leaves to single
// calls: the IDs it could not settle, and the error that no ID explained.
type batchSplit struct {
	ids   []string
	cause error
}

// deleteBatch sends batch-delete calls for ids until each has an outcome,
// call after call for the IDs still pending (judgeBatchDelete decides). It
// returns the outcomes, and the IDs to send one by one when the batch of
// several must be split.
func (e *Engine) deleteBatch(ctx context.Context, ids []string) (map[string]deleteOutcome, batchSplit) {
	out := make(map[string]deleteOutcome, len(ids))
	pending := slices.Clone(ids)
	for retries := 0; len(pending) > 0; {
		if err := ctx.Err(); err != nil {
			failAll(out, pending, err)
			return out, batchSplit{}
		}
		err := e.callBatchDelete(ctx, pending)
		round := e.judgeBatchDelete(ctx, pending, err, retries < transientRetries)
		maps.Copy(out, round.settled)
		pending = without(pending, slices.Collect(maps.Keys(round.settled)))
		switch round.next {
		case stepDone:
			return out, batchSplit{}
		case stepSplit:
			return out, batchSplit{ids: pending, cause: err}
		case stepFail:
			failAll(out, pending, round.err)
			return out, batchSplit{}
		case stepRetry:
			retries++
			if sleep(ctx, time.Duration(retries)*e.opts.PollMax) != nil {
				// ctx ended during the wait: the round's error is the report.
				failAll(out, pending, round.err)
				return out, batchSplit{}
			}
		case stepSend:
		}
	}
	return out, batchSplit{}
}

// callBatchDelete sends one batch-delete call and logs it.
func (e *Engine) callBatchDelete(ctx context.Context, ids []string) error {
	start := time.Now()
	_, err := e.api.DeleteInstances(ctx, ids)
	tflog.SubsystemDebug(ctx, clouddc.LogSubsystem, "engine: batch-delete call", map[string]any{
		"ids": len(ids), "took_ms": time.Since(start).Milliseconds(), "ok": err == nil,
	})
	return err
}

// judgeBatchDelete attributes the answer err to a batch-delete call of
// pending to its IDs: success accepts them all; the IDs a 404 iMetal.0200
// names are gone and the rest is sent again (a 404 iMetal.0200 that names
// none of them makes it look them up: those absent from the complete
// listing, or terminated, are gone); on "state not allowed" the states are
// looked up, instances shutting down or gone need no request, and the rest
// is sent again; a transient error is retried a few times (mayRetry); any
// other error (a gateway's 404 included) splits the batch into single
// calls, so that each ID gets its own error. A call of one ID that nothing
// settles fails with the error.
func (e *Engine) judgeBatchDelete(ctx context.Context, pending []string, err error, mayRetry bool) batchRound {
	switch {
	case err == nil:
		settled := make(map[string]deleteOutcome, len(pending))
		for _, id := range pending {
			settled[id] = deleteOutcome{accepted: true}
		}
		return batchRound{settled: settled, next: stepDone}
	case isContextErr(err) || ctx.Err() != nil:
		return batchRound{next: stepFail, err: err}
	case clouddc.IsInstancesNotFoundAnswer(err):
		return e.judgeNotFound(ctx, pending, err)
	case isStateNotAllowed(err):
		return e.judgeStateNotAllowed(ctx, pending, err)
	case clouddc.IsTransient(err) && mayRetry:
		return batchRound{next: stepRetry, err: fmt.Errorf("batch-delete: %w", err)}
	case len(pending) > 1 && !clouddc.IsTransient(err):
		return batchRound{next: stepSplit}
	default:
		return batchRound{next: stepFail, err: fmt.Errorf("batch-delete: %w", err)}
	}
}

// judgeNotFound handles a 404 iMetal.0200 to a batch-delete call: the IDs it
// names are gone, or, when it names none of those sent, the ones a lookup
// proves gone.
func (e *Engine) judgeNotFound(ctx context.Context, pending []string, err error) batchRound {
	gone := clouddc.InstancesNotFound(err, pending)
	if len(gone) == 0 {
		obs, lerr := e.lookup(ctx, pending)
		if lerr != nil {
			return batchRound{next: stepFail, err: fmt.Errorf("batch-delete: %w (and looking the instances up failed: %w)", err, lerr)}
		}
		for _, id := range pending {
			if o := obs[id]; o.Gone || clouddc.IsTerminalState(o.Instance.State) {
				gone = append(gone, id)
			}
		}
	}
	switch {
	case len(gone) > 0:
		settled := make(map[string]deleteOutcome, len(gone))
		for _, id := range gone {
			settled[id] = deleteOutcome{gone: true}
		}
		return batchRound{settled: settled, next: stepSend}
	case len(pending) == 1:
		return batchRound{next: stepFail, err: fmt.Errorf("batch-delete: %w", err)}
	default:
		return batchRound{next: stepSplit}
	}
}

// judgeStateNotAllowed handles a 400 iMetal.0201 to a batch-delete call: the
// instances looked up gone or already shutting down need no request; the
// service refuses some of the others in their current state (error state
// included), and single calls find out which.
func (e *Engine) judgeStateNotAllowed(ctx context.Context, pending []string, err error) batchRound {
	obs, lerr := e.lookup(ctx, pending)
	if lerr != nil {
		return batchRound{next: stepFail, err: fmt.Errorf("batch-delete: %w (and looking the instances up failed: %w)", err, lerr)}
	}
	settled := make(map[string]deleteOutcome)
	for _, id := range pending {
		if o, ok := settledForDelete(obs[id]); ok {
			settled[id] = o
		}
	}
	switch {
	case len(settled) > 0:
		return batchRound{settled: settled, next: stepSend}
	case len(pending) == 1:
		o := obs[pending[0]]
		settled[pending[0]] = deleteOutcome{state: o.Instance.State, status: o.Instance.Error, err: fmt.Errorf("batch-delete: %w", err)}
		return batchRound{settled: settled, next: stepDone}
	default:
		return batchRound{next: stepSplit}
	}
}

// failAll gives every one of ids the outcome err.
func failAll(out map[string]deleteOutcome, ids []string, err error) {
	for _, id := range ids {
		out[id] = deleteOutcome{err: err}
	}
}

// finishDelete waits (if asked) for the accepted deletions and turns the
// outcome into nil or a *DeleteError.
func (e *Engine) finishDelete(ctx context.Context, ids []string, outcomes map[string]deleteOutcome, opts DeleteOptions, start time.Time) error {
	unfinished, wait := unfinishedRequests(ctx, ids, outcomes, opts.Wait)
	var cause error
	if len(wait) > 0 {
		var waited map[string]InstanceResult
		waited, cause = e.waitForDeletions(ctx, ids, wait, outcomes, opts.OnProgress, start)
		maps.Copy(unfinished, waited)
	}
	e.fillUnknownStates(ctx, unfinished)
	if cause == nil {
		cause = firstRequestError(ids, unfinished)
	}
	if len(unfinished) == 0 {
		tflog.SubsystemDebug(ctx, clouddc.LogSubsystem, "engine: instances deleted", map[string]any{
			"ids": len(ids), "took_ms": time.Since(start).Milliseconds(), "waited": opts.Wait,
		})
		return nil
	}
	derr := &DeleteError{Total: len(ids), Cause: cause}
	for _, id := range ids {
		if r, ok := unfinished[id]; ok {
			derr.Unfinished = append(derr.Unfinished, r)
		}
	}
	return derr
}

// unfinishedRequests sorts the outcomes of the delete requests: the
// instances whose request failed (or never went out) are unfinished; with
// wait, those whose deletion was accepted are to be waited for.
func unfinishedRequests(ctx context.Context, ids []string, outcomes map[string]deleteOutcome, wait bool) (unfinished map[string]InstanceResult, waitFor []string) {
	unfinished = make(map[string]InstanceResult)
	for _, id := range ids {
		o, ok := outcomes[id]
		switch {
		case !ok:
			// The caller's context ended before the request went out.
			err := ctx.Err()
			if err == nil {
				err = errors.New("no result for this instance")
			}
			unfinished[id] = InstanceResult{ID: id, Err: err}
		case o.gone:
		case o.err != nil:
			unfinished[id] = InstanceResult{ID: id, State: o.state, Error: o.status, Err: o.err}
		case wait:
			waitFor = append(waitFor, id)
		}
	}
	return unfinished, waitFor
}

// waitForDeletions waits until every instance of wait is terminated or gone,
// its deletion failed, or ctx ends, and returns the unfinished ones with
// what was last seen of each (nothing, for one never seen) and the error
// that ended the wait early. Progress counts all of ids.
//
// A deletion that fails while it is waited for (shutting-down → error, with
// error_msg) is reported and the instance kept: it is not sent again in this
// call, although the API documents error → shutting-down as the retry. Why:
// a failed deletion has a cause (a BMC out of reach, a disk that will not
// wipe) that seldom heals in seconds; retrying at once would fail the same
// way until the timeout ran out and hide error_msg from the user, who must
// see it to decide. The retry stays one command away and under the user's
// control: the next terraform destroy (or invoke of the action) sends the
// delete again, and an instance that is in state error when a delete starts
// is deleted again (deleteChunk), which is the documented retry edge.
//
// State error counts as that failure only once the instance has been seen
// in another state since its delete was accepted (or after
// TransitionSettle): right after the request, a listing may still show the
// error of an earlier failed deletion that this request is retrying.
func (e *Engine) waitForDeletions(ctx context.Context, ids, wait []string, outcomes map[string]deleteOutcome,
	onProgress func(Progress), start time.Time,
) (map[string]InstanceResult, error) {
	movedOn := make(map[string]bool, len(wait))
	judge := func(o observation, elapsed time.Duration) verdict {
		st := o.Instance.State
		switch {
		case o.Gone, clouddc.IsTerminalState(st):
			return verdictDone
		case clouddc.IsFailedState(st) && (movedOn[o.Instance.ID] || elapsed >= e.opts.TransitionSettle):
			return verdictFailed
		case !clouddc.IsFailedState(st):
			movedOn[o.Instance.ID] = true
		}
		return verdictPending
	}
	redelete := e.newRedeleter(wait)
	onRound := func(last map[string]observation) {
		redelete.check(ctx, last)
		if onProgress != nil {
			onProgress(deleteProgress(ids, outcomes, last, start))
		}
	}
	last, verdicts, err := e.waitLoop(ctx, "deletion", wait, judge, onRound)
	unfinished := make(map[string]InstanceResult)
	for _, id := range wait {
		if verdicts[id] != verdictDone {
			o, seen := last[id]
			unfinished[id] = resultFromObservation(id, o, seen)
		}
	}
	return unfinished, err
}

// deleteProgress counts all of ids by what the last round saw: the IDs
// found gone by their delete request count as gone.
func deleteProgress(ids []string, outcomes map[string]deleteOutcome, last map[string]observation, start time.Time) Progress {
	all := make(map[string]observation, len(ids))
	for _, id := range ids {
		if o, ok := last[id]; ok {
			all[id] = o
		} else if outcomes[id].gone {
			all[id] = observation{Instance: clouddc.Instance{ID: id}, Gone: true}
		}
	}
	counts, done := countStates(ids, all)
	return Progress{Total: len(ids), Done: done, Counts: counts, Elapsed: time.Since(start)}
}

// firstRequestError returns the error a *DeleteError reports as its cause
// when the wait did not end early: the first request error, a context error
// before others.
func firstRequestError(ids []string, unfinished map[string]InstanceResult) error {
	var cause error
	for _, id := range ids {
		if r, ok := unfinished[id]; ok && r.Err != nil && (cause == nil || isContextErr(r.Err) && !isContextErr(cause)) {
			cause = r.Err
		}
	}
	return cause
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

// redeleter sends a delete once more for an instance that keeps showing a
// state other than shutting-down, terminated or error for RedeleteAfter
// after its delete was accepted: the request was lost (or undone), and
// waiting longer would only run into the timeout.
type redeleter struct {
	e         *Engine
	ids       []string
	firstSeen map[string]time.Time
	done      map[string]bool
}

func (e *Engine) newRedeleter(ids []string) *redeleter {
	return &redeleter{e: e, ids: ids, firstSeen: make(map[string]time.Time), done: make(map[string]bool)}
}

func (r *redeleter) check(ctx context.Context, last map[string]observation) {
	now := time.Now()
	var again []string
	for _, id := range r.ids {
		o, ok := last[id]
		st := o.Instance.State
		if !ok || o.Gone || st == clouddc.StateShuttingDown || clouddc.IsTerminalState(st) || clouddc.IsFailedState(st) || r.done[id] {
			delete(r.firstSeen, id)
			continue
		}
		first, seen := r.firstSeen[id]
		switch {
		case !seen:
			r.firstSeen[id] = now
		case now.Sub(first) >= r.e.opts.RedeleteAfter:
			again = append(again, id)
			r.done[id] = true
		}
	}
	if len(again) == 0 {
		return
	}
	tflog.SubsystemWarn(ctx, clouddc.LogSubsystem, "engine: instances still not shutting down after their delete was accepted; deleting them again",
		map[string]any{"ids": again, "after_ms": r.e.opts.RedeleteAfter.Milliseconds()})
	for _, part := range chunks(again, clouddc.MaxBatchIDs) {
		for id, o := range r.e.deleteChunk(ctx, part) {
			if o.err != nil {
				tflog.SubsystemWarn(ctx, clouddc.LogSubsystem, "engine: deleting again failed; still waiting", map[string]any{"id": id, "error": o.err.Error()})
			}
		}
	}
}

// finalLookupTimeout bounds the lookup that fills in the states of the
// error report once the caller's context has ended (timeout, interrupt).
const finalLookupTimeout = 3 * time.Second

// fillUnknownStates looks up the unfinished instances whose state is not
// known (a request failed, or the context ended before a poll), so that the
// error shows each one's state, and drops those that turn out to be gone.
// When ctx has ended, it looks up on a detached context for at most
// finalLookupTimeout: the report of what remains is worth one call. An
// instance the lookup cannot tell about stays "state unknown": the report
// says only what was observed.
func (e *Engine) fillUnknownStates(ctx context.Context, unfinished map[string]InstanceResult) {
	var ids []string
	for id, r := range unfinished {
		if r.State == "" && !r.Gone {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids)
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), finalLookupTimeout)
		defer cancel()
	}
	obs, err := e.lookup(ctx, ids)
	if err != nil {
		tflog.SubsystemDebug(ctx, clouddc.LogSubsystem, "engine: looking up unfinished instances failed", map[string]any{"error": err.Error()})
		return // the report says "state unknown"
	}
	for _, id := range ids {
		o := obs[id]
		if o.Gone || clouddc.IsTerminalState(o.Instance.State) {
			delete(unfinished, id)
			continue
		}
		r := unfinished[id]
		r.State, r.OperationState, r.Error = o.Instance.State, o.Instance.OperationState, o.Instance.Error
		unfinished[id] = r
	}
}
