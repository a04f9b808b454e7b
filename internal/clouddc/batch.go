package clouddc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// transientRetries is how many more times a batch-delete call that failed
// with throttling or a server error (after the client's own retries) is
// sent again before its instances are reported as not deleted.
const transientRetries = 2

// deleteOutcome is what a delete request achieved for one instance.
type deleteOutcome struct {
	accepted bool // deletion requested or already under way: wait for it
	gone     bool // 404 / terminated: nothing to wait for
	// state and status are known when the instance was looked up.
	state  string
	status *ErrorStatus
	err    error // the request failed for this instance
}

// DeleteInstances deletes any number of instances: it drops duplicates and
// sends batch-delete calls of at most 50 IDs. IDs a 404 iMetal.0200 names
// count as deleted and the call is repeated for the rest; instances already
// shutting down are waited for, not failed; an instance already in state
// error when the delete starts is deleted again (error → shutting-down is
// the API's documented retry). With opts.Wait it then waits until each is
// terminated or proven gone (evidence.go). A deletion that fails while it is
// waited for (shutting-down → error) is reported, not sent again in the same
// call: see finishDelete. It returns nil when every instance is gone, else a
// *DeleteError naming the unfinished ones; on ctx's deadline its Cause is
// context.DeadlineExceeded.
//
// With Optimize the IDs go through the coalescer (merged with concurrent
// callers) and the wait through the shared bulk poller.
func (e *Engine) DeleteInstances(ctx context.Context, ids []string, opts DeleteOptions) error {
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
		for _, part := range chunks(ids, MaxBatchIDs) {
			for id, o := range e.deleteChunk(ctx, part) {
				outcomes[id] = o
			}
		}
	}
	return e.finishDelete(ctx, ids, outcomes, opts, start)
}

// DeleteInstance deletes one instance and waits until it is terminated or
// gone; a 404 is success. With Optimize, concurrent callers are merged into
// batch-delete calls of at most 50 and wait through the shared poller;
// without, it calls DeleteInstance and polls ShowInstanceStatus. Failures
// are a *DeleteError.
func (e *Engine) DeleteInstance(ctx context.Context, id string) error {
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
	case InstanceNotFound(err, id):
		return deleteOutcome{gone: true}
	case isStateNotAllowed(err):
		st, serr := e.api.ShowInstanceStatus(ctx, id)
		if serr == nil {
			if problem := checkInstanceStatus(st); problem != "" {
				serr = &AnswerError{Operation: "ShowInstanceStatus", Problem: problem}
			}
		}
		switch {
		case InstanceNotFound(serr, id):
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
	case o.Gone, IsTerminalState(st):
		return deleteOutcome{gone: true}, true
	case st == StateShuttingDown:
		return deleteOutcome{accepted: true, state: st}, true
	}
	return deleteOutcome{}, false
}

// deleteChunk sends batch-delete calls for at most MaxBatchIDs IDs and
// attributes the outcome to each ID: the IDs a 404 iMetal.0200 names are
// dropped (gone) and the call repeated for the rest (a 404 iMetal.0200 that
// names none of them makes it look them up: those absent from the complete
// listing, or terminated, are gone); on "state not allowed" the states are
// looked up, instances shutting down or gone need no request, and the call
// is repeated for the rest; throttling and server errors are retried a few
// times; any other error (a gateway's 404 included) falls back to one call
// per ID, so that each ID gets its own error. It is also the exec function of
// the delete coalescer.
func (e *Engine) deleteChunk(ctx context.Context, ids []string) map[string]deleteOutcome {
	out := make(map[string]deleteOutcome, len(ids))
	pending := slices.Clone(ids)
	fail := func(err error) {
		for _, id := range pending {
			out[id] = deleteOutcome{err: err}
		}
	}
	retries := 0
	for len(pending) > 0 {
		if err := ctx.Err(); err != nil {
			fail(err)
			return out
		}
		callStart := time.Now()
		_, err := e.api.DeleteInstances(ctx, pending)
		tflog.SubsystemDebug(ctx, LogSubsystem, "engine: batch-delete call", map[string]any{
			"ids": len(pending), "took_ms": time.Since(callStart).Milliseconds(), "ok": err == nil,
		})
		switch {
		case err == nil:
			for _, id := range pending {
				out[id] = deleteOutcome{accepted: true}
			}
			return out

		case isContextErr(err) || ctx.Err() != nil:
			fail(err)
			return out

		case isNotFoundAnswer(err, CodeInstanceNotFound):
			gone := InstancesNotFound(err, pending)
			if len(gone) == 0 {
				// The error names no ID we sent: find out which are gone.
				obs, lerr := e.lookup(ctx, pending)
				if lerr != nil {
					fail(fmt.Errorf("batch-delete: %w (and looking the instances up failed: %w)", err, lerr))
					return out
				}
				for _, id := range pending {
					if o := obs[id]; o.Gone || IsTerminalState(o.Instance.State) {
						gone = append(gone, id)
					}
				}
			}
			if len(gone) == 0 {
				if len(pending) == 1 {
					fail(fmt.Errorf("batch-delete: %w", err))
					return out
				}
				return e.deleteOneByOne(ctx, pending, err, out)
			}
			for _, id := range gone {
				out[id] = deleteOutcome{gone: true}
			}
			pending = without(pending, gone)

		case isStateNotAllowed(err):
			obs, lerr := e.lookup(ctx, pending)
			if lerr != nil {
				fail(fmt.Errorf("batch-delete: %w (and looking the instances up failed: %w)", err, lerr))
				return out
			}
			var settled []string
			for _, id := range pending {
				if o, ok := settledForDelete(obs[id]); ok {
					out[id] = o
					settled = append(settled, id)
				}
			}
			if len(settled) == 0 {
				// The service refuses some of these in their current state
				// (error state included): find out which, one by one.
				if len(pending) == 1 {
					o := obs[pending[0]]
					out[pending[0]] = deleteOutcome{state: o.Instance.State, status: o.Instance.Error,
						err: fmt.Errorf("batch-delete: %w", err)}
					return out
				}
				return e.deleteOneByOne(ctx, pending, err, out)
			}
			pending = without(pending, settled)

		case isTransient(err) && retries < transientRetries:
			retries++
			if werr := sleepCtx(ctx, time.Duration(retries)*e.opts.PollMax); werr != nil {
				fail(fmt.Errorf("batch-delete: %w", err))
				return out
			}

		case len(pending) > 1 && !isTransient(err):
			return e.deleteOneByOne(ctx, pending, err, out)

		default:
			fail(fmt.Errorf("batch-delete: %w", err))
			return out
		}
	}
	return out
}

// deleteOneByOne is the last resort when a merged call fails for a reason
// no ID explains: each ID is sent alone, so each gets its own outcome.
func (e *Engine) deleteOneByOne(ctx context.Context, ids []string, cause error, out map[string]deleteOutcome) map[string]deleteOutcome {
	tflog.SubsystemDebug(ctx, LogSubsystem, "engine: batch-delete failed for the batch, deleting one by one", map[string]any{
		"ids": len(ids), "error": cause.Error(),
	})
	for _, id := range ids {
		out[id] = e.deleteChunk(ctx, []string{id})[id]
	}
	return out
}

// finishDelete waits (if asked) for the accepted deletions and turns the
// outcome into nil or a *DeleteError.
func (e *Engine) finishDelete(ctx context.Context, ids []string, outcomes map[string]deleteOutcome, opts DeleteOptions, start time.Time) error {
	unfinished := make(map[string]InstanceResult)
	var cause error
	var wait []string
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
		case opts.Wait:
			wait = append(wait, id)
		}
	}

	var acceptedUnseen []string
	if len(wait) > 0 {
		// A deletion that fails while it is waited for (shutting-down →
		// error, with error_msg) is reported and the instance kept: it is
		// not sent again in this call, although the API documents
		// error → shutting-down as the retry. Why: a failed deletion has a
		// cause (a BMC out of reach, a disk that will not wipe) that seldom
		// heals in seconds; retrying at once would fail the same way until
		// the timeout ran out and hide error_msg from the user, who must see
		// it to decide. The retry stays one command away and under the
		// user's control: the next terraform destroy (or invoke of the
		// action) sends the delete again, and an instance that is in state
		// error when a delete starts is deleted again (deleteChunk), which
		// is the documented retry edge.
		//
		// State error counts as that failure only once the instance has
		// been seen in another state since its delete was accepted (or
		// after TransitionSettle): right after the request, a listing may
		// still show the error of an earlier failed deletion that this
		// request is retrying.
		movedOn := make(map[string]bool, len(wait))
		judge := func(o observation, elapsed time.Duration) verdict {
			st := o.Instance.State
			switch {
			case o.Gone, IsTerminalState(st):
				return verdictDone
			case IsFailedState(st) && (movedOn[o.Instance.ID] || elapsed >= e.opts.TransitionSettle):
				return verdictFailed
			case !IsFailedState(st):
				movedOn[o.Instance.ID] = true
			}
			return verdictPending
		}
		redelete := e.newRedeleter(wait)
		onRound := func(last map[string]observation) {
			redelete.check(ctx, last)
			if opts.OnProgress == nil {
				return
			}
			all := make(map[string]observation, len(ids))
			for _, id := range ids {
				if o, ok := last[id]; ok {
					all[id] = o
				} else if outcomes[id].gone {
					all[id] = observation{Instance: Instance{ID: id}, Gone: true}
				}
			}
			counts, done := countStates(ids, all)
			opts.OnProgress(Progress{Total: len(ids), Done: done, Counts: counts, Elapsed: time.Since(start)})
		}
		last, verdicts, err := e.waitLoop(ctx, wait, judge, onRound)
		for _, id := range wait {
			if verdicts[id] == verdictDone {
				continue
			}
			o, seen := last[id]
			if !seen {
				acceptedUnseen = append(acceptedUnseen, id)
			}
			unfinished[id] = resultFromObservation(id, o, seen)
		}
		cause = err
	}

	e.fillUnknownStates(ctx, unfinished)
	for _, id := range acceptedUnseen {
		if r, ok := unfinished[id]; ok && r.State == "" && !r.Gone {
			r.State = StateShuttingDown // accepted; the lookup could not tell
			unfinished[id] = r
		}
	}
	if cause == nil {
		// The first request error, a context error before others.
		for _, id := range ids {
			if r, ok := unfinished[id]; ok && r.Err != nil && (cause == nil || isContextErr(r.Err) && !isContextErr(cause)) {
				cause = r.Err
			}
		}
	}

	if len(unfinished) == 0 {
		tflog.SubsystemDebug(ctx, LogSubsystem, "engine: instances deleted", map[string]any{
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
		if !ok || o.Gone || st == StateShuttingDown || IsTerminalState(st) || IsFailedState(st) || r.done[id] {
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
	tflog.SubsystemWarn(ctx, LogSubsystem, "engine: instances still not shutting down after their delete was accepted; deleting them again",
		map[string]any{"ids": again, "after_ms": r.e.opts.RedeleteAfter.Milliseconds()})
	for _, part := range chunks(again, MaxBatchIDs) {
		for id, o := range r.e.deleteChunk(ctx, part) {
			if o.err != nil {
				tflog.SubsystemWarn(ctx, LogSubsystem, "engine: deleting again failed; still waiting", map[string]any{"id": id, "error": o.err.Error()})
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
// finalLookupTimeout: the report of what remains is worth one call.
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
		tflog.SubsystemDebug(ctx, LogSubsystem, "engine: looking up unfinished instances failed", map[string]any{"error": err.Error()})
		return // the report says "state unknown"
	}
	for _, id := range ids {
		o := obs[id]
		if o.Gone || IsTerminalState(o.Instance.State) {
			delete(unfinished, id)
			continue
		}
		r := unfinished[id]
		r.State, r.OperationState, r.Error = o.Instance.State, o.Instance.OperationState, o.Instance.Error
		unfinished[id] = r
	}
}

// intersect returns the elements of a that are in b, without duplicates.
func intersect(a, b []string) []string {
	in := make(map[string]struct{}, len(b))
	for _, x := range b {
		in[x] = struct{}{}
	}
	var out []string
	for _, x := range a {
		if _, ok := in[x]; ok {
			out = append(out, x)
			delete(in, x)
		}
	}
	return out
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
