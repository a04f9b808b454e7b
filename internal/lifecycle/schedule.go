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
