// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"math/rand/v2"
	"time"
)

// schedule is the poll schedule of every wait, for instances and for
// physical servers alike: the first poll comes about initial after a wait
// starts; then the interval is pollAgeFraction of the time waited so far, at
// least initial and at most max, with ±20% jitter so that many waiters do
// not poll in lockstep. Backing off in proportion to the age bounds the
// oversleep: the end of a transition that took T is noticed within about
// 0.15·T (and within max), while a long wait costs few calls.
type schedule struct {
	initial, max time.Duration
}

const (
	pollAgeFraction = 0.15
	pollJitter      = 0.2
)

// newSchedule returns the schedule from initial to max, with the defaults
// for values that are not positive and max raised to initial if below it.
func newSchedule(initial, maxInterval, defaultInitial, defaultMax time.Duration) schedule {
	if initial <= 0 {
		initial = defaultInitial
	}
	if maxInterval <= 0 {
		maxInterval = defaultMax
	}
	return schedule{initial: initial, max: max(maxInterval, initial)}
}

// intervalFor returns the poll interval for a wait that started age ago.
func (s schedule) intervalFor(age time.Duration) time.Duration {
	return min(max(time.Duration(float64(age)*pollAgeFraction), s.initial), s.max)
}

// jittered returns d ±20%, but never more than max.
func (s schedule) jittered(d time.Duration) time.Duration {
	f := 1 - pollJitter + 2*pollJitter*rand.Float64() //nolint:gosec // jitter needs no crypto randomness
	return min(time.Duration(float64(d)*f), s.max)
}

// next returns how long to wait before the next poll of a wait that
// started age ago: the interval for its age, jittered.
func (s schedule) next(age time.Duration) time.Duration {
	return s.jittered(s.intervalFor(age))
}

// sleep waits for d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transitionEstimate learns how long one kind of transition (a deletion, a
// create to running) takes, from what earlier waits saw: an instance last
// seen unfinished lo after its wait started and first seen finished hi after
// it took between lo and hi. The estimate is the intersection [lo, hi] of
// the brackets seen so far; a bracket that does not overlap it (the
// transitions take a different time now) replaces it. Many waits of one
// kind in one run (Terraform deleting 200 resources 50 at a time) usually
// take about the same time, so the intersection narrows wave after wave.
type transitionEstimate struct {
	lo, hi time.Duration
	known  bool
}

// observe adds the bracket [lo, hi] of one finished transition.
func (t *transitionEstimate) observe(lo, hi time.Duration) {
	if hi <= 0 || lo >= hi {
		return
	}
	if t.known && max(t.lo, lo) < min(t.hi, hi) {
		t.lo, t.hi = max(t.lo, lo), min(t.hi, hi)
		return
	}
	t.lo, t.hi, t.known = lo, hi, true
}

// probes returns when, after its start, a new wait of this kind should
// also poll (besides its schedule) to see the transition end about when it
// does: just after the end of the estimate, by when the earlier
// transitions had all finished (a quarter of resolution later: waits start
// a few milliseconds apart from their transitions, and a probe that comes
// a hair early costs a whole resolution); while the estimate is wider than
// resolution, at points that split it into up to maxProbeParts parts of at
// least resolution, which narrows it to one part whichever way the polls
// turn out; and once more resolution later, should this one take a little
// longer. Probes after the wait is over are never sent.
func (t *transitionEstimate) probes(resolution time.Duration) []time.Duration {
	if !t.known {
		return nil
	}
	width := t.hi - t.lo
	parts := 1
	if resolution > 0 {
		parts = int(min(maxProbeParts, max(1, width/resolution)))
	}
	out := make([]time.Duration, 0, parts+1)
	for k := 1; k < parts; k++ {
		out = append(out, t.lo+width*time.Duration(k)/time.Duration(parts))
	}
	end := t.hi + resolution/4
	return append(out, end, end+resolution)
}

// maxProbeParts bounds the probes a wait gets inside the estimate: a first
// wave seen by the schedule alone leaves an estimate as wide as its poll
// interval, which 4 parts narrow to a quarter in one wave.
const maxProbeParts = 4
