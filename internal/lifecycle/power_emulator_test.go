package lifecycle_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// startServerEmulator starts an emulator whose power changes take one
// minute of its clock, and returns a client and the IDs of n ready servers.
func startServerEmulator(t *testing.T, n int) (*emulatortest.Server, *clouddc.Client, *emulatortest.StepClock, []string) {
	t.Helper()
	clock := emulatortest.NewStepClock()
	srv := emulatortest.Start(t, emulator.Config{Servers: n + 2, PowerDuration: time.Minute, Now: clock.Now, Seed: 11})
	c, err := clouddc.NewClient(clouddc.Config{
		Endpoint: srv.URL, ProjectID: srv.Config.ProjectID, AuthToken: srv.Config.Token,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for s, err := range c.AllServers(t.Context(), clouddc.ListServersRequest{ManageState: clouddc.ManageStateReady}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) < n {
			ids = append(ids, s.ID)
		}
	}
	return srv, c, clock, ids
}

// TestEmulatorPowerWaitOnOperationState runs WaitForPowerState against the
// emulator's model (SDK 0.1.190 and later): power_state stays on or off
// while operation_state shows the change, and a reboot goes on → off → on.
// The emulator's clock moves half a power change after each poll round.
func TestEmulatorPowerWaitOnOperationState(t *testing.T) {
	_, c, clock, ids := startServerEmulator(t, 3)
	for _, tt := range []struct {
		action     string
		seen       []string // power_state of ids[0] at each round
		processing string
		final      string
	}{
		{clouddc.PowerActionOff, []string{"on", "on", "off"}, clouddc.ServerOpPowerOffProcessing, clouddc.ServerOpPowerOffSucceed},
		{clouddc.PowerActionOn, []string{"off", "off", "on"}, clouddc.ServerOpPowerOnProcessing, clouddc.ServerOpPowerOnSucceed},
		{clouddc.PowerActionReboot, []string{"on", "off", "on"}, clouddc.ServerOpRebootProcessing, clouddc.ServerOpRebootSucceed},
	} {
		t.Run(tt.action, func(t *testing.T) {
			if _, err := c.ChangeServerPowerState(t.Context(), &clouddc.ChangeServerPowerStateRequest{Action: tt.action, ServerIDSet: ids}); err != nil {
				t.Fatal(err)
			}
			var snaps []lifecycle.PowerProgress
			var seen []string
			err := lifecycle.WaitForPowerState(t.Context(), c, ids, tt.action, lifecycle.PowerWaitOptions{
				PollInitial: time.Millisecond, PollMax: time.Millisecond,
				OnProgress: func(p lifecycle.PowerProgress) {
					snaps = append(snaps, p)
					if s, err := c.ShowServer(t.Context(), ids[0]); err == nil {
						seen = append(seen, s.PowerState)
					}
					clock.Advance(30 * time.Second)
				},
			})
			if err != nil {
				t.Fatalf("WaitForPowerState: %v", err)
			}
			if !slices.Equal(seen, tt.seen) {
				t.Errorf("power_state round by round %v, want %v", seen, tt.seen)
			}
			if len(snaps) != 3 || snaps[0].Counts[tt.processing] != 3 || snaps[1].Counts[tt.processing] != 3 || snaps[2].Done != 3 {
				t.Errorf("snapshots %+v: want two rounds of 3 %s, then 3 done", snaps, tt.processing)
			}
			for _, id := range ids {
				s, err := c.ShowServer(t.Context(), id)
				if err != nil || s.OperationState != tt.final || s.FrozenState == nil || *s.FrozenState != 0 {
					t.Errorf("server %s after the wait: %+v, %v; want %s and frozen_state 0", id, s, err, tt.final)
				}
			}
		})
	}
}

// TestEmulatorPowerWaitNamesFailures injects power failures and freezes a
// server: the wait names every server whose change failed, and a frozen
// server is refused up front with 400 iMetal.0101.
func TestEmulatorPowerWaitNamesFailures(t *testing.T) {
	srv, c, clock, ids := startServerEmulator(t, 2)
	srv.Emulator.SetFaults(emulator.Faults{PowerFailureRate: ptrFloat(1)})
	if _, err := c.ChangeServerPowerState(t.Context(), &clouddc.ChangeServerPowerStateRequest{Action: clouddc.PowerActionReboot, ServerIDSet: ids}); err != nil {
		t.Fatal(err)
	}
	err := lifecycle.WaitForPowerState(t.Context(), c, ids, clouddc.PowerActionReboot, lifecycle.PowerWaitOptions{
		PollInitial: time.Millisecond, PollMax: time.Millisecond,
		OnProgress: func(lifecycle.PowerProgress) { clock.Advance(time.Minute) },
	})
	var pe *lifecycle.PowerError
	if !errors.As(err, &pe) || len(pe.Failed) != 2 || len(pe.Pending) != 0 || pe.Cause != nil {
		t.Fatalf("want a PowerError naming both servers, got %v", err)
	}
	for _, id := range ids {
		if !strings.Contains(err.Error(), id+" (power_state: off, operation_state: reboot-failed)") {
			t.Errorf("error does not say how %s failed: %v", id, err)
		}
	}

	if err := srv.Emulator.SetServerState(ids[0], emulator.ServerState{FrozenState: ptrInt(clouddc.FrozenForArrears)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ChangeServerPowerState(t.Context(), &clouddc.ChangeServerPowerStateRequest{Action: clouddc.PowerActionOn, ServerIDSet: ids})
	var ae *clouddc.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != "iMetal.0101" || !strings.Contains(ae.Message, ids[0]) {
		t.Fatalf("power on a frozen server: %v, want 400 iMetal.0101 naming it", err)
	}
	s, err := c.ShowServer(t.Context(), ids[0])
	if err != nil || !s.Frozen() || *s.FrozenState != clouddc.FrozenForArrears || s.ManageState != clouddc.ManageStateReady {
		t.Fatalf("frozen server %+v, %v: want ready with frozen_state 4", s, err)
	}
}

func ptrFloat(v float64) *float64 { return &v }
func ptrInt(v int) *int           { return &v }
