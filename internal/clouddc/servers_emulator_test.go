package clouddc_test

import (
	"slices"
	"testing"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// startServerEmulator starts an emulator with n+2 servers and returns a
// client and the IDs of n ready servers.
func startServerEmulator(t *testing.T, n int) (*emulatortest.Server, *clouddc.Client, []string) {
	t.Helper()
	srv := emulatortest.Start(t, emulator.Config{Servers: n + 2, Seed: 11})
	c := emulatorClient(t, srv, false)
	var ids []string
	for s, err := range c.AllServers(t.Context(), clouddc.ListServersRequest{ManageState: clouddc.ManageStateReady}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) < n {
			ids = append(ids, s.ID)
		}
	}
	return srv, c, ids
}

// TestEmulatorServerStatusAndManageStates reads ShowServerStatus and lists
// servers by the manage states of SDK 0.1.189 and later.
func TestEmulatorServerStatusAndManageStates(t *testing.T) {
	srv, c, ids := startServerEmulator(t, 3)
	for id, st := range map[string]emulator.ServerState{
		ids[0]: {ManageState: ptrString(clouddc.ManageStateMaintain), HealthState: ptrString("Critical")},
		ids[1]: {ManageState: ptrString(clouddc.ManageStateOSReady)},
		ids[2]: {FrozenState: ptrInt(clouddc.FrozenByPolice)},
	} {
		if err := srv.Emulator.SetServerState(id, st); err != nil {
			t.Fatal(err)
		}
	}
	for state, want := range map[string][]string{
		clouddc.ManageStateMaintain: {ids[0]},
		clouddc.ManageStateOSReady:  {ids[1]},
		clouddc.ManageStateFrozen:   {ids[2]},
	} {
		var got []string
		for s, err := range c.AllServers(t.Context(), clouddc.ListServersRequest{ManageState: state}) {
			if err != nil {
				t.Fatalf("ListServers %s: %v", state, err)
			}
			got = append(got, s.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("ListServers manage_state=%s: %v, want %v", state, got, want)
		}
	}
	st, err := c.ShowServerStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if h := st.ServerStatus; h.Total.Count != 5 || h.UnHealth.Count != 1 || h.Critical.Count != 1 || h.Isolation.Count != 2 {
		t.Errorf("server_status %+v: want 5 servers, 1 unhealthy and critical, 2 isolated", h)
	}
	if st.ServerPowerStatus.On != 5 || st.ServerManageState[clouddc.ManageStateReady] != 3 || st.ServerManageState[clouddc.ManageStateMaintain] != 1 {
		t.Errorf("power %+v, manage states %v", st.ServerPowerStatus, st.ServerManageState)
	}
}

func ptrInt(v int) *int          { return &v }
func ptrString(v string) *string { return &v }
