package clouddc_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// These tests run the client against the in-process emulator, an
// independent implementation of the same API documentation: they check that
// the two agree on paths, bodies, status codes, errors and AK/SK signatures.

const (
	emuAK       = "EMUACCESSKEY0001"
	emuSK       = "emu-secret-key-0001"
	emuPassword = "Passw0rd!x"
)

func emulatorClient(t *testing.T, srv *emulatortest.Server, aksk bool, mutate ...func(*clouddc.Config)) *clouddc.Client {
	t.Helper()
	cfg := clouddc.Config{
		Endpoint:     srv.URL,
		ProjectID:    srv.Config.ProjectID,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 10 * time.Millisecond,
	}
	if aksk {
		cfg.AccessKey, cfg.SecretKey = emuAK, emuSK
	} else {
		cfg.AuthToken = srv.Config.Token
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := clouddc.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitForState polls ShowInstanceStatus until id reaches state.
func waitForState(t *testing.T, c *clouddc.Client, id, state string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := c.ShowInstanceStatus(ctx, id)
		if err != nil {
			t.Fatalf("ShowInstanceStatus(%s): %v", id, err)
		}
		if st.State == state {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("instance %s still %s, want %s", id, st.State, state)
		case <-tick.C:
		}
	}
}

func TestEmulatorLifecycle(t *testing.T) {
	for _, mode := range []string{"token", "aksk"} {
		t.Run(mode, func(t *testing.T) {
			srv := emulatortest.Start(t, emulator.Config{AccessKey: emuAK, SecretKey: emuSK, Servers: 12, Seed: 1})
			c := emulatorClient(t, srv, mode == "aksk")
			ctx := t.Context()

			var ready []string
			for s, err := range c.AllServers(ctx, clouddc.ListServersRequest{ManageState: clouddc.ManageStateReady, Limit: 10}) {
				if err != nil {
					t.Fatal(err)
				}
				ready = append(ready, s.ID)
			}
			if len(ready) != 12 {
				t.Fatalf("%d ready servers over all pages, want 12", len(ready))
			}
			server, err := c.ShowServer(ctx, ready[0])
			if err != nil || server.ID != ready[0] {
				t.Fatalf("ShowServer: %+v, %v", server, err)
			}

			created, err := c.CreateInstance(ctx, &clouddc.CreateInstanceRequest{
				Name: "bm-01", ImageID: "img", VpcID: "vpc", Password: emuPassword,
				NetworkInterfaces: []clouddc.NetworkInterface{{SubnetID: "subnet"}},
				Placement:         &clouddc.CreateInstancePlacement{ServerID: ready[0]},
			})
			if err != nil {
				t.Fatalf("CreateInstance: %v", err)
			}
			two := int32(2)
			run, err := c.RunInstances(ctx, &clouddc.RunInstancesRequest{
				Name: "bm", ImageID: "img", VpcID: "vpc", Password: emuPassword,
				NetworkInterfaces: []clouddc.RunInstancesNetworkInterface{{SubnetID: "subnet"}},
				MinCount:          &two, MaxCount: &two,
			})
			if err != nil || len(run.Instances) != 2 {
				t.Fatalf("RunInstances: %+v, %v", run, err)
			}
			ids := []string{created.InstanceID, run.Instances[0].ID, run.Instances[1].ID}
			for _, id := range ids {
				waitForState(t, c, id, clouddc.StateRunning)
			}

			var listed []string
			for inst, err := range c.AllInstances(ctx, clouddc.ListInstancesRequest{InstanceIDs: ids, InstanceState: clouddc.StateRunning}) {
				if err != nil {
					t.Fatal(err)
				}
				listed = append(listed, inst.ID)
			}
			slices.Sort(listed)
			want := slices.Sorted(slices.Values(ids))
			if !slices.Equal(listed, want) {
				t.Errorf("AllInstances listed %v, want %v", listed, want)
			}

			if _, err := c.ChangeInstancePassword(ctx, &clouddc.ChangeInstancePasswordRequest{
				NewPassword: "N3w-Passw0rd", InstanceIDSet: ids[:1],
			}); err != nil {
				t.Errorf("ChangeInstancePassword: %v", err)
			}

			missing := "01980000-0000-7000-8000-000000000000"
			_, err = c.DeleteInstances(ctx, []string{ids[1], missing})
			if !clouddc.IsNotFound(err) || !slices.Equal(clouddc.NotFoundIDs(err), []string{missing}) {
				t.Fatalf("batch delete with an unknown ID: %v (IDs %v)", err, clouddc.NotFoundIDs(err))
			}
			if _, err := c.DeleteInstances(ctx, ids[1:]); err != nil {
				t.Fatalf("DeleteInstances: %v", err)
			}
			if err := c.DeleteInstance(ctx, ids[0]); err != nil {
				t.Fatalf("DeleteInstance: %v", err)
			}
			for _, id := range ids {
				waitForState(t, c, id, clouddc.StateTerminated)
			}
			if _, err := c.ShowInstanceStatus(ctx, missing); !clouddc.IsNotFound(err) {
				t.Errorf("status of an unknown instance: %v", err)
			}
		})
	}
}

func TestEmulatorRejectsWrongSecret(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{AccessKey: emuAK, SecretKey: emuSK})
	c := emulatorClient(t, srv, true, func(cfg *clouddc.Config) { cfg.SecretKey = "wrong" })
	_, err := c.ListInstances(t.Context(), nil)
	var apiErr *clouddc.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.Attempts != 1 {
		t.Fatalf("wrong secret key: %v", err)
	}
	if apiErr.RequestID == "" {
		t.Error("the emulator's X-Request-Id is missing from the error")
	}
}

func TestEmulatorFaults(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{FaultRate: 0.3, Seed: 7})
	c := emulatorClient(t, srv, false, func(cfg *clouddc.Config) {
		cfg.MaxRetries = 10
		// Retry-After is honoured up to RetryWaitMax; the emulator asks for
		// a second or two.
		cfg.RetryWaitMax = 3 * time.Second
	})
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, err := c.ListInstances(t.Context(), &clouddc.ListInstancesRequest{Limit: 10}); err != nil {
				t.Errorf("ListInstances through injected faults: %v", err)
			}
		})
	}
	wg.Wait()
	st := srv.Emulator.Stats()
	if st.Responses["500"] == 0 || st.Responses["200"] != 30 {
		t.Errorf("responses %v: want some 500s retried into 30 successes", st.Responses)
	}
}

func TestEmulatorThrottling(t *testing.T) {
	// One request per second, burst 1: of three concurrent calls two are
	// throttled and must come back after the emulator's Retry-After.
	srv := emulatortest.Start(t, emulator.Config{RateLimit: 1})
	c := emulatorClient(t, srv, false, func(cfg *clouddc.Config) {
		cfg.MaxRetries = 10
		// Retry-After is honoured up to RetryWaitMax; the emulator asks for
		// a second or two.
		cfg.RetryWaitMax = 3 * time.Second
	})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := c.ListServers(t.Context(), nil); err != nil {
				t.Errorf("ListServers through throttling: %v", err)
			}
		})
	}
	wg.Wait()
	st := srv.Emulator.Stats()
	if st.Responses["429"] == 0 || st.Responses["200"] != 3 {
		t.Errorf("responses %v: want 429s retried into 3 successes", st.Responses)
	}
}

func TestEmulatorClientRateLimitAvoidsThrottling(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{RateLimit: 5})
	c := emulatorClient(t, srv, false, func(cfg *clouddc.Config) {
		cfg.RequestsPerSecond = 4
		cfg.MaxRetries = clouddc.NoRetries
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.ListServers(t.Context(), nil); err != nil {
				t.Errorf("ListServers under the client-side limit: %v", err)
			}
		})
	}
	wg.Wait()
	if st := srv.Emulator.Stats(); st.Responses["429"] != 0 || st.Responses["200"] != 8 {
		t.Errorf("responses %v: the client-side limit should have kept every request under the server's", st.Responses)
	}
}
