package lifecycle_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// These tests run the engine with the real client against the in-process
// emulator and check the API call counts the fleet-scale targets ask for.

func startEmulator(t *testing.T, servers int, deleteDuration time.Duration) (*emulatortest.Server, *clouddc.Client) {
	t.Helper()
	srv := emulatortest.Start(t, emulator.Config{Servers: servers, CreateDuration: 20 * time.Millisecond, DeleteDuration: deleteDuration})
	c, err := clouddc.NewClient(clouddc.Config{Endpoint: srv.URL, ProjectID: srv.Config.ProjectID, AuthToken: srv.Config.Token})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// runFleet creates n running instances through RunInstances.
func runFleet(t *testing.T, c *clouddc.Client, e *lifecycle.Engine, n int) []string {
	t.Helper()
	var ids []string
	for len(ids) < n {
		count := int32(min(100, n-len(ids)))
		resp, err := c.RunInstances(t.Context(), &clouddc.RunInstancesRequest{
			Name: "bench", ImageID: "img", VpcID: "vpc", Password: "Passw0rd!x",
			NetworkInterfaces: []clouddc.RunInstancesNetworkInterface{{SubnetID: "subnet"}},
			MinCount:          &count, MaxCount: &count,
		})
		if err != nil {
			t.Fatalf("RunInstances: %v", err)
		}
		for _, in := range resp.Instances {
			ids = append(ids, in.ID)
		}
	}
	if _, err := e.WaitForState(t.Context(), ids, clouddc.StateRunning); err != nil {
		t.Fatalf("WaitForState running: %v", err)
	}
	return ids
}

func requestDelta(after, before emulator.Stats, op string) int64 {
	return after.Requests[op] - before.Requests[op]
}

func TestEmulatorFleetDestroyCallCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("fleet of 1000 against the emulator")
	}
	const n = 1000
	deleteDuration := 300 * time.Millisecond
	srv, c := startEmulator(t, n, deleteDuration)
	e := lifecycle.NewEngine(c, lifecycle.Options{Optimize: true, PollInitial: 50 * time.Millisecond, PollMax: 200 * time.Millisecond})
	ids := runFleet(t, c, e, n)

	before := srv.Emulator.Stats()
	start := time.Now()
	if err := e.DeleteInBatches(t.Context(), ids, lifecycle.DeleteOptions{Wait: true}); err != nil {
		t.Fatalf("DeleteInstances: %v", err)
	}
	wall := time.Since(start)
	after := srv.Emulator.Stats()
	dels := requestDelta(after, before, "DeleteInstances")
	lists := requestDelta(after, before, "ListInstances")
	shows := requestDelta(after, before, "ShowInstanceStatus")
	perInstance := float64(dels+lists+shows) / n
	t.Logf("fleet of %d, delete %v: wall %v, %d batch-delete, %d list, %d status calls; %.3f calls/instance",
		n, deleteDuration, wall.Round(time.Millisecond), dels, lists, shows, perInstance)
	if dels != 20 {
		t.Errorf("%d batch-delete calls, want 20", dels)
	}
	if perInstance > 0.15 {
		t.Errorf("%.3f calls per instance, target ≤ 0.15", perInstance)
	}
	// Generous: -race on a shared 2-core machine slows the 20 calls down;
	// a schedule ignoring PollMax would still blow it.
	if wall > deleteDuration+3*time.Second {
		t.Errorf("wall %v, want close to the %v deletion", wall, deleteDuration)
	}
	if got := after.Instances[clouddc.StateTerminated]; got != n {
		t.Errorf("%d instances terminated, want %d", got, n)
	}
}

func TestEmulatorConcurrentBatchDeletes(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 instances against the emulator")
	}
	// Like 20 clouddc_instances_batch_delete resources of 50 destroyed with
	// -parallelism=20: 20 concurrent DeleteInstances calls share the poller.
	const n, parts = 1000, 20
	deleteDuration := 300 * time.Millisecond
	srv, c := startEmulator(t, n, deleteDuration)
	e := lifecycle.NewEngine(c, lifecycle.Options{Optimize: true, PollInitial: 50 * time.Millisecond, PollMax: 200 * time.Millisecond})
	ids := runFleet(t, c, e, n)
	before := srv.Emulator.Stats()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, parts)
	for i := range parts {
		part := ids[i*n/parts : (i+1)*n/parts]
		wg.Go(func() { errs[i] = e.DeleteInBatches(t.Context(), part, lifecycle.DeleteOptions{Wait: true}) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	after := srv.Emulator.Stats()
	dels := requestDelta(after, before, "DeleteInstances")
	lists := requestDelta(after, before, "ListInstances")
	perInstance := float64(dels+lists) / n
	t.Logf("%d callers × %d: wall %v, %d batch-delete, %d list calls; %.3f calls/instance",
		parts, n/parts, wall.Round(time.Millisecond), dels, lists, perInstance)
	if dels != parts {
		t.Errorf("%d batch-delete calls, want %d", dels, parts)
	}
	if perInstance > 0.2 {
		t.Errorf("%.3f calls per instance, target ≤ 0.2", perInstance)
	}
}

func TestEmulatorConcurrentDeleteInstanceOnOff(t *testing.T) {
	const n = 200
	for _, optimize := range []bool{true, false} {
		srv, c := startEmulator(t, n, 200*time.Millisecond)
		e := lifecycle.NewEngine(c, lifecycle.Options{Optimize: optimize, PollInitial: 50 * time.Millisecond, PollMax: 200 * time.Millisecond})
		ids := runFleet(t, c, e, n)
		before := srv.Emulator.Stats()
		start := time.Now()
		// Like terraform -parallelism=50: at most 50 deletes at a time.
		sem := make(chan struct{}, 50)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for _, id := range ids {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				if err := e.DeleteAndWait(t.Context(), id); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("optimize=%v: %v", optimize, err)
		}
		wall := time.Since(start)

		// A refresh of every instance, 10 at a time (terraform's default parallelism).
		refreshBefore := srv.Emulator.Stats()
		rsem := make(chan struct{}, 10)
		for _, id := range ids {
			rsem <- struct{}{}
			wg.Go(func() {
				defer func() { <-rsem }()
				if _, err := e.GetInstances(context.WithoutCancel(t.Context()), []string{id}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		after := srv.Emulator.Stats()
		dels := requestDelta(refreshBefore, before, "DeleteInstances") + requestDelta(refreshBefore, before, "DeleteInstance")
		status := requestDelta(refreshBefore, before, "ListInstances") + requestDelta(refreshBefore, before, "ShowInstanceStatus")
		refresh := requestDelta(after, refreshBefore, "ListInstances")
		t.Logf("optimize=%v: %d concurrent DeleteInstance: wall %v, %d delete calls, %d status/list calls while waiting; refresh: %d list calls",
			optimize, n, wall.Round(time.Millisecond), dels, status, refresh)
		if optimize {
			if dels > 10 {
				t.Errorf("%d delete calls for %d instances, target ≤ 10", dels, n)
			}
			if float64(refresh)/n > 0.2 {
				t.Errorf("refresh made %d list calls for %d instances, target ≤ 0.2 per instance", refresh, n)
			}
		} else if dels != n {
			t.Errorf("optimizations off: %d delete calls, want one per instance (%d)", dels, n)
		}
	}
}
