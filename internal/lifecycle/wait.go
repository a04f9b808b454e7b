// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// maxPollErrors is how many poll rounds in a row may fail (after the
// client's own retries) before a wait gives up.
const maxPollErrors = 5

// pollUpdate carries one poll round's observations for a waiter's IDs. IDs
// whose call failed are missing from obs, and err says why.
type pollUpdate struct {
	obs   map[string]observation
	calls int
	err   error
	// asked is when the round's calls went out, answered when the last
	// answer came: each observation is of a moment between them.
	asked, answered time.Time
}

// observer delivers poll rounds to one wait.
type observer interface {
	// next blocks until the next round (or ctx ends).
	next(ctx context.Context) (pollUpdate, error)
	// track narrows the IDs still of interest.
	track(ids []string)
	// finished tells of an instance last seen unfinished at pendingAt (zero:
	// never) and finished at doneAt, to learn how long the transition takes.
	finished(pendingAt, doneAt time.Time)
	close()
}

// newObserver returns the shared poller's watch with Optimize, else a
// per-instance poller at a fixed interval. kind names the transition waited
// for, whose duration the poller learns (waits of one kind take about the
// same time), or is empty: not learned, no probes.
func (e *Engine) newObserver(ctx context.Context, kind string, ids []string) observer {
	if e.opts.Optimize {
		return e.poller.watch(ctx, kind, ids)
	}
	return &directObserver{e: e, ids: ids}
}

// directObserver polls ShowInstanceStatus for each instance at a fixed
// interval: how providers usually wait (the mode without Optimize).
type directObserver struct {
	e   *Engine
	ids []string
}

func (d *directObserver) next(ctx context.Context) (pollUpdate, error) {
	t := time.NewTimer(d.e.opts.PollMax)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return pollUpdate{}, ctx.Err()
	case <-t.C:
	}
	start := time.Now()
	obs, errs := d.e.showMany(ctx, d.ids)
	if err := ctx.Err(); err != nil {
		return pollUpdate{}, err
	}
	u := pollUpdate{obs: obs, calls: len(d.ids), asked: start, answered: time.Now()}
	for _, id := range d.ids {
		if err, bad := errs[id]; bad {
			u.err = err
			break
		}
	}
	counts, _ := countStates(d.ids, obs)
	logRound(ctx, "per-instance", len(d.ids), len(d.ids), time.Since(start), counts)
	return u, nil
}

func (d *directObserver) track(ids []string)      { d.ids = ids }
func (d *directObserver) finished(_, _ time.Time) {}
func (d *directObserver) close()                  {}

// poller is the one status poller of an Engine with Optimize: every wait
// registers a watch, and each round lists all watched IDs with ListInstances
// (MaxFilterIDs per call) and hands each watch its part. The goroutine runs
// only while something is watched.
//
// Rounds come when the earliest watch is due by the poll schedule, and also
// when a watch's transition is expected to end: the poller learns from the
// waits that finished how long each kind of transition takes
// (transitionEstimate) and gives a new watch of that kind probes at those
// times, so that a wave of deletions that take 3 s is seen terminated
// within about a probe resolution (PollInitial/5), not within the
// schedule's interval (up to 0.6 s at that age). Probes are exact (no
// jitter); a scheduled round due shortly before a probe waits for it.
//
// Only deletions are probed: their waits start together, one group per
// batch-delete call, so a wave's probes are a few rounds. Waits for a
// state after a create start one by one as Terraform creates resources
// (tens of milliseconds apart), and probing each would add a round per
// probe resolution across the spread: 200 creates took 26-39 ListInstances
// calls instead of ~10.
type poller struct {
	e *Engine

	mu        sync.Mutex
	watches   map[*watch]struct{}
	estimates map[string]*transitionEstimate // by kind of transition
	running   bool
	ctx       context.Context // the rounds' context; canceled when nothing is watched
	cancel    context.CancelFunc
	kick      chan struct{}
	lastRound time.Time
	rounds    int // completed rounds, for tests and logs
}

func newPoller(e *Engine) *poller {
	return &poller{
		e: e, watches: make(map[*watch]struct{}), estimates: make(map[string]*transitionEstimate),
		kick: make(chan struct{}, 1),
	}
}

// watch is one wait's registration with the poller.
type watch struct {
	p       *poller
	kind    string
	ids     map[string]struct{}
	ch      chan pollUpdate // holds the latest undelivered round
	started time.Time
	due     time.Time   // the next round by the poll schedule
	probes  []time.Time // when its transition is expected to end, ascending
}

// watch registers ids; the first round comes about PollInitial later, and
// earlier if waits of this kind were seen to finish sooner.
func (p *poller) watch(ctx context.Context, kind string, ids []string) *watch {
	w := &watch{p: p, kind: kind, ids: make(map[string]struct{}, len(ids)), ch: make(chan pollUpdate, 1)}
	for _, id := range ids {
		w.ids[id] = struct{}{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w.started = time.Now()
	w.due = w.started.Add(p.e.opts.PollInitial)
	if est := p.estimates[kind]; est != nil && kind != "" {
		for _, d := range est.probes(p.probeFloor()) {
			w.probes = append(w.probes, w.started.Add(d))
		}
	}
	p.watches[w] = struct{}{}
	if p.ctx == nil || p.ctx.Err() != nil {
		// Keep the values (logger) of a caller, not its cancellation.
		p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	}
	if !p.running {
		p.running = true
		go p.run()
	}
	p.wake()
	return w
}

func (p *poller) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (w *watch) next(ctx context.Context) (pollUpdate, error) {
	select {
	case u := <-w.ch:
		return u, nil
	case <-ctx.Done():
		return pollUpdate{}, ctx.Err()
	}
}

func (w *watch) track(ids []string) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	w.ids = make(map[string]struct{}, len(ids))
	for _, id := range ids {
		w.ids[id] = struct{}{}
	}
}

func (w *watch) finished(pendingAt, doneAt time.Time) {
	if w.kind == "" {
		return
	}
	var lo time.Duration
	if !pendingAt.IsZero() {
		lo = pendingAt.Sub(w.started)
	}
	p := w.p
	p.mu.Lock()
	defer p.mu.Unlock()
	est := p.estimates[w.kind]
	if est == nil {
		est = &transitionEstimate{}
		p.estimates[w.kind] = est
	}
	est.observe(lo, doneAt.Sub(w.started))
}

func (w *watch) close() {
	p := w.p
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.watches, w)
	if len(p.watches) == 0 && p.cancel != nil {
		p.cancel() // abort a round nobody waits for
	}
	p.wake()
}

func (p *poller) run() {
	for {
		p.mu.Lock()
		if len(p.watches) == 0 {
			p.running = false
			if p.cancel != nil {
				p.cancel()
			}
			p.mu.Unlock()
			return
		}
		wake := p.nextWakeLocked(time.Now())
		ctx := p.ctx
		p.mu.Unlock()

		if d := time.Until(wake); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-p.kick:
				t.Stop()
				continue
			}
		}
		p.round(ctx)
	}
}

// scheduleFloor is the shortest time between rounds by the poll schedule,
// however many waiters come and go; probeFloor is the shortest time between
// a round and a probe (a probe is due at most twice per watch).
func (p *poller) scheduleFloor() time.Duration { return p.e.opts.PollInitial / 2 }
func (p *poller) probeFloor() time.Duration    { return p.e.opts.PollInitial / 5 }

// nextWakeLocked returns when the next round is due: when the earliest
// watch is due by the schedule (one jitter for the round, not one per watch:
// every round serves every watch, so per-watch jitter would only add
// rounds), or at the earliest probe if that comes first or shortly after,
// within scheduleFloor. p.mu must be held.
func (p *poller) nextWakeLocked(now time.Time) time.Time {
	var due, probe time.Time
	for w := range p.watches {
		if due.IsZero() || w.due.Before(due) {
			due = w.due
		}
		if len(w.probes) > 0 && (probe.IsZero() || w.probes[0].Before(probe)) {
			probe = w.probes[0]
		}
	}
	wake := now.Add(p.e.sched.jittered(due.Sub(now)))
	wake = later(wake, p.lastRound.Add(p.scheduleFloor()))
	if !probe.IsZero() {
		if probe = later(probe, p.lastRound.Add(p.probeFloor())); probe.Before(wake.Add(p.scheduleFloor())) {
			wake = probe
		}
	}
	return wake
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// round lists every watched ID once and delivers the results.
func (p *poller) round(ctx context.Context) {
	in, ids := p.snapshot()
	start := time.Now()
	found, errs, calls := p.e.listMany(ctx, ids)
	if ctx.Err() != nil {
		return // nobody is waiting any more
	}
	now := time.Now()
	obs := make(map[string]observation, len(ids))
	for _, id := range ids {
		if _, bad := errs[id]; bad {
			continue
		}
		if inst, ok := found[id]; ok {
			obs[id] = observation{Instance: inst}
		} else {
			obs[id] = observation{Instance: clouddc.Instance{ID: id}, Gone: true}
		}
	}
	counts, _ := countStates(ids, obs)
	logRound(ctx, "bulk", len(ids), calls, now.Sub(start), counts)
	p.deliver(in, obs, errs, calls, start, now)
}

// snapshot returns the watches of a round and every ID they watch, sorted.
func (p *poller) snapshot() (map[*watch]struct{}, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := make(map[*watch]struct{}, len(p.watches))
	set := make(map[string]struct{})
	for w := range p.watches {
		in[w] = struct{}{}
		for id := range w.ids {
			set[id] = struct{}{}
		}
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return in, ids
}

// deliver hands each watch of the round (in) its part of the round's
// observations (asked at start, answered by now) and schedules its next
// round; the probes the round served are dropped.
func (p *poller) deliver(in map[*watch]struct{}, obs map[string]observation, errs map[string]error, calls int, start, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastRound = now
	p.rounds++
	for w := range p.watches {
		if _, ok := in[w]; !ok {
			continue // registered during the round; its IDs were not asked
		}
		u := pollUpdate{obs: make(map[string]observation, len(w.ids)), calls: calls, asked: start, answered: now}
		for id := range w.ids {
			if err, bad := errs[id]; bad {
				u.err = err
				continue
			}
			if o, ok := obs[id]; ok {
				u.obs[id] = o
			}
		}
		w.due = now.Add(p.e.sched.intervalFor(now.Sub(w.started)))
		for len(w.probes) > 0 && !w.probes[0].After(start) {
			w.probes = w.probes[1:]
		}
		select { // keep only the latest round
		case <-w.ch:
		default:
		}
		w.ch <- u
	}
}

// verdict is how a wait judges one instance's observation.
type verdict int

const (
	verdictPending verdict = iota
	verdictDone
	verdictFailed
)

// waitLoop polls ids until judge settles every one (done or failed), ctx
// ends, or polling keeps failing. It returns the last observation and the
// verdict of each id; err is ctx.Err() or the poll error that ended it.
func (e *Engine) waitLoop(ctx context.Context, kind string, ids []string,
	judge func(o observation, elapsed time.Duration) verdict,
	onRound func(last map[string]observation),
) (last map[string]observation, verdicts map[string]verdict, err error) {
	last = make(map[string]observation, len(ids))
	verdicts = make(map[string]verdict, len(ids))
	remaining := slices.Clone(ids)
	if len(remaining) == 0 {
		return last, verdicts, nil
	}
	start := time.Now()
	obs := e.newObserver(ctx, kind, remaining)
	defer obs.close()
	pendingAt := make(map[string]time.Time, len(ids)) // when each was last seen unfinished
	pollErrs := 0
	for len(remaining) > 0 {
		u, err := obs.next(ctx)
		if err != nil {
			return last, verdicts, err
		}
		elapsed := time.Since(start)
		kept := remaining[:0]
		for _, id := range remaining {
			o, ok := u.obs[id]
			if !ok {
				kept = append(kept, id)
				continue
			}
			last[id] = o
			switch v := judge(o, elapsed); v {
			case verdictPending:
				kept = append(kept, id)
				pendingAt[id] = u.asked
			case verdictDone:
				verdicts[id] = v
				obs.finished(pendingAt[id], u.answered)
			default:
				verdicts[id] = v
			}
		}
		remaining = kept
		obs.track(remaining)
		if onRound != nil {
			onRound(last)
		}
		if u.err != nil {
			pollErrs++
			if isPermanent(u.err) || pollErrs >= maxPollErrors {
				return last, verdicts, fmt.Errorf("polling instance status failed %d times in a row: %w", pollErrs, u.err)
			}
			tflog.SubsystemWarn(ctx, clouddc.LogSubsystem, "engine: poll round failed, retrying", map[string]any{"error": u.err.Error()})
		} else {
			pollErrs = 0
		}
	}
	return last, verdicts, nil
}

// WaitForState waits until every id reaches target (e.g. "running"). An
// instance in state error/failed fails the wait, as does one that
// terminates (unless target is terminated) or stays missing beyond the
// NotFoundGrace (right after create it may not be listed yet). It waits
// until every instance is settled, then returns the final Instances (also
// on error, for those known) and a *WaitError naming each that did not
// make it.
func (e *Engine) WaitForState(ctx context.Context, ids []string, target string) (map[string]clouddc.Instance, error) {
	return e.waitForState(ctx, ids, target, 0)
}

// WaitForStateChange is WaitForState for an operation that takes an
// instance out of target and back (ReinstallOS and ModifyInstanceIp take a
// running instance through pending back to running). An instance still in
// target right after the request may not have started the operation yet, so
// it counts as done only once it has been seen in another state, or after
// TransitionSettle has passed (an operation too quick to be seen).
func (e *Engine) WaitForStateChange(ctx context.Context, ids []string, target string) (map[string]clouddc.Instance, error) {
	return e.waitForState(ctx, ids, target, e.opts.TransitionSettle)
}

func (e *Engine) waitForState(ctx context.Context, ids []string, target string, settle time.Duration) (map[string]clouddc.Instance, error) {
	ctx = withLog(ctx)
	ids = uniqueIDs(ids)
	last, verdicts, err := e.waitLoop(ctx, "", ids, e.stateJudge(len(ids), target, settle), nil)

	out := make(map[string]clouddc.Instance, len(ids))
	for id, o := range last {
		if !o.Gone {
			out[id] = o.Instance
		}
	}
	if err == nil && !e.opts.Optimize && len(out) > 0 {
		// Per-instance status polls carry only the state: read the full
		// instances once at the end.
		full, gerr := e.GetInstances(ctx, ids)
		if gerr != nil {
			return out, fmt.Errorf("read instances after waiting for %s: %w", target, gerr)
		}
		for id, in := range full {
			out[id] = in
		}
	}
	if werr := waitError(ids, target, last, verdicts, err); werr != nil {
		return out, werr
	}
	return out, nil
}

// stateJudge returns the verdict of a wait for target (of n instances): an
// instance in state error/failed fails, as does one that terminates (unless
// target is terminated) or stays missing beyond NotFoundGrace; with settle,
// one still in target counts as done only once it was seen in another state
// or settle has passed. The judge keeps state and runs only on the wait
// loop's goroutine.
func (e *Engine) stateJudge(n int, target string, settle time.Duration) func(observation, time.Duration) verdict {
	wantGone := clouddc.IsTerminalState(target)
	left := make(map[string]bool, n) // the instances seen outside target
	return func(o observation, elapsed time.Duration) verdict {
		st := o.Instance.State
		if settle > 0 && !o.Gone && st != target {
			left[o.Instance.ID] = true
		}
		switch {
		case o.Gone && wantGone:
			return verdictDone
		case o.Gone && elapsed < e.opts.NotFoundGrace:
			return verdictPending // not visible yet
		case o.Gone:
			return verdictFailed
		case st == target && settle > 0 && elapsed < settle && !left[o.Instance.ID]:
			return verdictPending // the operation may not have started yet
		case st == target, wantGone && clouddc.IsTerminalState(st):
			return verdictDone
		case clouddc.IsFailedState(st), clouddc.IsTerminalState(st):
			return verdictFailed
		}
		return verdictPending
	}
}

// waitError is the *WaitError naming every instance of ids that is not done,
// or nil when all are.
func waitError(ids []string, target string, last map[string]observation, verdicts map[string]verdict, cause error) *WaitError {
	werr := &WaitError{Target: target, Total: len(ids), Cause: cause}
	for _, id := range ids {
		o, seen := last[id]
		switch verdicts[id] {
		case verdictDone:
		case verdictFailed:
			werr.Failed = append(werr.Failed, resultFromObservation(id, o, seen))
		default:
			werr.Pending = append(werr.Pending, resultFromObservation(id, o, seen))
		}
	}
	if len(werr.Failed) == 0 && len(werr.Pending) == 0 {
		return nil
	}
	return werr
}
