package emulator_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

// TestStateFileRestart closes an emulator with work in progress and opens
// its state file again: instances, servers and pending transitions are
// all there, and the transitions finish by the clock.
func TestStateFileRestart(t *testing.T) {
	clock := newFakeClock()
	cfg := emulator.Config{StateFile: t.TempDir() + "/state.db", Servers: 4, CreateDuration: time.Minute,
		DeleteDuration: time.Minute, Now: clock.Now}
	a := newAPI(t, cfg)
	keep, gone, fresh := a.create("keep"), a.create("gone"), ""
	clock.Advance(time.Minute)
	a.mustDo("DELETE", "/instances/"+gone, nil, http.StatusNoContent, nil)
	fresh = a.create("fresh")
	_, _, serversBefore := a.do("GET", "/physicalservers", nil)
	if err := a.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}

	b := newAPI(t, cfg)
	for id, want := range map[string]string{keep: "running", gone: "shutting-down", fresh: "pending"} {
		if s := b.status(id); s.State != want {
			t.Fatalf("after restart %s is %q, want %q", id, s.State, want)
		}
	}
	if _, _, serversAfter := b.do("GET", "/physicalservers", nil); string(serversAfter) != string(serversBefore) {
		t.Fatalf("servers changed across the restart:\n%s\n%s", serversBefore, serversAfter)
	}
	clock.Advance(time.Minute)
	if s := b.status(gone); s.State != "terminated" {
		t.Fatalf("deletion did not finish after the restart: %q", s.State)
	}
	if s := b.status(fresh); s.State != "running" {
		t.Fatalf("creation did not finish after the restart: %q", s.State)
	}

	// A reset is durable too.
	b.mustDo("POST", b.srv.URL+"/_emulator/reset", nil, http.StatusOK, nil)
	if err := b.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	c := newAPI(t, cfg)
	status, _, data := c.do("GET", "/instances/"+keep+"/status", nil)
	wantError(t, status, data, http.StatusNotFound, "iMetal.0200")
}

func TestStateFileLocked(t *testing.T) {
	file := t.TempDir() + "/state.db"
	newAPI(t, emulator.Config{StateFile: file})
	_, err := emulator.New(emulator.Config{StateFile: file})
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second emulator on the same state file: %v, want a locked error", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  emulator.Config
		want string
	}{
		{"AK without SK", emulator.Config{AccessKey: "ak"}, "together"},
		{"negative servers", emulator.Config{Servers: -1}, "servers"},
		{"negative duration", emulator.Config{CreateDuration: -time.Second}, "create duration"},
		{"fault rate above 1", emulator.Config{FaultRate: 1.5}, "fault rate"},
		{"negative rate limit", emulator.Config{RateLimit: -1}, "rate limit"},
		{"project with slash", emulator.Config{ProjectID: "a/b"}, "project ID"},
		{"unwritable state file", emulator.Config{StateFile: "/nonexistent-dir/state.db"}, "state file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := emulator.New(tt.cfg)
			if err == nil {
				_ = e.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
