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
	e.wmu.Lock()
	apiErr := e.commit(&changes{instances: []instanceRecord{rec, live}})
	e.wmu.Unlock()
	if apiErr != nil {
		t.Fatal(apiErr)
	}
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		e.mu.RLock()
		_, present := e.st.instances[rec.ID]
		n := len(e.st.instances)
		e.mu.RUnlock()
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
	stored, _, err := e.store.load()
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].ID != live.ID {
		t.Fatalf("state file holds %v, want only the running instance", stored)
	}
}
