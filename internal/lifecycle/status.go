// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// observation is what one poll learned about one instance.
type observation struct {
	// Instance holds at least ID, State, OperationState and Error.
	Instance clouddc.Instance
	// Gone is true when the API proved that the instance no longer exists
	// (clouddc/evidence.go): a 404 iMetal.0200 naming it, or its absence from a
	// complete listing.
	Gone bool
}

// terminatedSet remembers the instances an engine has seen in state
// terminated. Terminated is final and instance IDs are never reused, so a
// later delete of such an instance needs no API call: in one provider process
// a fleet's destroy after its batch-delete resources' destroys (or an action)
// sends nothing for instances already seen terminated. An instance merely not
// listed is not remembered: right after create it may not be visible yet.
type terminatedSet struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

func (s *terminatedSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = make(map[string]struct{})
	}
	s.ids[id] = struct{}{}
}

func (s *terminatedSet) known(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ids[id]
	return ok
}

// split returns the IDs not known to be terminated and those that are.
func (s *terminatedSet) split(ids []string) (rest, terminated []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.ids[id]; ok {
			terminated = append(terminated, id)
		} else {
			rest = append(rest, id)
		}
	}
	return rest, terminated
}

// getResult is the coalesced ListInstances answer for one ID.
type getResult struct {
	inst  clouddc.Instance
	found bool
	err   error
}

// GetInstances returns the current Instance for each id; an id absent from
// the map does not exist: it was absent from a complete, well-formed listing
// (clouddc/evidence.go). Any doubt about the listing is an error, never an absence. With Optimize, concurrent
// callers are merged into ListInstances calls of at most 100 IDs; without,
// each id is looked up with its own ListInstances call.
func (e *Engine) GetInstances(ctx context.Context, ids []string) (map[string]clouddc.Instance, error) {
	ctx = withLog(ctx)
	ids = uniqueIDs(ids)
	out := make(map[string]clouddc.Instance, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if !e.opts.Optimize {
		for _, id := range ids {
			found, err := e.listChunk(ctx, []string{id})
			if err != nil {
				return nil, fmt.Errorf("get instance %s: %w", id, err)
			}
			if in, ok := found[id]; ok {
				out[id] = in
			}
		}
		return out, nil
	}
	res, err := e.gets.submit(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("get instances: %w", err)
	}
	for _, id := range ids {
		r, ok := res[id]
		switch {
		case !ok:
			return nil, fmt.Errorf("get instances: no result for %s", id)
		case r.err != nil:
			return nil, fmt.Errorf("get instances: %w", r.err)
		case r.found:
			out[id] = r.inst
		}
	}
	return out, nil
}

// getChunk is the exec function of the GetInstances coalescer.
func (e *Engine) getChunk(ctx context.Context, ids []string) map[string]getResult {
	out := make(map[string]getResult, len(ids))
	found, err := e.listChunk(ctx, ids)
	for _, id := range ids {
		if err != nil {
			out[id] = getResult{err: err}
			continue
		}
		in, ok := found[id]
		out[id] = getResult{inst: in, found: ok}
	}
	return out
}

// listChunk lists at most MaxFilterIDs instances by ID, following every page
// (a service may page smaller than asked) until the listing is complete or,
// sooner, every ID is found. It returns an error, never a partial result,
// when the listing cannot be complete (clouddc/evidence.go): so an ID absent from
// the map without an error is absent from a complete listing.
func (e *Engine) listChunk(ctx context.Context, ids []string) (map[string]clouddc.Instance, error) {
	found := make(map[string]clouddc.Instance, len(ids))
	l := clouddc.NewListing("ListInstances", ids, "")
	req := &clouddc.ListInstancesRequest{InstanceIDs: ids, Limit: clouddc.MaxFilterIDs}
	for {
		resp, err := e.api.ListInstances(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list %d instances: %w", len(ids), err)
		}
		next, err := l.Instances(resp)
		if err != nil {
			return nil, fmt.Errorf("list %d instances: %w", len(ids), err)
		}
		for _, in := range resp.Instances {
			found[in.ID] = in
			if clouddc.IsTerminalState(in.State) {
				e.terminated.add(in.ID)
			}
		}
		if next == "" || len(found) == len(ids) {
			return found, nil
		}
		req = &clouddc.ListInstancesRequest{InstanceIDs: ids, Limit: clouddc.MaxFilterIDs, Marker: next}
	}
}

// listMany lists any number of instances by ID, MaxFilterIDs per call, a few
// calls at a time. IDs of a failed call, or of a call never sent because ctx
// ended, are in errs; IDs neither found nor in errs do not exist.
func (e *Engine) listMany(ctx context.Context, ids []string) (found map[string]clouddc.Instance, errs map[string]error, calls int) {
	found = make(map[string]clouddc.Instance, len(ids))
	errs = make(map[string]error)
	parts := chunks(ids, clouddc.MaxFilterIDs)
	var mu sync.Mutex
	calls = e.forEachLimited(ctx, len(parts), func(i int) {
		f, err := e.listChunk(ctx, parts[i])
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			for _, id := range parts[i] {
				errs[id] = err
			}
			return
		}
		for id, in := range f {
			found[id] = in
		}
	})
	for _, part := range parts[calls:] {
		err := fmt.Errorf("list %d instances: not sent: %w", len(part), ctx.Err())
		for _, id := range part {
			errs[id] = err
		}
	}
	return found, errs, calls
}

// showMany asks ShowInstanceStatus for every id, a few calls at a time
// (the per-instance mode without Optimize). IDs whose call failed, or was
// never sent because ctx ended, are in errs.
func (e *Engine) showMany(ctx context.Context, ids []string) (obs map[string]observation, errs map[string]error) {
	obs = make(map[string]observation, len(ids))
	errs = make(map[string]error)
	var mu sync.Mutex
	sent := e.forEachLimited(ctx, len(ids), func(i int) {
		id := ids[i]
		st, err := e.api.ShowInstanceStatus(ctx, id)
		if err == nil {
			err = clouddc.CheckInstanceStatus(st)
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			obs[id] = observationFromStatus(id, st)
			if clouddc.IsTerminalState(st.State) {
				e.terminated.add(id)
			}
		case clouddc.InstanceNotFound(err, id):
			obs[id] = observation{Instance: clouddc.Instance{ID: id}, Gone: true}
		default:
			// A 404 that is not the API's not-found answer naming this
			// instance (a gateway's APIGW.0101, a bare 404) says nothing
			// about it: an error like any other.
			errs[id] = fmt.Errorf("show status of instance %s: %w", id, err)
		}
	})
	for _, id := range ids[sent:] {
		errs[id] = fmt.Errorf("show status of instance %s: not sent: %w", id, ctx.Err())
	}
	return obs, errs
}

func observationFromStatus(id string, st *clouddc.InstanceStatus) observation {
	if st == nil {
		return observation{Instance: clouddc.Instance{ID: id}}
	}
	return observation{Instance: clouddc.Instance{
		ID: id, State: st.State, OperationState: st.OperationState, Error: st.Error,
	}}
}

// forEachLimited runs fn(0..n-1) with at most MaxConcurrentCalls at once and
// returns when all it started have returned. It stops starting new ones when
// ctx ends, and returns how many it started: fn ran for 0..started-1 only,
// and the caller must not read the others as answered.
func (e *Engine) forEachLimited(ctx context.Context, n int, fn func(i int)) (started int) {
	if n == 1 {
		fn(0)
		return 1
	}
	sem := make(chan struct{}, e.opts.MaxConcurrentCalls)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return i
		}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	return n
}

// lookup returns one observation per id (gone when absent from the
// complete listing), listing directly (not coalesced).
func (e *Engine) lookup(ctx context.Context, ids []string) (map[string]observation, error) {
	found, errs, _ := e.listMany(ctx, ids)
	for _, err := range errs {
		return nil, err
	}
	out := make(map[string]observation, len(ids))
	for _, id := range ids {
		if in, ok := found[id]; ok {
			out[id] = observation{Instance: in}
		} else {
			out[id] = observation{Instance: clouddc.Instance{ID: id}, Gone: true}
		}
	}
	return out, nil
}

// isStateNotAllowed reports a 400 iMetal.0201: the operation is not allowed
// in the instance's current state (for delete: usually already shutting down).
func isStateNotAllowed(err error) bool {
	return clouddc.HasCode(err, clouddc.CodeInstanceWrongState)
}

// isPermanent reports errors that another poll will not fix: an API answer
// 4xx other than 404 (what a 404 proves is for clouddc/evidence.go to say; a
// gateway's may pass), 408, 409 and 429, such as bad credentials, missing
// permissions or a bad request. Transient errors (clouddc.IsTransient) and
// every other error are polled again, up to maxPollErrors rounds in a row.
func isPermanent(err error) bool {
	var ae *clouddc.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.StatusCode {
	case 404, 408, 409, 429:
		return false
	}
	return ae.StatusCode >= 400 && ae.StatusCode < 500
}

// countStates tallies observations per state for Progress.
func countStates(ids []string, last map[string]observation) (counts map[string]int, done int) {
	counts = make(map[string]int)
	for _, id := range ids {
		o, ok := last[id]
		switch {
		case !ok:
			counts[ProgressUnknown]++
		case o.Gone:
			counts[ProgressGone]++
			done++
		default:
			counts[o.Instance.State]++
			if clouddc.IsTerminalState(o.Instance.State) {
				done++
			}
		}
	}
	return counts, done
}

// logRound logs one poll round (IDs and counts only).
func logRound(ctx context.Context, mode string, ids, calls int, took time.Duration, counts map[string]int) {
	fields := map[string]any{"mode": mode, "ids": ids, "calls": calls, "took_ms": took.Milliseconds()}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fields["state_"+k] = counts[k]
	}
	tflog.SubsystemDebug(ctx, clouddc.LogSubsystem, "engine: poll round", fields)
}
