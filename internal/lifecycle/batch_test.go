package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// assertAllGone fails unless every id is terminated or gone in the fake.
func assertAllGone(t *testing.T, f *fakeAPI, ids []string) {
	t.Helper()
	for _, id := range ids {
		if st := f.stateOf(id); st != clouddc.StateTerminated && st != "gone" {
			t.Errorf("instance %s is %s, want terminated", id, st)
		}
	}
}

func TestDeleteInstancesChunksOf50(t *testing.T) {
	for _, optimize := range []bool{false, true} {
		t.Run(map[bool]string{false: "per-instance", true: "optimized"}[optimize], func(t *testing.T) {
			f := newFakeAPI()
			ids := f.add(120, clouddc.StateRunning)
			e := NewEngine(f, testOptions(optimize))
			// Duplicates are dropped, not sent twice.
			if err := e.DeleteInBatches(t.Context(), append(ids, ids[:10]...), DeleteOptions{Wait: true}); err != nil {
				t.Fatalf("DeleteInstances: %v", err)
			}
			batches := f.batches()
			if len(batches) != 3 {
				t.Fatalf("%d batch-delete calls, want 3 (120 IDs in chunks of 50)", len(batches))
			}
			seen := map[string]bool{}
			for _, b := range batches {
				if len(b) > clouddc.MaxBatchIDs {
					t.Errorf("batch of %d IDs, the API allows %d", len(b), clouddc.MaxBatchIDs)
				}
				for _, id := range b {
					if seen[id] {
						t.Errorf("%s sent twice", id)
					}
					seen[id] = true
				}
			}
			if len(seen) != 120 {
				t.Errorf("%d distinct IDs sent, want 120", len(seen))
			}
			assertAllGone(t, f, ids)
			if optimize {
				if n := f.count("ShowInstanceStatus"); n != 0 {
					t.Errorf("optimized wait made %d ShowInstanceStatus calls, want 0 (bulk ListInstances)", n)
				}
			} else if n := f.count("ListInstances"); n != 0 {
				t.Errorf("per-instance wait made %d ListInstances calls, want 0 (ShowInstanceStatus per instance)", n)
			}
		})
	}
}

func TestDeleteInstancesNotFoundDroppedAndRetried(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(10, clouddc.StateRunning)
	f.remove(ids[2])
	f.remove(ids[7])
	e := NewEngine(f, testOptions(false))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("404 IDs must count as deleted, got %v", err)
	}
	b := f.batches()
	if len(b) != 2 {
		t.Fatalf("%d batch-delete calls, want 2 (the first 404s, the retry without the 2 missing)", len(b))
	}
	if len(b[1]) != 8 || slices.Contains(b[1], ids[2]) || slices.Contains(b[1], ids[7]) {
		t.Errorf("retry sent %v, want the 8 existing IDs", b[1])
	}
	assertAllGone(t, f, ids)
}

func TestDeleteInstancesNotFoundNamingNoIDLooksThemUp(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(6, clouddc.StateRunning)
	f.remove(ids[0])
	first := true
	f.deleteHook = func([]string) error {
		if first {
			first = false
			return &clouddc.APIError{StatusCode: 404, Code: clouddc.CodeInstanceNotFound, Message: "Instances not found"}
		}
		return nil
	}
	e := NewEngine(f, testOptions(true))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("DeleteInstances: %v", err)
	}
	b := f.batches()
	if len(b) != 2 || len(b[1]) != 5 || slices.Contains(b[1], ids[0]) {
		t.Fatalf("batches %v: want a retry without the instance the lookup found missing", b)
	}
	assertAllGone(t, f, ids[1:])
}

func TestDeleteInstancesWaitsForShuttingDown(t *testing.T) {
	f := newFakeAPI()
	f.deleteDuration = 40 * time.Millisecond
	running := f.add(5, clouddc.StateRunning)
	shutting := f.add(3, clouddc.StateShuttingDown)
	ids := append(slices.Clone(running), shutting...)
	e := NewEngine(f, testOptions(true))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("instances already shutting down must be waited for, not failed: %v", err)
	}
	b := f.batches()
	if len(b) != 2 {
		t.Fatalf("%d batch-delete calls, want 2 (0201, then the 5 running)", len(b))
	}
	if !sameSet(b[1], running) {
		t.Errorf("second call sent %v, want only the running instances", b[1])
	}
	assertAllGone(t, f, ids)
}

func TestDeleteInstancesDeletesErrorStateAgain(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(3, clouddc.StateError)
	e := NewEngine(f, testOptions(false))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("instances in state error must be deleted again: %v", err)
	}
	if b := f.batches(); len(b) != 1 || !sameSet(b[0], ids) {
		t.Fatalf("batches %v, want one call with the 3 error-state instances", b)
	}
	assertAllGone(t, f, ids)
}

func TestDeleteInstancesFailureNamesInstances(t *testing.T) {
	for _, optimize := range []bool{false, true} {
		f := newFakeAPI()
		ids := f.add(6, clouddc.StateRunning)
		f.failNext(ids[1])
		f.failNext(ids[4])
		e := NewEngine(f, testOptions(optimize))
		err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true})
		var derr *DeleteError
		if !errors.As(err, &derr) {
			t.Fatalf("optimize=%v: want *DeleteError, got %T %v", optimize, err, err)
		}
		if got := derr.RemainingIDs(); !slices.Equal(got, []string{ids[1], ids[4]}) {
			t.Errorf("optimize=%v: RemainingIDs = %v, want exactly the failed %v", optimize, got, []string{ids[1], ids[4]})
		}
		if derr.Cause != nil {
			t.Errorf("optimize=%v: Cause = %v, want nil (the service failed them)", optimize, derr.Cause)
		}
		msg := err.Error()
		for _, want := range []string{"2 of 6 instances not deleted", ids[1] + " (state: error: disk wipe failed", ids[4] + " (state: error: disk wipe failed"} {
			if !strings.Contains(msg, want) {
				t.Errorf("optimize=%v: message lacks %q:\n%s", optimize, want, msg)
			}
		}
		for _, id := range ids {
			if id != ids[1] && id != ids[4] && strings.Contains(msg, id) {
				t.Errorf("message names %s, which was deleted", id)
			}
		}
		// A second destroy deletes the error-state instances again.
		if err := e.DeleteInBatches(t.Context(), derr.RemainingIDs(), DeleteOptions{Wait: true}); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		assertAllGone(t, f, ids)
	}
}

func TestDeleteInstancesTimeout(t *testing.T) {
	f := newFakeAPI()
	f.deleteDuration = time.Hour
	ids := f.add(4, clouddc.StateRunning)
	e := NewEngine(f, testOptions(true))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.DeleteInBatches(ctx, ids, DeleteOptions{Wait: true})
	if took := time.Since(start); took > time.Second {
		t.Errorf("returned %v after the deadline", took)
	}
	var derr *DeleteError
	if !errors.As(err, &derr) {
		t.Fatalf("want *DeleteError, got %T %v", err, err)
	}
	if !errors.Is(derr.Cause, context.DeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Cause = %v, want context.DeadlineExceeded", derr.Cause)
	}
	if got := derr.RemainingIDs(); !slices.Equal(got, ids) {
		t.Errorf("RemainingIDs = %v, want all %v", got, ids)
	}
	msg := err.Error()
	if !strings.Contains(msg, "before the timeout") {
		t.Errorf("timeout message unclear:\n%s", msg)
	}
	for _, r := range derr.Unfinished {
		// Whether the merged request went out before the deadline depends on
		// the machine's load; either way the report shows the real state.
		if r.State != clouddc.StateShuttingDown && r.State != clouddc.StateRunning {
			t.Errorf("%s reported in state %q, want its real state", r.ID, r.State)
		}
		if !strings.Contains(msg, r.ID+" (state: "+r.State+")") {
			t.Errorf("message lacks %s with its state:\n%s", r.ID, msg)
		}
	}
}

func TestDeleteInstancesCancelReturnsPromptly(t *testing.T) {
	for _, optimize := range []bool{false, true} {
		f := newFakeAPI()
		f.deleteDuration = time.Hour
		ids := f.add(3, clouddc.StateRunning)
		opts := testOptions(optimize)
		opts.PollInitial, opts.PollMax = time.Hour, time.Hour // cancellation must not wait for a poll
		e := NewEngine(f, opts)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(30*time.Millisecond, cancel)
		start := time.Now()
		err := e.DeleteInBatches(ctx, ids, DeleteOptions{Wait: true})
		if took := time.Since(start); took > time.Second {
			t.Errorf("optimize=%v: took %v to return after cancel", optimize, took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("optimize=%v: err = %v, want context.Canceled", optimize, err)
		}
		var derr *DeleteError
		if errors.As(err, &derr) && len(derr.RemainingIDs()) != 3 {
			t.Errorf("optimize=%v: RemainingIDs = %v, want the 3 still shutting down", optimize, derr.RemainingIDs())
		}
	}
}

func TestDeleteInstancesWithoutWait(t *testing.T) {
	f := newFakeAPI()
	f.deleteDuration = time.Hour
	ids := f.add(2, clouddc.StateRunning)
	e := NewEngine(f, testOptions(true))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{}); err != nil {
		t.Fatalf("DeleteInBatches without Wait: %v", err)
	}
	if n := f.count("ListInstances"); n != 0 {
		t.Errorf("no wait asked, but %d polls made", n)
	}
	if st := f.stateOf(ids[0]); st != clouddc.StateShuttingDown {
		t.Errorf("state %s, want shutting-down", st)
	}
}

func TestDeleteInstancesProgress(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(30, clouddc.StateRunning)
	f.remove(ids[0])
	e := NewEngine(f, testOptions(true))
	var mu sync.Mutex
	var got []Progress
	err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true, OnProgress: func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("OnProgress never called")
	}
	last := got[len(got)-1]
	if last.Total != 30 || last.Done != 30 {
		t.Errorf("last progress %+v, want 30 of 30 done", last)
	}
	sum := 0
	for _, n := range last.Counts {
		sum += n
	}
	if sum != 30 || last.Counts[ProgressGone]+last.Counts[clouddc.StateTerminated] != 30 {
		t.Errorf("counts %v do not add up to 30 finished", last.Counts)
	}
}

func TestDeleteChunkAttributesErrors(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(5, clouddc.StateRunning)
	bad := ids[3]
	f.deleteHook = func(batch []string) error {
		if slices.Contains(batch, bad) {
			return &clouddc.APIError{StatusCode: 400, Code: clouddc.CodeInvalidParameter, Message: "A request parameter contains invalid or unsupported value: instance_id_set"}
		}
		return nil
	}
	e := NewEngine(f, testOptions(false))
	err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true})
	var derr *DeleteError
	if !errors.As(err, &derr) {
		t.Fatalf("want *DeleteError, got %v", err)
	}
	if got := derr.RemainingIDs(); !slices.Equal(got, []string{bad}) {
		t.Errorf("RemainingIDs = %v, want only the bad ID", got)
	}
	var ae *clouddc.APIError
	if !errors.As(err, &ae) || ae.Code != clouddc.CodeInvalidParameter {
		t.Errorf("the API error must be reachable with errors.As, got %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, bad+" (state: running)") || strings.Count(msg, "invalid or unsupported value") != 1 {
		t.Errorf("the message must show the bad instance's looked-up state and the API error once:\n%s", msg)
	}
	assertAllGone(t, f, without(ids, []string{bad}))
	// 1 merged call + 5 singles.
	if n := f.count("DeleteInstances"); n != 6 {
		t.Errorf("%d batch-delete calls, want 6 (merged, then one per ID)", n)
	}
}

func TestDeleteChunkRetriesTransientErrors(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(4, clouddc.StateRunning)
	calls := 0
	f.deleteHook = func([]string) error {
		calls++
		if calls == 1 {
			return &clouddc.APIError{StatusCode: 500, Code: clouddc.CodeInternalError, Message: "Internal server error"}
		}
		return nil
	}
	e := NewEngine(f, testOptions(false))
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("a transient 500 must be retried: %v", err)
	}
	if n := f.count("DeleteInstances"); n != 2 {
		t.Errorf("%d calls, want 2 (the 500, then the retry of the whole batch)", n)
	}
}

func TestDeleteInstanceSingle(t *testing.T) {
	t.Run("per-instance", func(t *testing.T) {
		f := newFakeAPI()
		ids := f.add(2, clouddc.StateRunning)
		f.remove(ids[1])
		e := NewEngine(f, testOptions(false))
		for _, id := range ids {
			if err := e.DeleteAndWait(t.Context(), id); err != nil {
				t.Fatalf("DeleteInstance(%s): %v", id, err)
			}
		}
		if f.count("DeleteInstance") != 2 || f.count("DeleteInstances") != 0 || f.count("ListInstances") != 0 {
			t.Errorf("calls %v: want DeleteInstance per instance and ShowInstanceStatus polls only", f.calls)
		}
		if f.count("ShowInstanceStatus") == 0 {
			t.Error("no ShowInstanceStatus polls")
		}
		assertAllGone(t, f, ids)
	})
	t.Run("per-instance already shutting down", func(t *testing.T) {
		f := newFakeAPI()
		ids := f.add(1, clouddc.StateShuttingDown)
		e := NewEngine(f, testOptions(false))
		if err := e.DeleteAndWait(t.Context(), ids[0]); err != nil {
			t.Fatalf("DeleteInstance: %v", err)
		}
		assertAllGone(t, f, ids)
	})
	t.Run("failure", func(t *testing.T) {
		f := newFakeAPI()
		ids := f.add(1, clouddc.StateRunning)
		f.failNext(ids[0])
		e := NewEngine(f, testOptions(true))
		err := e.DeleteAndWait(t.Context(), ids[0])
		var derr *DeleteError
		if !errors.As(err, &derr) || !slices.Equal(derr.RemainingIDs(), ids) {
			t.Fatalf("want *DeleteError naming %s, got %v", ids[0], err)
		}
		if !strings.Contains(err.Error(), "1 of 1 instance not deleted") {
			t.Errorf("message: %s", err)
		}
	})
	t.Run("empty ID", func(t *testing.T) {
		e := NewEngine(newFakeAPI(), testOptions(true))
		if err := e.DeleteAndWait(t.Context(), ""); err == nil {
			t.Fatal("an empty ID must be an error")
		}
	})
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func TestDeleteInstancesResendsLostDelete(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(3, clouddc.StateRunning)
	f.lose = map[string]bool{ids[1]: true}
	opts := testOptions(true)
	opts.RedeleteAfter = 30 * time.Millisecond
	e := NewEngine(f, opts)
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("a lost delete must be sent again, not waited for until the timeout: %v", err)
	}
	b := f.batches()
	if len(b) != 2 || !slices.Equal(b[1], ids[1:2]) {
		t.Errorf("batches %v: want the lost one sent again, alone", b)
	}
	assertAllGone(t, f, ids)
}

// A destroy that follows another in the same provider process (a fleet after
// the batch-delete resources that covered it) sends nothing for instances the
// engine already saw terminated; instances it never saw are still deleted.
func TestDeleteInstancesSkipsInstancesSeenTerminated(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(60, clouddc.StateRunning)
	e := NewEngine(f, testOptions(true))
	if err := e.DeleteInBatches(t.Context(), ids[:50], DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("first DeleteInstances: %v", err)
	}
	if n := f.count("DeleteInstances"); n != 1 {
		t.Fatalf("first delete made %d batch-delete calls, want 1", n)
	}
	if err := e.DeleteInBatches(t.Context(), ids, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("second DeleteInstances: %v", err)
	}
	batches := f.batches()
	if len(batches) != 2 {
		t.Fatalf("%d batch-delete calls in all, want 2", len(batches))
	}
	if got := batches[1]; !slices.Equal(got, ids[50:]) {
		t.Errorf("second batch-delete sent %d IDs %v, want only the 10 never seen terminated", len(got), got)
	}
	if err := e.DeleteAndWait(t.Context(), ids[0]); err != nil {
		t.Fatalf("DeleteInstance of a terminated instance: %v", err)
	}
	if n := f.count("DeleteInstances") + f.count("DeleteInstance"); n != 2 {
		t.Errorf("%d delete calls after deleting a known-terminated instance, want still 2", n)
	}
	assertAllGone(t, f, ids)
}

// An instance that is merely not listed (not yet visible right after create)
// is not taken for terminated: a later delete still asks the service.
func TestDeleteInstancesDoesNotSkipUnlistedInstances(t *testing.T) {
	f := newFakeAPI()
	id := "00000000-0000-7000-8000-999999999999"
	e := NewEngine(f, testOptions(true))
	if _, err := e.GetInstances(t.Context(), []string{id}); err != nil {
		t.Fatalf("GetInstances: %v", err)
	}
	f.addID(id, clouddc.StateRunning)
	if err := e.DeleteInBatches(t.Context(), []string{id}, DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("DeleteInstances: %v", err)
	}
	if n := f.count("DeleteInstances"); n != 1 {
		t.Errorf("%d batch-delete calls, want 1", n)
	}
	assertAllGone(t, f, []string{id})
}

// TestDeleteChunkDoesNotRetryPermanentServerErrors: a 501 (or any 5xx but
// 500, 502, 503, 504) is not transient (clouddc.IsTransient, the client's
// own rule): the merged call is split into single calls at once, with no
// waits, so that each instance gets its own answer.
func TestDeleteChunkDoesNotRetryPermanentServerErrors(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(3, clouddc.StateRunning)
	f.deleteHook = func(batch []string) error {
		if len(batch) > 1 {
			return &clouddc.APIError{StatusCode: 501, Message: "Not Implemented"}
		}
		return nil
	}
	opts := testOptions(false)
	opts.PollMax = time.Hour // a transient retry would sleep this long
	e := NewEngine(f, opts)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := e.DeleteInBatches(ctx, ids, DeleteOptions{}); err != nil {
		t.Fatalf("a 501 to the merged call must fall back to single calls: %v", err)
	}
	if n := f.count("DeleteInstances"); n != 4 {
		t.Errorf("%d batch-delete calls, want 4 (the merged one, then one per ID)", n)
	}
}

// TestDeleteReportsOnlyObservedStates: an instance whose delete was
// accepted but that no poll saw before the deadline, and that the final
// lookup could not see either, is reported in state unknown, not in a
// state nothing observed (it used to be reported shutting-down).
func TestDeleteReportsOnlyObservedStates(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(2, clouddc.StateRunning)
	f.listHook = func(*clouddc.ListInstancesRequest) error {
		return &clouddc.APIError{StatusCode: 403, Code: clouddc.CodeForbidden, Message: "no permission to list"}
	}
	opts := testOptions(false)
	opts.PollMax = time.Hour // no per-instance poll before the deadline
	e := NewEngine(f, opts)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := e.DeleteInBatches(ctx, ids, DeleteOptions{Wait: true})
	var derr *DeleteError
	if !errors.As(err, &derr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a *DeleteError ended by the deadline, got %v", err)
	}
	if len(derr.Unfinished) != 2 {
		t.Fatalf("unfinished %+v, want both", derr.Unfinished)
	}
	for _, r := range derr.Unfinished {
		if r.State != "" || r.Gone {
			t.Errorf("%s reported as %q (gone %v), want its state unknown: nothing observed it", r.ID, r.State, r.Gone)
		}
		if !strings.Contains(err.Error(), r.ID+" (state unknown)") {
			t.Errorf("the message does not say the state of %s is unknown:\n%s", r.ID, err)
		}
	}
	if got := derr.RemainingIDs(); !slices.Equal(got, ids) {
		t.Errorf("RemainingIDs = %v, want both: an unknown state may still exist", got)
	}
}

// TestDeleteKeepsInstancesTheFinalLookupNeverListed: the lookup that fills
// in the states of the unfinished instances lists them 100 per call; when
// the context ends after the first call, the IDs of the calls never sent
// were not listed, so nothing shows they are gone and they must stay among
// the remaining (they used to count as absent from a complete listing).
func TestDeleteKeepsInstancesTheFinalLookupNeverListed(t *testing.T) {
	for _, optimize := range []bool{true, false} {
		t.Run("optimize="+strconv.FormatBool(optimize), func(t *testing.T) {
			f := newFakeAPI()
			ids := f.add(150, clouddc.StateRunning) // two list calls
			f.deleteHook = func([]string) error {
				return &clouddc.APIError{StatusCode: 403, Code: clouddc.CodeForbidden, Message: "Insufficient permissions"}
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			f.listHook = func(*clouddc.ListInstancesRequest) error {
				cancel() // the first list call is answered; the context ends with it
				return nil
			}
			opts := testOptions(optimize)
			opts.MaxConcurrentCalls = 1 // one list call at a time
			err := NewEngine(f, opts).DeleteInBatches(ctx, ids, DeleteOptions{Wait: true})
			var derr *DeleteError
			if !errors.As(err, &derr) {
				t.Fatalf("DeleteInBatches = %v, want a *DeleteError", err)
			}
			if got := derr.RemainingIDs(); !slices.Equal(got, ids) {
				t.Errorf("%d of %d running instances remain; the others were never listed but counted gone",
					len(got), len(ids))
			}
			for _, r := range derr.Unfinished {
				if r.Gone {
					t.Errorf("%s is reported gone", r.ID)
				}
			}
		})
	}
}
