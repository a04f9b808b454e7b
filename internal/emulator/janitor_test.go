package emulator

import (
	"testing"
	"time"
)

// TestJanitorPurgesExpired checks that terminated instances past their TTL
// leave memory and the state file, not just the answers.
func TestJanitorPurgesExpired(t *testing.T) {
	e, err := New(Config{Servers: 2, TerminatedTTL: 20 * time.Millisecond, StateFile: t.TempDir() + "/s.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	now := time.Now()
	rec := instanceRecord{ID: "0198170e-4ca7-7ee4-89a7-fa631843920b", State: stateTerminated, CreatedAt: now, UpdatedAt: now}
	live := instanceRecord{ID: "0198170e-4ca7-7ee4-89a7-fa631843920c", State: stateRunning, CreatedAt: now, UpdatedAt: now}
	err = e.backend.update(func(w *writer) error {
		w.putInstance(rec)
		w.putInstance(live)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var present bool
		var n int
		_ = e.backend.view(func(r reader) error {
			_, present = r.st.instances[rec.ID]
			n = len(r.st.instances)
			return nil
		})
		if !present {
			if n != 1 {
				t.Fatalf("%d instances left, want the running one", n)
			}
			break
		}
		select {
		case <-deadline.C:
			t.Fatal("expired instance not purged within 5s")
		case <-tick.C:
		}
	}
	stored, _, err := e.backend.store.load()
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].ID != live.ID {
		t.Fatalf("state file holds %v, want only the running instance", stored)
	}
}
