package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

func TestCoalescerMergesConcurrentDeletes(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(120, clouddc.StateRunning)
	e := NewEngine(f, mergingOptions())
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for i, id := range ids {
		wg.Go(func() {
			<-startLine
			errs[i] = e.DeleteAndWait(t.Context(), id)
		})
	}
	close(startLine)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("DeleteInstance(%s): %v", ids[i], err)
		}
	}
	if n := f.count("DeleteInstances"); n > 3 {
		t.Errorf("%d batch-delete calls for 120 concurrent deletes, want ≤ ceil(120/50) = 3", n)
	}
	if n := f.count("DeleteInstance"); n != 0 {
		t.Errorf("%d single DeleteInstance calls, want 0", n)
	}
	for _, b := range f.batches() {
		if len(b) > clouddc.MaxBatchIDs {
			t.Errorf("merged call of %d IDs", len(b))
		}
	}
	assertAllGone(t, f, ids)
	t.Logf("120 concurrent DeleteInstance: %d batch-delete calls, %d list calls", f.count("DeleteInstances"), f.count("ListInstances"))
}

// mergingOptions are test timings with a collection window wide enough that
// goroutines started together land in one batch even on a loaded machine
// with -race.
func mergingOptions() Options {
	o := testOptions(true)
	o.BatchWindow, o.BatchMaxWait = 100*time.Millisecond, 2*time.Second
	return o
}

func TestCoalescerErrorAttribution(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(40, clouddc.StateRunning)
	gone, bad := ids[5], ids[17]
	f.remove(gone)
	f.deleteHook = func(batch []string) error {
		if slices.Contains(batch, bad) {
			return &clouddc.APIError{StatusCode: 400, Code: clouddc.CodeInvalidParameter, Message: "A request parameter contains invalid or unsupported value: " + bad}
		}
		return nil
	}
	e := NewEngine(f, testOptions(true))
	errs := make(map[string]error)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			err := e.DeleteAndWait(t.Context(), id)
			mu.Lock()
			defer mu.Unlock()
			errs[id] = err
		})
	}
	wg.Wait()
	for _, id := range ids {
		err := errs[id]
		switch id {
		case bad:
			var derr *DeleteError
			if !errors.As(err, &derr) || !slices.Equal(derr.RemainingIDs(), []string{bad}) {
				t.Errorf("the bad ID's caller must get its own *DeleteError, got %v", err)
			}
		default:
			if err != nil {
				t.Errorf("%s: one bad ID in a merged batch must not fail the others (not-found is success): %v", id, err)
			}
		}
	}
	assertAllGone(t, f, without(ids, []string{bad}))
}

func TestCoalescerCallerLeavesBeforeSend(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(2, clouddc.StateRunning)
	opts := testOptions(true)
	opts.BatchWindow, opts.BatchMaxWait = 500*time.Millisecond, 500*time.Millisecond
	e := NewEngine(f, opts)

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() { done <- e.DeleteAndWait(t.Context(), ids[1]) }()
	start := time.Now()
	err := e.DeleteAndWait(ctx, ids[0])
	if took := time.Since(start); took > 300*time.Millisecond {
		t.Errorf("the leaving caller waited %v, the batch window is 500ms", took)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the other caller must not be affected: %v", err)
	}
	b := f.batches()
	if len(b) != 1 || !slices.Equal(b[0], ids[1:]) {
		t.Errorf("batches %v: the leaving caller's ID must be withdrawn before sending", b)
	}
	if st := f.stateOf(ids[0]); st != clouddc.StateRunning {
		t.Errorf("the withdrawn instance is %s, want untouched (running)", st)
	}
}

func TestCoalescerCallerLeavesWhileWaiting(t *testing.T) {
	f := newFakeAPI()
	f.deleteDuration = 80 * time.Millisecond
	ids := f.add(3, clouddc.StateRunning)
	// The leaving caller's instance never finishes (its delete is lost), so
	// its deadline is what ends its wait however slow the machine is; a
	// deletion that merely takes longer than the deadline could still be
	// seen terminated by a late poll.
	f.lose = map[string]bool{ids[0]: true}
	e := NewEngine(f, testOptions(true))
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var others [2]error
	for i := range 2 {
		wg.Go(func() { others[i] = e.DeleteAndWait(t.Context(), ids[i+1]) })
	}
	err := e.DeleteAndWait(ctx, ids[0])
	var derr *DeleteError
	if !errors.As(err, &derr) || !errors.Is(err, context.DeadlineExceeded) || !slices.Equal(derr.RemainingIDs(), ids[:1]) {
		t.Errorf("want *DeleteError with DeadlineExceeded naming %s, got %v", ids[0], err)
	}
	wg.Wait()
	for i, err := range others {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
}

func TestBatcherBoundsTheWindow(t *testing.T) {
	type call struct {
		keys []int
		at   time.Duration
	}
	var mu sync.Mutex
	var calls []call
	start := time.Now()
	const window, maxWait = 40 * time.Millisecond, 100 * time.Millisecond
	b := newBatcher("test", 1000, Options{BatchWindow: window, BatchMaxWait: maxWait, MaxConcurrentCalls: 2},
		func(_ context.Context, keys []int) map[int]string {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, call{slices.Clone(keys), time.Since(start)})
			out := make(map[int]string, len(keys))
			for _, k := range keys {
				out[k] = fmt.Sprint("r", k)
			}
			return out
		})
	// A caller every 5ms for 200ms: the window keeps restarting, so the max
	// wait must flush.
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			res, err := b.submit(t.Context(), []int{i})
			if err != nil || len(res) != 1 || res[i] != fmt.Sprint("r", i) {
				t.Errorf("caller %d got %v, %v; want only its own result", i, res, err)
			}
		})
		<-time.After(5 * time.Millisecond)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(calls) < 2 || len(calls) > 10 {
		t.Errorf("%d calls for 40 callers over 200ms, want a few merged ones cut by the %v max wait", len(calls), maxWait)
	}
	if first := calls[0]; first.at > maxWait+100*time.Millisecond || len(first.keys) < 3 {
		t.Errorf("first call at %v with %d keys: want merged keys sent by about the %v max wait", first.at, len(first.keys), maxWait)
	}
}

func TestBatcherFlushesFullBatchAtOnce(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	b := newBatcher("test", 50, Options{BatchWindow: time.Hour, BatchMaxWait: time.Hour, MaxConcurrentCalls: 4},
		func(_ context.Context, keys []int) map[int]bool {
			mu.Lock()
			defer mu.Unlock()
			sizes = append(sizes, len(keys))
			out := make(map[int]bool)
			for _, k := range keys {
				out[k] = true
			}
			return out
		})
	keys := make([]int, 100)
	for i := range keys {
		keys[i] = i
	}
	// With an hour-long window, this only returns because full batches go at once.
	res, err := b.submit(t.Context(), keys)
	if err != nil || len(res) != 100 {
		t.Fatalf("got %d results, %v", len(res), err)
	}
	if !slices.Equal(sizes, []int{50, 50}) {
		t.Errorf("call sizes %v, want [50 50]", sizes)
	}
}

func TestBatcherCancelsCallNobodyWaitsFor(t *testing.T) {
	started := make(chan struct{})
	canceled := make(chan struct{})
	b := newBatcher("test", 1, Options{BatchWindow: time.Millisecond, BatchMaxWait: time.Millisecond, MaxConcurrentCalls: 1},
		func(ctx context.Context, keys []int) map[int]bool {
			close(started)
			<-ctx.Done()
			close(canceled)
			return nil
		})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-started
		cancel()
	}()
	if _, err := b.submit(ctx, []int{1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-canceled:
	case <-time.After(time.Second):
		t.Fatal("the merged call kept running after its only caller left")
	}
}

func TestGetInstancesCoalesced(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(150, clouddc.StateRunning)
	missing := "00000000-0000-7000-8000-0000missing0"
	e := NewEngine(f, mergingOptions())
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for _, id := range append(slices.Clone(ids), missing) {
		wg.Go(func() {
			<-startLine
			got, err := e.GetInstances(t.Context(), []string{id})
			switch {
			case err != nil:
				t.Errorf("GetInstances(%s): %v", id, err)
			case id == missing && len(got) != 0:
				t.Errorf("a missing instance must be absent, got %v", got)
			case id != missing && (len(got) != 1 || got[id].ID != id):
				t.Errorf("caller for %s got %v, want only its own instance", id, got)
			}
		})
	}
	close(startLine)
	wg.Wait()
	if n := f.count("ListInstances"); n > 2 {
		t.Errorf("%d ListInstances calls for 151 concurrent reads, want ≤ ceil(151/100) = 2", n)
	}
	t.Logf("151 concurrent GetInstances: %d ListInstances calls", f.count("ListInstances"))
}

func TestGetInstancesPerInstance(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(5, clouddc.StateRunning)
	f.remove(ids[4])
	e := NewEngine(f, testOptions(false))
	got, err := e.GetInstances(t.Context(), append(ids, ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Errorf("%d instances, want 4 (the removed one absent)", len(got))
	}
	if n := f.count("ListInstances"); n != 5 {
		t.Errorf("%d ListInstances calls, want one per distinct ID (5)", n)
	}
}

func TestGetInstancesError(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(2, clouddc.StateRunning)
	f.listHook = func(*clouddc.ListInstancesRequest) error {
		return &clouddc.APIError{StatusCode: 403, Code: clouddc.CodeForbidden, Message: "Insufficient permissions"}
	}
	for _, optimize := range []bool{false, true} {
		_, err := NewEngine(f, testOptions(optimize)).GetInstances(t.Context(), ids)
		var ae *clouddc.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 403 {
			t.Errorf("optimize=%v: err = %v, want the 403 API error", optimize, err)
		}
	}
}

// TestReadsNotHeldForBatchMaxWait reads one instance at a time, each read
// started 5 ms after the previous (Terraform refreshing resources), for
// longer than BatchMaxWait. The collection of reads ends after
// readMaxWaitWindows×BatchWindow: were reads held for BatchMaxWait (as
// deletes are), the first would return only after 600 ms.
func TestReadsNotHeldForBatchMaxWait(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(100, clouddc.StateRunning)
	opts := testOptions(true)
	opts.BatchWindow, opts.BatchMaxWait = 20*time.Millisecond, 600*time.Millisecond
	e := NewEngine(f, opts)
	start := time.Now()
	first := make(chan time.Duration, 1)
	var wg sync.WaitGroup
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for _, id := range ids {
		<-tick.C
		wg.Go(func() {
			if _, err := e.GetInstances(t.Context(), []string{id}); err != nil {
				t.Error(err)
			}
			select {
			case first <- time.Since(start):
			default:
			}
		})
	}
	wg.Wait()
	if d := <-first; d > 300*time.Millisecond {
		t.Errorf("first read returned after %v, want about %v (2×BatchWindow), not BatchMaxWait %v", d, readMaxWaitWindows*opts.BatchWindow, opts.BatchMaxWait)
	}
	// 100 reads over 500 ms in collections of ~40 ms: about 12 calls, far
	// fewer than one per read.
	if n := f.count("ListInstances"); n > 30 {
		t.Errorf("%d ListInstances calls for 100 reads, want ≤ 30 (still merged)", n)
	}
	t.Logf("100 staggered reads: %d ListInstances calls", f.count("ListInstances"))
}
