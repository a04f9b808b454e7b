package emulator_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

func TestInstanceLifecycle(t *testing.T) {
	clock := emulatortest.NewStepClock()
	a := newAPI(t, emulator.Config{Servers: 3, CreateDuration: time.Minute, DeleteDuration: 2 * time.Minute,
		TerminatedTTL: 10 * time.Minute, Now: clock.Now})

	id := a.create("bm-01")
	if s := a.status(id); s.State != "pending" || s.OperationState != "install-processing" {
		t.Fatalf("after create: %+v, want pending/install-processing", s)
	}
	var servers struct {
		Servers []struct {
			ID          string `json:"id"`
			ManageState string `json:"manage_state"`
		} `json:"servers"`
		Count int `json:"count"`
	}
	a.mustDo("GET", "/physicalservers?manage_state=in-use", nil, http.StatusOK, &servers)
	if servers.Count != 1 {
		t.Fatalf("in-use servers after create: %d, want 1", servers.Count)
	}
	serverID := servers.Servers[0].ID

	clock.Advance(59 * time.Second)
	if s := a.status(id); s.State != "pending" {
		t.Fatalf("before create duration: %q, want pending", s.State)
	}
	clock.Advance(time.Second)
	if s := a.status(id); s.State != "running" || s.OperationState != "install-succeed" {
		t.Fatalf("after create duration: %+v, want running/install-succeed", s)
	}
	var list struct {
		Instances []struct {
			ID         string `json:"id"`
			ServerID   string `json:"server_id"`
			LaunchedAt string `json:"launched_at"`
			CreatedAt  string `json:"created_at"`
		} `json:"instances"`
	}
	a.mustDo("GET", "/instances?instance_id="+id, nil, http.StatusOK, &list)
	if len(list.Instances) != 1 || list.Instances[0].ServerID != serverID {
		t.Fatalf("list: %+v, want the instance on server %s", list, serverID)
	}
	launched, err := time.Parse(time.RFC3339, list.Instances[0].LaunchedAt)
	if err != nil || !launched.Equal(clock.Now()) {
		t.Fatalf("launched_at %q, want %s (err %v)", list.Instances[0].LaunchedAt, clock.Now().Format(time.RFC3339), err)
	}

	a.mustDo("DELETE", "/instances/"+id, nil, http.StatusNoContent, nil)
	if s := a.status(id); s.State != "shutting-down" || s.OperationState != "uninstall-processing" {
		t.Fatalf("after delete: %+v, want shutting-down/uninstall-processing", s)
	}
	clock.Advance(2 * time.Minute)
	if s := a.status(id); s.State != "terminated" || s.OperationState != "uninstall-succeed" {
		t.Fatalf("after delete duration: %+v, want terminated/uninstall-succeed", s)
	}
	var srv struct {
		ManageState string `json:"manage_state"`
	}
	a.mustDo("GET", "/physicalservers/"+serverID, nil, http.StatusOK, &srv)
	if srv.ManageState != "ready" {
		t.Fatalf("server after termination: %q, want ready", srv.ManageState)
	}

	clock.Advance(10*time.Minute - time.Second)
	a.status(id) // still visible just before the TTL
	clock.Advance(time.Second)
	status, _, data := a.do("GET", "/instances/"+id+"/status", nil)
	wantError(t, status, data, http.StatusNotFound, "iMetal.0200", "Instances not found: ["+id+"]")
}

func TestRealClockLifecycle(t *testing.T) {
	a := newAPI(t, emulator.Config{})
	id := a.create("bm-real")
	a.waitState(id, "running")
	var resp struct {
		Instances []struct {
			ID string `json:"id"`
		} `json:"instances"`
	}
	a.mustDo("POST", "/instances/batch-delete", map[string]any{"instance_id_set": []string{id}}, http.StatusAccepted, &resp)
	if len(resp.Instances) != 1 || resp.Instances[0].ID != id {
		t.Fatalf("batch-delete answer %+v, want [%s]", resp, id)
	}
	a.waitState(id, "terminated")
	st := a.srv.Emulator.Stats()
	if st.Instances["terminated"] != 1 || st.Requests["DeleteInstances"] != 1 || st.Requests["CreateInstance"] != 1 {
		t.Fatalf("stats %+v: want 1 terminated instance, 1 CreateInstance and 1 DeleteInstances", st)
	}
}
