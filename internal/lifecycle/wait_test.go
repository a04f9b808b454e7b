package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

func TestPollSchedule(t *testing.T) {
	e := NewEngine(newFakeAPI(), Options{PollInitial: 100 * time.Millisecond, PollMax: time.Second})
	for _, c := range []struct{ age, want time.Duration }{
		{0, 100 * time.Millisecond},               // at least PollInitial
		{time.Second, 150 * time.Millisecond},     // 0.15 × the time waited
		{3 * time.Second, 450 * time.Millisecond}, // a 3s deletion is noticed within 0.45s
		{time.Minute, time.Second},                // capped at PollMax
	} {
		if got := e.sched.intervalFor(c.age); got != c.want {
			t.Errorf("intervalFor(%v) = %v, want %v", c.age, got, c.want)
		}
	}
	for range 1000 {
		j := e.sched.jittered(500 * time.Millisecond)
		if j < 400*time.Millisecond || j > 600*time.Millisecond {
			t.Fatalf("jittered(500ms) = %v, want within ±20%%", j)
		}
		if j := e.sched.jittered(time.Second); j > time.Second {
			t.Fatalf("jittered(PollMax) = %v oversleeps PollMax", j)
		}
	}
}

func TestWaitForStateRunning(t *testing.T) {
	for _, optimize := range []bool{false, true} {
		f := newFakeAPI()
		ids := f.add(130, clouddc.StatePending)
		e := NewEngine(f, testOptions(optimize))
		got, err := e.WaitForState(t.Context(), ids, clouddc.StateRunning)
		if err != nil {
			t.Fatalf("optimize=%v: %v", optimize, err)
		}
		if len(got) != 130 {
			t.Fatalf("optimize=%v: %d instances returned, want 130", optimize, len(got))
		}
		for _, id := range ids {
			if got[id].State != clouddc.StateRunning || got[id].ServerID == "" {
				t.Errorf("optimize=%v: %s = %+v, want running with full attributes", optimize, id, got[id])
			}
		}
		if optimize && f.count("ShowInstanceStatus") != 0 {
			t.Errorf("optimized wait used ShowInstanceStatus %d times", f.count("ShowInstanceStatus"))
		}
		if !optimize && f.count("ShowInstanceStatus") < 130 {
			t.Errorf("per-instance wait made %d ShowInstanceStatus calls, want ≥ 130", f.count("ShowInstanceStatus"))
		}
	}
}

func TestWaitForStateFailureNamesInstances(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(4, clouddc.StatePending)
	f.failNext(ids[2])
	e := NewEngine(f, testOptions(true))
	got, err := e.WaitForState(t.Context(), ids, clouddc.StateRunning)
	var werr *WaitError
	if !errors.As(err, &werr) {
		t.Fatalf("want *WaitError, got %v", err)
	}
	if len(werr.Failed) != 1 || werr.Failed[0].ID != ids[2] || len(werr.Pending) != 0 {
		t.Fatalf("failed %+v pending %+v, want exactly %s failed", werr.Failed, werr.Pending, ids[2])
	}
	if msg := err.Error(); !strings.Contains(msg, ids[2]+" (state: error: no OS image") || !strings.Contains(msg, "1 of 4 instances did not reach state running") {
		t.Errorf("message unclear:\n%s", msg)
	}
	if len(got) != 4 || got[ids[0]].State != clouddc.StateRunning {
		t.Errorf("the instances that made it must be returned too: %v", got)
	}
}

func TestWaitForStateNotFoundGrace(t *testing.T) {
	f := newFakeAPI()
	late := "00000000-0000-7000-8000-00000000late"
	never := "00000000-0000-7000-8000-0000000never"
	time.AfterFunc(10*time.Millisecond, func() { f.addID(late, clouddc.StatePending) })
	opts := testOptions(true)
	opts.NotFoundGrace = 300 * time.Millisecond // wide, for a loaded machine
	e := NewEngine(f, opts)
	if _, err := e.WaitForState(t.Context(), []string{late}, clouddc.StateRunning); err != nil {
		t.Fatalf("an instance listed only after a moment must be waited for: %v", err)
	}
	_, err := e.WaitForState(t.Context(), []string{never}, clouddc.StateRunning)
	var werr *WaitError
	if !errors.As(err, &werr) || len(werr.Failed) != 1 || !werr.Failed[0].Gone {
		t.Fatalf("an instance never listed must fail as gone after the grace period, got %v", err)
	}
	if !strings.Contains(err.Error(), never+" (not found)") {
		t.Errorf("message: %s", err)
	}
}

func TestWaitForStateTimeout(t *testing.T) {
	f := newFakeAPI()
	f.createDuration = time.Hour
	ids := f.add(2, clouddc.StatePending)
	e := NewEngine(f, testOptions(true))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := e.WaitForState(ctx, ids, clouddc.StateRunning)
	var werr *WaitError
	if !errors.As(err, &werr) || !errors.Is(err, context.DeadlineExceeded) || len(werr.Pending) != 2 {
		t.Fatalf("want *WaitError with DeadlineExceeded and 2 pending, got %v", err)
	}
	if !strings.Contains(err.Error(), "(state: pending), still in progress") {
		t.Errorf("message: %s", err)
	}
}

func TestBulkPollChunksOf100(t *testing.T) {
	f := newFakeAPI()
	f.deleteDuration = 60 * time.Millisecond
	ids := f.add(250, clouddc.StateRunning)
	e := NewEngine(f, testOptions(true))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	e.poller.mu.Lock()
	rounds := e.poller.rounds
	e.poller.mu.Unlock()
	f.mu.Lock()
	sizes := f.listSizes
	f.mu.Unlock()
	for _, n := range sizes {
		if n > clouddc.MaxFilterIDs {
			t.Fatalf("a ListInstances call asked for %d IDs, the API allows %d", n, clouddc.MaxFilterIDs)
		}
	}
	// rounds counts the rounds that delivered. One more may have started
	// and been aborted when the last waiter left (its calls are counted,
	// the round is not): on a loaded machine the waiter can take longer
	// than the poller's floor interval to close its watch.
	if rounds == 0 || len(sizes) > 3*(rounds+1) {
		t.Errorf("%d list calls in %d rounds (and at most one aborted), want ≤ ceil(250/100)=3 per round", len(sizes), rounds)
	}
	t.Logf("250 instances: %d batch-delete calls, %d list calls in %d rounds", f.count("DeleteInstances"), len(sizes), rounds)
}

func TestSharedPollerServesConcurrentWaiters(t *testing.T) {
	f := newFakeAPI()
	f.deleteDuration = 50 * time.Millisecond
	e := NewEngine(f, mergingOptions())
	const waiters, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, waiters)
	startLine := make(chan struct{})
	for range waiters {
		ids := f.add(each, clouddc.StateRunning)
		wg.Go(func() {
			<-startLine
			errs <- e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true})
		})
	}
	close(startLine)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	e.poller.mu.Lock()
	rounds, running := e.poller.rounds, e.poller.running
	e.poller.mu.Unlock()
	lists := f.count("ListInstances")
	// All 200 IDs fit 2 list calls per shared round; 20 waiters polling on
	// their own would need 20 per round.
	if rounds == 0 || lists > 2*rounds {
		t.Errorf("%d list calls in %d shared rounds, want ≤ 2 per round", lists, rounds)
	}
	if dels := f.count("DeleteInstances"); dels > 4 {
		t.Errorf("%d batch-delete calls for 200 IDs from 20 concurrent callers, want ≤ 4 (merged)", dels)
	}
	// The poller stops once nothing is watched (goleak checks at exit too).
	deadline := time.Now().Add(time.Second)
	for running && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling a test condition, not waiting on the API
		e.poller.mu.Lock()
		running = e.poller.running
		e.poller.mu.Unlock()
	}
	if running {
		t.Error("poller goroutine still running with nothing watched")
	}
	t.Logf("20 waiters × 10: %d batch-delete calls, %d list calls, %d rounds", f.count("DeleteInstances"), lists, rounds)
}

func TestPollErrorsTolerated(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(3, clouddc.StateRunning)
	fails := 0
	f.listHook = func(*clouddc.ListInstancesRequest) error {
		if fails < 2 {
			fails++
			return &clouddc.APIError{StatusCode: 503, Message: "busy"}
		}
		return nil
	}
	e := NewEngine(f, testOptions(true))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("two failed polls must be tolerated: %v", err)
	}

	f2 := newFakeAPI()
	ids2 := f2.add(3, clouddc.StateRunning)
	f2.listHook = func(*clouddc.ListInstancesRequest) error {
		return &clouddc.APIError{StatusCode: 401, Code: clouddc.CodeUnauthorized, Message: "Unauthorized"}
	}
	err := NewEngine(f2, testOptions(true)).DeleteInBatches(t.Context(), ids2, DeleteOptions{Wait: true})
	var derr *DeleteError
	if !errors.As(err, &derr) || len(derr.RemainingIDs()) != 3 || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("a permanent poll error must end the wait naming the instances, got %v", err)
	}
	// The failed poll, and one lookup for the report's states; no retries.
	if n := f2.count("ListInstances"); n != 2 {
		t.Errorf("%d list calls after a 401, want 2", n)
	}
}

func TestWaitForStateManyIDsPerInstanceMode(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(12, clouddc.StatePending)
	e := NewEngine(f, testOptions(false))
	if _, err := e.WaitForState(t.Context(), ids, clouddc.StateRunning); err != nil {
		t.Fatal(err)
	}
	// The only ListInstances calls are the final per-instance reads.
	if n := f.count("ListInstances"); n != 12 {
		t.Errorf("%d ListInstances calls, want 12 (one per instance, after the wait)", n)
	}
	if f.listSizes[0] != 1 {
		t.Errorf("per-instance read asked for %d IDs, want 1", f.listSizes[0])
	}
}

// After ReinstallOS or ModifyInstanceIp a real service may still report
// running for a moment: WaitForStateChange does not take that for done.
func TestWaitForStateChange(t *testing.T) {
	for _, optimize := range []bool{false, true} {
		t.Run(map[bool]string{false: "per-instance", true: "optimized"}[optimize], func(t *testing.T) {
			const settle = 150 * time.Millisecond

			// An instance that never leaves running (the operation did not
			// show): done only once the settle time has passed.
			f := newFakeAPI()
			opts := testOptions(optimize)
			opts.TransitionSettle = settle
			e := NewEngine(f, opts)
			still := f.add(1, clouddc.StateRunning)
			start := time.Now()
			if _, err := e.WaitForStateChange(t.Context(), still, clouddc.StateRunning); err != nil {
				t.Fatalf("WaitForStateChange: %v", err)
			}
			if took := time.Since(start); took < settle {
				t.Errorf("returned after %s for an instance never seen leaving running, want ≥ %s", took, settle)
			}

			// An instance seen going through pending: done as soon as it is
			// running again, long before a large settle time.
			opts.TransitionSettle = time.Minute
			e = NewEngine(f, opts)
			moving := f.add(1, clouddc.StatePending)
			start = time.Now()
			got, err := e.WaitForStateChange(t.Context(), moving, clouddc.StateRunning)
			if err != nil {
				t.Fatalf("WaitForStateChange: %v", err)
			}
			if got[moving[0]].State != clouddc.StateRunning {
				t.Errorf("state %q, want running", got[moving[0]].State)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("took %s although the instance was seen pending then running", took)
			}
		})
	}
}

// TestDeletionWavesNoticedOnTime deletes waves of instances one after the
// other, each instance through its own DeleteAndWait (as Terraform deletes
// clouddc_instance resources), with deletions shorter than the first poll
// delay. By the schedule alone the first poll comes 0.8–1.2×PollInitial
// after a wait starts, so every deletion would be noticed ≥ 100 ms late;
// the poller learns from the first waves how long a deletion takes and
// probes when the next waves should end.
func TestDeletionWavesNoticedOnTime(t *testing.T) {
	const (
		waves, perWave = 5, 10
		deletion       = 60 * time.Millisecond
		pollInitial    = 200 * time.Millisecond
		// After the first two waves: within the probes' resolution
		// (PollInitial/5 = 40 ms), and timer noise; never by the schedule
		// alone, whose first poll comes ≥ 160 ms after the wait starts.
		maxLate = 80 * time.Millisecond
	)
	f := newFakeAPI()
	f.deleteDuration = deletion
	e := NewEngine(f, Options{Optimize: true, PollInitial: pollInitial, PollMax: 2 * time.Second, BatchWindow: 5 * time.Millisecond})
	for wave := range waves {
		ids := f.add(perWave, clouddc.StateRunning)
		returned := make([]time.Time, perWave)
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Go(func() {
				if err := e.DeleteAndWait(t.Context(), id); err != nil {
					t.Error(err)
				}
				returned[i] = time.Now()
			})
		}
		wg.Wait()
		var late time.Duration
		f.mu.Lock()
		for i, id := range ids {
			late = max(late, returned[i].Sub(f.instances[id].until))
		}
		f.mu.Unlock()
		t.Logf("wave %d: last deletion noticed %v after it ended", wave+1, late.Round(time.Millisecond))
		if wave >= 2 && late > maxLate {
			t.Errorf("wave %d: a deletion was noticed %v after it ended, want ≤ %v once the poller has seen earlier waves", wave+1, late, maxLate)
		}
	}
	if lists := f.count("ListInstances"); lists > waves*6 {
		t.Errorf("%d list calls for %d waves, want ≤ 6 per wave (probes are few)", lists, waves)
	}
}

func TestTransitionEstimate(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var est transitionEstimate
	if p := est.probes(ms(10)); p != nil {
		t.Fatalf("probes with nothing learned: %v, want none", p)
	}
	steps := []struct {
		lo, hi     time.Duration
		wantLo     time.Duration
		wantHi     time.Duration
		wantProbes []time.Duration
	}{
		{ms(0), ms(0), 0, 0, nil},     // no bracket: ignored
		{ms(500), ms(400), 0, 0, nil}, // inverted: ignored
		{ms(2500), ms(3000), ms(2500), ms(3000), []time.Duration{ms(2625), ms(2750), ms(2875), ms(3025), ms(3125)}}, // 4 parts
		{ms(2700), ms(3100), ms(2700), ms(3000), []time.Duration{ms(2800), ms(2900), ms(3025), ms(3125)}},           // narrows; 3 parts of resolution
		{ms(2950), ms(3000), ms(2950), ms(3000), []time.Duration{ms(3025), ms(3125)}},                               // within resolution: no middle
		{ms(4000), ms(4500), ms(4000), ms(4500), []time.Duration{ms(4125), ms(4250), ms(4375), ms(4525), ms(4625)}}, // disjoint: replaces
	}
	for i, s := range steps {
		est.observe(s.lo, s.hi)
		got := est.probes(ms(100))
		if s.wantProbes == nil && got != nil || s.wantProbes != nil && (est.lo != s.wantLo || est.hi != s.wantHi || !slices.Equal(got, s.wantProbes)) {
			t.Errorf("step %d observe(%v, %v): estimate [%v, %v], probes %v; want [%v, %v], %v", i, s.lo, s.hi, est.lo, est.hi, got, s.wantLo, s.wantHi, s.wantProbes)
		}
	}
}
