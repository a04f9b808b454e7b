package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// lyingAPI puts a misbehaving gateway in front of fakeAPI (the honest
// cloud): each non-nil hook replaces the honest answer of its operation.
type lyingAPI struct {
	*fakeAPI
	list   func(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error)
	status func(ctx context.Context, id string) (*clouddc.InstanceStatus, error)
	del    func(ctx context.Context, id string) error
	delN   func(ctx context.Context, ids []string) (*clouddc.InstancesResponse, error)
	// delNCalls counts DeleteInstances calls, lies included.
	delNCalls atomic.Int64
}

func (l *lyingAPI) ListInstances(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
	if l.list != nil {
		return l.list(ctx, req)
	}
	return l.fakeAPI.ListInstances(ctx, req)
}

func (l *lyingAPI) ShowInstanceStatus(ctx context.Context, id string) (*clouddc.InstanceStatus, error) {
	if l.status != nil {
		return l.status(ctx, id)
	}
	return l.fakeAPI.ShowInstanceStatus(ctx, id)
}

func (l *lyingAPI) DeleteInstance(ctx context.Context, id string) error {
	if l.del != nil {
		return l.del(ctx, id)
	}
	return l.fakeAPI.DeleteInstance(ctx, id)
}

func (l *lyingAPI) DeleteInstances(ctx context.Context, ids []string) (*clouddc.InstancesResponse, error) {
	l.delNCalls.Add(1)
	if l.delN != nil {
		return l.delN(ctx, ids)
	}
	return l.fakeAPI.DeleteInstances(ctx, ids)
}

// gatewayErr is the API gateway's 404 for a route it does not know.
func gatewayErr(op string) error {
	return &clouddc.APIError{StatusCode: 404, Code: "APIGW.0101", Operation: op, RequestID: "gw-1",
		Message: "The API does not exist or has not been published in the environment"}
}

// pagedBy serves the honest listing size items per page, with markers
// "p<offset>"; emptyEvery > 0 inserts an empty page (that points further)
// before every emptyEvery-th page.
func pagedBy(f *fakeAPI, size, emptyEvery int) func(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
	return func(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
		all, err := f.ListInstances(ctx, &clouddc.ListInstancesRequest{InstanceIDs: req.InstanceIDs})
		if err != nil {
			return nil, err
		}
		if rest, ok := strings.CutPrefix(req.Marker, "e"); ok {
			// The empty page points to the real one.
			return &clouddc.ListInstancesResponse{Instances: []clouddc.Instance{}, PageInfo: &clouddc.PageInfo{NextMarker: "p" + rest}, Count: all.Count}, nil
		}
		start, _ := strconv.Atoi(strings.TrimPrefix(req.Marker, "p"))
		end := min(start+size, len(all.Instances))
		resp := &clouddc.ListInstancesResponse{Instances: all.Instances[start:end], Count: all.Count}
		if end < len(all.Instances) {
			next := "p" + strconv.Itoa(end)
			if emptyEvery > 0 && (end/size)%emptyEvery == 0 {
				next = "e" + strconv.Itoa(end)
			}
			resp.PageInfo = &clouddc.PageInfo{NextMarker: next}
		}
		return resp, nil
	}
}

// TestEngineNeverTakesALieForGone runs a read (GetInstances) and a destroy
// (DeleteInBatches with Wait) through every lie: the read must return every
// live instance or fail, and the destroy must never report success while an
// instance is alive, and must name every live instance among the remaining.
// Lies that are honest in substance (smaller pages, empty pages in between)
// must not fail at all.
func TestEngineNeverTakesALieForGone(t *testing.T) {
	const n = 30 // more than the old 20-page bound at one instance per page
	for _, tc := range []struct {
		name     string
		optimize bool
		lie      func(l *lyingAPI)
		honest   bool // the answers are odd but true: read and destroy succeed
	}{
		{name: "ListInstances without the instances array", optimize: true, lie: func(l *lyingAPI) {
			l.list = func(context.Context, *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
				return &clouddc.ListInstancesResponse{}, nil
			}
		}},
		{name: "ListInstances without the instances array, per-instance mode", optimize: false, lie: func(l *lyingAPI) {
			l.list = func(context.Context, *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
				return &clouddc.ListInstancesResponse{}, nil
			}
		}},
		{name: "a page cut off, count says more", optimize: true, lie: func(l *lyingAPI) {
			l.list = func(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
				all, err := l.fakeAPI.ListInstances(ctx, req)
				if err != nil || len(all.Instances) < 2 {
					return all, err
				}
				all.Instances = all.Instances[:len(all.Instances)/2]
				return all, nil
			}
		}},
		{name: "items without a state", optimize: true, lie: func(l *lyingAPI) {
			l.list = func(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
				all, err := l.fakeAPI.ListInstances(ctx, req)
				for i := range all.Instances {
					all.Instances[i].State = ""
				}
				return all, err
			}
		}},
		{name: "fresh markers on empty pages forever", optimize: true, lie: func(l *lyingAPI) {
			l.list = func(_ context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
				return &clouddc.ListInstancesResponse{Instances: []clouddc.Instance{}, PageInfo: &clouddc.PageInfo{NextMarker: req.Marker + "x"}}, nil
			}
		}},
		{name: "a marker cycle over two pages", optimize: true, lie: func(l *lyingAPI) {
			pages := pagedBy(l.fakeAPI, 10, 0)
			l.list = func(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
				resp, err := pages(ctx, req)
				if err == nil && req.Marker == "p10" && resp.PageInfo != nil {
					resp.PageInfo.NextMarker = "p0" // back to the first page, never listing p20 on
				}
				return resp, err
			}
		}},
		{name: "instances the filter did not ask for", optimize: true, lie: func(l *lyingAPI) {
			l.list = func(ctx context.Context, req *clouddc.ListInstancesRequest) (*clouddc.ListInstancesResponse, error) {
				all, err := l.fakeAPI.ListInstances(ctx, req)
				if err == nil {
					all.Instances = append(all.Instances, clouddc.Instance{ID: "00000000-0000-7000-8000-999999999999", State: clouddc.StateRunning})
				}
				return all, err
			}
		}},
		{name: "ShowInstanceStatus answers the gateway's 404", optimize: false, lie: func(l *lyingAPI) {
			l.status = func(context.Context, string) (*clouddc.InstanceStatus, error) {
				return nil, gatewayErr("ShowInstanceStatus")
			}
		}},
		{name: "ShowInstanceStatus answers without a state", optimize: false, lie: func(l *lyingAPI) {
			l.status = func(context.Context, string) (*clouddc.InstanceStatus, error) { return &clouddc.InstanceStatus{}, nil }
		}},
		{name: "ShowInstanceStatus answers iMetal.0200 naming another instance", optimize: false, lie: func(l *lyingAPI) {
			l.status = func(context.Context, string) (*clouddc.InstanceStatus, error) {
				return nil, notFound("ShowInstanceStatus", []string{"00000000-0000-7000-8000-999999999999"})
			}
		}},
		{name: "DeleteInstances answers the gateway's 404", optimize: true, lie: func(l *lyingAPI) {
			l.delN = func(context.Context, []string) (*clouddc.InstancesResponse, error) {
				return nil, gatewayErr("DeleteInstances")
			}
		}},
		{name: "DeleteInstances answers the gateway's 404, per-instance mode", optimize: false, lie: func(l *lyingAPI) {
			l.delN = func(context.Context, []string) (*clouddc.InstancesResponse, error) {
				return nil, gatewayErr("DeleteInstances")
			}
		}},
		{name: "DeleteInstances answers iMetal.0200 naming another, its first ID in brackets before \"not found\"", optimize: true, lie: func(l *lyingAPI) {
			// The Kelvin sign is shorter in lower case: a parser that
			// finds "not found" in the lower-cased message and reads the
			// original at that offset reads the brackets before it.
			l.delN = func(_ context.Context, ids []string) (*clouddc.InstancesResponse, error) {
				return nil, &clouddc.APIError{StatusCode: 404, Code: clouddc.CodeInstanceNotFound, Operation: "DeleteInstances",
					Message: strings.Repeat("\u212a", 25) + " [" + ids[0] + "] not found: [00000000-0000-7000-8000-999999999999]"}
			}
		}},
		{name: "pages of one instance", optimize: true, honest: true, lie: func(l *lyingAPI) {
			l.list = pagedBy(l.fakeAPI, 1, 0)
		}},
		{name: "pages of three with an empty page before every second", optimize: true, honest: true, lie: func(l *lyingAPI) {
			l.list = pagedBy(l.fakeAPI, 3, 2)
		}},
		{name: "pages of one instance, per-instance mode", optimize: false, honest: true, lie: func(l *lyingAPI) {
			l.list = pagedBy(l.fakeAPI, 1, 0)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI()
			f.deleteDuration = 50 * time.Millisecond
			if !tc.honest {
				// Still shutting down when the destroy ends: only a lie
				// could make it look done.
				f.deleteDuration = time.Hour
			}
			ids := f.add(n, clouddc.StateRunning)
			api := &lyingAPI{fakeAPI: f}
			tc.lie(api)
			e := NewEngine(api, testOptions(tc.optimize))

			// A refresh.
			got, err := e.GetInstances(t.Context(), ids)
			switch {
			case err != nil && tc.honest:
				t.Fatalf("GetInstances through honest paging failed: %v", err)
			case err == nil:
				var lost []string
				for _, id := range ids {
					if _, ok := got[id]; !ok {
						lost = append(lost, id)
					}
				}
				if len(lost) > 0 {
					t.Fatalf("GetInstances lost %d running instances without an error: %v", len(lost), lost)
				}
			default:
				t.Logf("GetInstances failed as it should: %v", err)
			}

			// A destroy.
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			err = e.DeleteInBatches(ctx, ids, DeleteOptions{Wait: true})
			// One batch call, and at most one more per instance when the
			// batch fails for a reason no ID explains; never a loop.
			if calls := api.delNCalls.Load(); calls > int64(n)+1+transientRetries {
				t.Errorf("%d DeleteInstances calls for %d instances, want at most %d", calls, n, n+1+transientRetries)
			}
			var alive []string
			for _, id := range ids {
				if st := f.stateOf(id); st != clouddc.StateTerminated && st != "gone" {
					alive = append(alive, id)
				}
			}
			if err == nil {
				if len(alive) > 0 {
					t.Fatalf("DeleteInstances reported success while %d instances are alive (e.g. %s is %s)", len(alive), alive[0], f.stateOf(alive[0]))
				}
				return
			}
			if tc.honest {
				t.Fatalf("DeleteInstances through honest paging failed: %v", err)
			}
			var de *DeleteError
			if !errors.As(err, &de) {
				t.Fatalf("DeleteInstances error %T is not a *DeleteError: %v", err, err)
			}
			kept := map[string]bool{}
			for _, r := range de.Unfinished {
				if r.Gone {
					t.Errorf("instance %s is reported gone although the lie is all there is", r.ID)
				}
				kept[r.ID] = true
			}
			for _, id := range alive {
				if !kept[id] {
					t.Errorf("instance %s is alive (%s) but not among the unfinished", id, f.stateOf(id))
				}
			}
			t.Logf("DeleteInstances failed as it should, keeping %d: %s", len(de.Unfinished), firstLine(err.Error()))
		})
	}
}

// TestEngineDeleteInstanceGatewayNotFound: with per-instance calls, a
// DeleteInstance answered by the gateway's 404 is not a deletion.
func TestEngineDeleteInstanceGatewayNotFound(t *testing.T) {
	f := newFakeAPI()
	id := f.add(1, clouddc.StateRunning)[0]
	api := &lyingAPI{fakeAPI: f, del: func(context.Context, string) error { return gatewayErr("DeleteInstance") }}
	e := NewEngine(api, testOptions(false))
	err := e.DeleteAndWait(t.Context(), id)
	var de *DeleteError
	if !errors.As(err, &de) || !slices.Equal(de.RemainingIDs(), []string{id}) {
		t.Fatalf("DeleteInstance = %v, want a *DeleteError keeping %s", err, id)
	}
	if !strings.Contains(err.Error(), "APIGW.0101") {
		t.Errorf("the error does not say what was odd: %v", err)
	}
	if st := f.stateOf(id); st != clouddc.StateRunning {
		t.Errorf("instance is %s, want running", st)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestDeleteFailureDuringWaitIsReported: an instance whose deletion fails
// while it is waited for (shutting-down → error) is reported with its
// error_msg and kept, and its delete is not sent again in the same call; an
// instance that is already in state error when the delete starts is deleted
// again (error → shutting-down, the API's retry edge).
func TestDeleteFailureDuringWaitIsReported(t *testing.T) {
	f := newFakeAPI()
	ids := f.add(2, clouddc.StateRunning)
	earlier := f.add(1, clouddc.StateError)[0]
	f.failNext(ids[0])
	e := NewEngine(f, testOptions(true))
	err := e.DeleteInBatches(t.Context(), append(slices.Clone(ids), earlier), DeleteOptions{Wait: true})
	var de *DeleteError
	if !errors.As(err, &de) {
		t.Fatalf("DeleteInstances = %v, want a *DeleteError", err)
	}
	if got := de.RemainingIDs(); !slices.Equal(got, []string{ids[0]}) {
		t.Errorf("remaining %v, want just the one whose deletion failed (%s)", got, ids[0])
	}
	if !strings.Contains(err.Error(), "disk wipe failed") {
		t.Errorf("the error does not carry error_msg: %v", err)
	}
	sent := 0
	for _, b := range f.batches() {
		if slices.Contains(b, ids[0]) {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("the failed instance was sent %d times in one call, want once", sent)
	}
	if st := f.stateOf(earlier); st != clouddc.StateTerminated {
		t.Errorf("the instance in state error before the delete is %s, want terminated (deleted again)", st)
	}
	if st := f.stateOf(ids[1]); st != clouddc.StateTerminated {
		t.Errorf("%s is %s, want terminated", ids[1], st)
	}
}
