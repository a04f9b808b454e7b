package lifecycle

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

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

func TestMain(m *testing.M) {
	// The shared poller, the coalescer's timers and merged calls must all be
	// gone when the tests are.
	goleak.VerifyTestMain(m)
}

func ptr[T any](v T) *T { return &v }

// fakeInstance is one instance of fakeAPI, whose state moves with the clock.
type fakeInstance struct {
	state     string
	errStatus *clouddc.ErrorStatus
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
	listHook   func(req *clouddc.ListInstancesRequest) error
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
		case clouddc.StatePending:
			inst.until = time.Now().Add(f.createDuration)
		case clouddc.StateShuttingDown:
			inst.until = time.Now().Add(f.deleteDuration)
		case clouddc.StateError:
			inst.errStatus = &clouddc.ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "earlier delete failed", ErrorType: clouddc.ErrorTypeDeleteInstance}
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
	if state == clouddc.StatePending {
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
	case clouddc.StatePending:
		if !now.Before(inst.until) {
			if inst.failNext {
				inst.failNext = false
				inst.state = clouddc.StateError
				inst.errStatus = &clouddc.ErrorStatus{ErrorCode: "iMetal.0298", ErrorMsg: "no OS image", ErrorType: clouddc.ErrorTypeCreateInstance}
			} else {
				inst.state = clouddc.StateRunning
			}
		}
	case clouddc.StateShuttingDown:
		if !now.Before(inst.until) {
			if inst.failNext {
				inst.failNext = false
				inst.state = clouddc.StateError
				inst.errStatus = &clouddc.ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "disk wipe failed", ErrorType: clouddc.ErrorTypeDeleteInstance}
			} else {
				inst.state = clouddc.StateTerminated
				inst.goneAt = inst.until.Add(f.terminatedTTL)
			}
		}
	}
	if inst.state == clouddc.StateTerminated && !now.Before(inst.goneAt) {
		delete(f.instances, id)
		return nil, false
	}
	return inst, true
}

func notFound(op string, ids []string) error {
	return &clouddc.APIError{StatusCode: 404, Code: clouddc.CodeInstanceNotFound, Operation: op,
		Message: "Instances not found: [" + strings.Join(ids, ", ") + "]"}
}

func (f *fakeAPI) ListInstances(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
	if f.listDelay > 0 {
		if err := sleep(ctx, f.listDelay); err != nil {
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
	if len(req.InstanceIDs) > clouddc.MaxFilterIDs {
		return nil, &clouddc.APIError{StatusCode: 400, Code: clouddc.CodeInvalidParameter, Operation: "ListInstances", Message: "too many instance_id"}
	}
	resp := &clouddc.ListInstancesResponse{Instances: []clouddc.Instance{}}
	for _, id := range req.InstanceIDs {
		inst, ok := f.lookupLocked(id)
		if !ok {
			continue
		}
		resp.Instances = append(resp.Instances, clouddc.Instance{ID: id, State: inst.state, Error: inst.errStatus, ServerID: "srv-" + id})
	}
	resp.Count = ptr(len(resp.Instances))
	return resp, nil
}

func (f *fakeAPI) ShowInstanceStatus(_ context.Context, id string) (*clouddc.InstanceStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["ShowInstanceStatus"]++
	inst, ok := f.lookupLocked(id)
	if !ok {
		return nil, notFound("ShowInstanceStatus", []string{id})
	}
	return &clouddc.InstanceStatus{State: inst.state, Error: inst.errStatus}, nil
}

func (f *fakeAPI) DeleteInstances(_ context.Context, ids []string) (*clouddc.InstancesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["DeleteInstances"]++
	f.deleteBatches = append(f.deleteBatches, slices.Clone(ids))
	if f.deleteHook != nil {
		if err := f.deleteHook(ids); err != nil {
			return nil, err
		}
	}
	if len(ids) > clouddc.MaxBatchIDs {
		return nil, &clouddc.APIError{StatusCode: 400, Code: clouddc.CodeInvalidParameter, Operation: "DeleteInstances", Message: "at most 50 IDs"}
	}
	var missing, busy []string
	for _, id := range ids {
		inst, ok := f.lookupLocked(id)
		switch {
		case !ok:
			missing = append(missing, id)
		case inst.state == clouddc.StateShuttingDown || inst.state == clouddc.StateTerminated:
			busy = append(busy, id)
		}
	}
	if len(missing) > 0 {
		return nil, notFound("DeleteInstances", missing)
	}
	if len(busy) > 0 {
		return nil, &clouddc.APIError{StatusCode: 400, Code: clouddc.CodeInstanceWrongState, Operation: "DeleteInstances",
			Message: "Instances state does not allow this operation: [" + strings.Join(busy, ", ") + "]"}
	}
	resp := &clouddc.InstancesResponse{}
	for _, id := range ids {
		if f.lose[id] {
			delete(f.lose, id)
		} else {
			f.startDeleteLocked(id)
		}
		resp.Instances = append(resp.Instances, clouddc.InstanceID{ID: id})
	}
	return resp, nil
}

func (f *fakeAPI) startDeleteLocked(id string) {
	inst := f.instances[id]
	inst.state = clouddc.StateShuttingDown
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
	case inst.state == clouddc.StateShuttingDown || inst.state == clouddc.StateTerminated:
		return &clouddc.APIError{StatusCode: 400, Code: clouddc.CodeInstanceWrongState, Operation: "DeleteInstance", Message: "Instances state does not allow this operation: [" + id + "]"}
	}
	f.startDeleteLocked(id)
	return nil
}

// testOptions are millisecond timings for unit tests.
func testOptions(optimize bool) Options {
	return Options{
		Optimize:      optimize,
		PollInitial:   5 * time.Millisecond,
		PollMax:       20 * time.Millisecond,
		BatchWindow:   10 * time.Millisecond,
		NotFoundGrace: 30 * time.Millisecond,
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.PollInitial != DefaultPollInitial || o.PollMax != DefaultPollMax || o.BatchWindow != DefaultBatchWindow ||
		o.BatchMaxWait != 5*DefaultBatchWindow || o.NotFoundGrace != DefaultNotFoundGrace || o.MaxConcurrentCalls != 8 ||
		o.RedeleteAfter != DefaultRedeleteAfter {
		t.Fatalf("defaults not applied: %+v", o)
	}
	o = Options{PollInitial: time.Second, PollMax: time.Millisecond}.withDefaults()
	if o.PollMax != time.Second {
		t.Fatalf("PollMax below PollInitial must be raised to it, got %v", o.PollMax)
	}
}

func TestDeleteErrorMessage(t *testing.T) {
	derr := &DeleteError{
		Total: 5,
		Unfinished: []InstanceResult{
			{ID: "a", State: clouddc.StateError, Error: &clouddc.ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "disk wipe failed"}},
			{ID: "b", State: clouddc.StateShuttingDown},
			{ID: "c", Gone: true},
			{ID: "d", State: clouddc.StateTerminated},
		},
		Cause: fmt.Errorf("waiting: %w", context.DeadlineExceeded),
	}
	msg := derr.Error()
	for _, want := range []string{
		"4 of 5 instances not deleted before the timeout",
		"a (state: error: disk wipe failed [iMetal.0299])",
		"b (state: shutting-down)",
		"c (not found)",
		"d (state: terminated)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	// Facts only: the advice (terraform destroy, timeouts { delete }, invoke
	// the action again) is for the resource or action to add.
	for _, advice := range []string{"terraform", "destroy", "timeouts", "invoke", "Run "} {
		if strings.Contains(msg, advice) {
			t.Errorf("message gives advice (%q), which is the caller's:\n%s", advice, msg)
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
