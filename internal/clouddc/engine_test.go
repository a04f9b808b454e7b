package clouddc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The shared poller, the coalescer's timers and merged calls must all be
	// gone when the tests are.
	goleak.VerifyTestMain(m)
}

// fakeInstance is one instance of fakeAPI, whose state moves with the clock.
type fakeInstance struct {
	state     string
	errStatus *ErrorStatus
	until     time.Time // when pending / shutting-down ends
	failNext  bool      // the next transition (create or delete) ends in error
	goneAt    time.Time // terminated instances disappear then
}

// fakeAPI simulates CloudDC instances over time (milliseconds) and counts
// calls per operation. Its behavior follows the emulator contract: batch
// deletes of unknown IDs get 404 iMetal.0200 naming them, deleting an
// instance already shutting down gets 400 iMetal.0201, error → shutting-down
// is allowed.
type fakeAPI struct {
	mu             sync.Mutex
	instances      map[string]*fakeInstance
	deleteDuration time.Duration
	createDuration time.Duration
	terminatedTTL  time.Duration
	calls          map[string]int
	deleteBatches  [][]string
	listSizes      []int
	// hooks: return a non-nil error to fail a call before any side effect.
	deleteHook func(ids []string) error
	listHook   func(req *ListInstancesRequest) error
	// listDelay blocks every ListInstances call for this long (or until ctx ends).
	listDelay time.Duration
	// lose makes the next accepted delete of an ID change nothing (a lost request).
	lose map[string]bool
	seq  int
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{
		instances:      make(map[string]*fakeInstance),
		deleteDuration: 30 * time.Millisecond,
		createDuration: 30 * time.Millisecond,
		terminatedTTL:  time.Hour,
		calls:          make(map[string]int),
	}
}

// add creates instances in state, returning their IDs.
func (f *fakeAPI) add(n int, state string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, n)
	for i := range ids {
		f.seq++
		id := fmt.Sprintf("00000000-0000-7000-8000-%012d", f.seq)
		inst := &fakeInstance{state: state}
		switch state {
		case StatePending:
			inst.until = time.Now().Add(f.createDuration)
		case StateShuttingDown:
			inst.until = time.Now().Add(f.deleteDuration)
		case StateError:
			inst.errStatus = &ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "earlier delete failed", ErrorType: ErrorTypeDeleteInstance}
		}
		f.instances[id] = inst
		ids[i] = id
	}
	return ids
}

// failNext makes the next transition of id (create or delete) end in state error.
func (f *fakeAPI) failNext(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.instances[id].failNext = true
}

// addID creates one instance with a given ID.
func (f *fakeAPI) addID(id, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inst := &fakeInstance{state: state}
	if state == StatePending {
		inst.until = time.Now().Add(f.createDuration)
	}
	f.instances[id] = inst
}

func (f *fakeAPI) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.instances, id)
}

func (f *fakeAPI) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeAPI) batches() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.deleteBatches)
}

func (f *fakeAPI) stateOf(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.lookupLocked(id)
	if !ok {
		return "gone"
	}
	return inst.state
}

// lookupLocked advances the instance's state to now.
func (f *fakeAPI) lookupLocked(id string) (*fakeInstance, bool) {
	inst, ok := f.instances[id]
	if !ok {
		return nil, false
	}
	now := time.Now()
	switch inst.state {
	case StatePending:
		if !now.Before(inst.until) {
			if inst.failNext {
				inst.failNext = false
				inst.state = StateError
				inst.errStatus = &ErrorStatus{ErrorCode: "iMetal.0298", ErrorMsg: "no OS image", ErrorType: ErrorTypeCreateInstance}
			} else {
				inst.state = StateRunning
			}
		}
	case StateShuttingDown:
		if !now.Before(inst.until) {
			if inst.failNext {
				inst.failNext = false
				inst.state = StateError
				inst.errStatus = &ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "disk wipe failed", ErrorType: ErrorTypeDeleteInstance}
			} else {
				inst.state = StateTerminated
				inst.goneAt = inst.until.Add(f.terminatedTTL)
			}
		}
	}
	if inst.state == StateTerminated && !now.Before(inst.goneAt) {
		delete(f.instances, id)
		return nil, false
	}
	return inst, true
}

func notFound(op string, ids []string) error {
	return &APIError{StatusCode: 404, Code: CodeInstanceNotFound, Operation: op,
		Message: "Instances not found: [" + strings.Join(ids, ", ") + "]"}
}

func (f *fakeAPI) ListInstances(ctx context.Context, req *ListInstancesRequest) (*ListInstancesResponse, error) {
	if f.listDelay > 0 {
		if err := sleepCtx(ctx, f.listDelay); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ListInstances"]++
	f.listSizes = append(f.listSizes, len(req.InstanceIDs))
	if f.listHook != nil {
		if err := f.listHook(req); err != nil {
			return nil, err
		}
	}
	if len(req.InstanceIDs) > MaxFilterIDs {
		return nil, &APIError{StatusCode: 400, Code: CodeInvalidParameter, Operation: "ListInstances", Message: "too many instance_id"}
	}
	resp := &ListInstancesResponse{Instances: []Instance{}}
	for _, id := range req.InstanceIDs {
		inst, ok := f.lookupLocked(id)
		if !ok {
			continue
		}
		resp.Instances = append(resp.Instances, Instance{ID: id, State: inst.state, Error: inst.errStatus, ServerID: "srv-" + id})
	}
	resp.Count = ptr(len(resp.Instances))
	return resp, nil
}

func (f *fakeAPI) ShowInstanceStatus(_ context.Context, id string) (*InstanceStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ShowInstanceStatus"]++
	inst, ok := f.lookupLocked(id)
	if !ok {
		return nil, notFound("ShowInstanceStatus", []string{id})
	}
	return &InstanceStatus{State: inst.state, Error: inst.errStatus}, nil
}

func (f *fakeAPI) DeleteInstances(_ context.Context, ids []string) (*InstancesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["DeleteInstances"]++
	f.deleteBatches = append(f.deleteBatches, slices.Clone(ids))
	if f.deleteHook != nil {
		if err := f.deleteHook(ids); err != nil {
			return nil, err
		}
	}
	if len(ids) > MaxBatchIDs {
		return nil, &APIError{StatusCode: 400, Code: CodeInvalidParameter, Operation: "DeleteInstances", Message: "at most 50 IDs"}
	}
	var missing, busy []string
	for _, id := range ids {
		inst, ok := f.lookupLocked(id)
		switch {
		case !ok:
			missing = append(missing, id)
		case inst.state == StateShuttingDown || inst.state == StateTerminated:
			busy = append(busy, id)
		}
	}
	if len(missing) > 0 {
		return nil, notFound("DeleteInstances", missing)
	}
	if len(busy) > 0 {
		return nil, &APIError{StatusCode: 400, Code: CodeInstanceWrongState, Operation: "DeleteInstances",
			Message: "Instances state does not allow this operation: [" + strings.Join(busy, ", ") + "]"}
	}
	resp := &InstancesResponse{}
	for _, id := range ids {
		if f.lose[id] {
			delete(f.lose, id)
		} else {
			f.startDeleteLocked(id)
		}
		resp.Instances = append(resp.Instances, InstanceID{ID: id})
	}
	return resp, nil
}

func (f *fakeAPI) startDeleteLocked(id string) {
	inst := f.instances[id]
	inst.state = StateShuttingDown
	inst.errStatus = nil
	inst.until = time.Now().Add(f.deleteDuration)
}

func (f *fakeAPI) DeleteInstance(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["DeleteInstance"]++
	inst, ok := f.lookupLocked(id)
	switch {
	case !ok:
		return notFound("DeleteInstance", []string{id})
	case inst.state == StateShuttingDown || inst.state == StateTerminated:
		return &APIError{StatusCode: 400, Code: CodeInstanceWrongState, Operation: "DeleteInstance", Message: "Instances state does not allow this operation: [" + id + "]"}
	}
	f.startDeleteLocked(id)
	return nil
}

// testOptions are millisecond timings for unit tests.
func testOptions(optimize bool) EngineOptions {
	return EngineOptions{
		Optimize:      optimize,
		PollInitial:   5 * time.Millisecond,
		PollMax:       20 * time.Millisecond,
		BatchWindow:   10 * time.Millisecond,
		NotFoundGrace: 30 * time.Millisecond,
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := EngineOptions{}.withDefaults()
	if o.PollInitial != DefaultPollInitial || o.PollMax != DefaultPollMax || o.BatchWindow != DefaultBatchWindow ||
		o.BatchMaxWait != 5*DefaultBatchWindow || o.NotFoundGrace != DefaultNotFoundGrace || o.MaxConcurrentCalls != 8 ||
		o.RedeleteAfter != DefaultRedeleteAfter {
		t.Fatalf("defaults not applied: %+v", o)
	}
	o = EngineOptions{PollInitial: time.Second, PollMax: time.Millisecond}.withDefaults()
	if o.PollMax != time.Second {
		t.Fatalf("PollMax below PollInitial must be raised to it, got %v", o.PollMax)
	}
}

func TestDeleteErrorMessage(t *testing.T) {
	derr := &DeleteError{
		Total: 5,
		Unfinished: []InstanceResult{
			{ID: "a", State: StateError, Error: &ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "disk wipe failed"}},
			{ID: "b", State: StateShuttingDown},
			{ID: "c", Gone: true},
			{ID: "d", State: StateTerminated},
		},
		Cause: fmt.Errorf("waiting: %w", context.DeadlineExceeded),
	}
	msg := derr.Error()
	for _, want := range []string{
		"4 of 5 instances not deleted before the timeout",
		"a (state: error: disk wipe failed [iMetal.0299])",
		"b (state: shutting-down)",
		"timeouts { delete }",
		"terraform destroy again",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if got := derr.RemainingIDs(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("RemainingIDs = %v, want [a b] (gone and terminated ones do not remain)", got)
	}
	if !errors.Is(derr, context.DeadlineExceeded) {
		t.Error("errors.Is(DeadlineExceeded) must see the cause")
	}
}

func TestUniqueAndChunks(t *testing.T) {
	if got := uniqueIDs([]string{"a", "", "b", "a", "c", "b"}); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("uniqueIDs = %v", got)
	}
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	parts := chunks(ids, 50)
	if len(parts) != 3 || len(parts[0]) != 50 || len(parts[1]) != 50 || len(parts[2]) != 20 {
		t.Fatalf("chunks sizes wrong: %d parts", len(parts))
	}
	parts[0] = append(parts[0], "x") // must not overwrite parts[1][0]
	if parts[1][0] != "50" {
		t.Error("chunks must not share capacity")
	}
}
