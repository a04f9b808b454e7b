package emulator

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// backend is the emulator's model of CloudDC: the state, its store, and
// one method per API operation that takes a typed request and returns a
// typed result or an *apiError. It knows nothing of HTTP (the front end in
// router.go and handlers.go decodes requests and encodes answers), so
// tests and other front ends can call it directly.
//
// Every operation reads the state through view or changes it through
// update; nothing else takes the locks or writes the store.
type backend struct {
	projectID     string
	terminatedTTL time.Duration
	tokenTTL      time.Duration
	timings       timings
	seed          uint64
	now           func() time.Time
	log           *slog.Logger
	// chaos makes the random choices: which server an instance lands on,
	// which deletion fails.
	chaos *chaos
	// tokenKey signs issued tokens; it is set at start and never changes.
	tokenKey []byte

	// wmu serialises writers: update holds it from its first read to the
	// end of its commit, so a writer may read st without mu. mu guards st
	// against readers and is held only to apply a commit, so reads never
	// wait for the state file's fsync.
	wmu   sync.Mutex
	mu    sync.RWMutex
	st    *state
	store store
}

// reader is a read-only view of the state at one instant. Records come as
// they are at now: due transitions applied, expired instances hidden.
type reader struct {
	st  *state
	now time.Time
	ttl time.Duration
}

// instance returns the instance id; ok is false when it does not exist
// or has expired.
func (r reader) instance(id string) (instanceRecord, bool) {
	return r.st.instance(id, r.now, r.ttl)
}

// server returns the server id.
func (r reader) server(id string) (serverRecord, bool) {
	return r.st.server(id, r.now)
}

// instanceIDs returns every instance ID in ID (creation) order, expired
// ones included. The caller must not modify it.
func (r reader) instanceIDs() []string { return r.st.instanceIDs }

// serverIDs returns every server ID in ID order. The caller must not modify it.
func (r reader) serverIDs() []string { return r.st.serverIDs }

// readyServers returns the IDs of servers that can take an instance.
func (r reader) readyServers() []string { return r.st.readyServers(r.now) }

// instances returns the instances ids, or 404 naming every unknown one.
func (r reader) instances(ids []string) ([]instanceRecord, error) {
	recs := make([]instanceRecord, 0, len(ids))
	var unknown []string
	for _, id := range ids {
		rec, ok := r.instance(id)
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		recs = append(recs, rec)
	}
	if len(unknown) > 0 {
		return nil, errInstancesNotFound(unknown)
	}
	return recs, nil
}

// writer is a reader that also stages changes. Staged changes are
// invisible to its own reads: an operation reads what it needs, then
// stages what it writes. update stores them all at once, or none.
type writer struct {
	reader
	ch       changes
	onCommit []func()
}

func (w *writer) putInstance(r instanceRecord) { w.ch.instances = append(w.ch.instances, r) }
func (w *writer) putServer(s serverRecord)     { w.ch.servers = append(w.ch.servers, s) }
func (w *writer) deleteInstance(id string)     { w.ch.deleteInstances = append(w.ch.deleteInstances, id) }

// afterCommit runs fn once the staged changes are stored and applied,
// still under the write lock; it does not run when the update fails.
func (w *writer) afterCommit(fn func()) { w.onCommit = append(w.onCommit, fn) }

// replaceAll stages dropping every instance and server and storing servers
// instead (a reset).
func (w *writer) replaceAll(servers []serverRecord) {
	w.ch = changes{reset: true, servers: servers}
}

// view runs fn on the state under the read lock. fn must not keep the
// reader or anything it returns that aliases the state's slices.
func (b *backend) view(fn func(r reader) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return fn(reader{st: b.st, now: b.now(), ttl: b.terminatedTTL})
}

// update runs fn with the write lock held and then commits what it staged:
// first to the store (with fsync when there is a state file), then to
// memory, so nothing is visible before it is durable. If fn fails nothing
// is stored; if the store fails, memory keeps the state from before the
// call and update answers 500 iMetal.0099.
func (b *backend) update(fn func(w *writer) error) error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	w := &writer{reader: reader{st: b.st, now: b.now(), ttl: b.terminatedTTL}}
	if err := fn(w); err != nil {
		return err
	}
	if err := b.commit(&w.ch); err != nil {
		return err
	}
	for _, f := range w.onCommit {
		f()
	}
	return nil
}

// commit stores c and then applies it to memory. The caller holds b.wmu.
func (b *backend) commit(c *changes) error {
	if c.empty() {
		return nil
	}
	if err := b.store.save(c); err != nil {
		b.log.Error("state file write failed; the request changed nothing", "error", err)
		return errInternal("the emulator could not write its state file")
	}
	b.mu.Lock()
	b.st.apply(c)
	b.mu.Unlock()
	return nil
}

// load fills memory from the store, seeding servers into an empty one, and
// loads (or makes) the key that signs issued tokens. It runs before the
// backend serves anything.
func (b *backend) load(servers int) error {
	instances, stored, err := b.store.load()
	if err != nil {
		return err
	}
	if len(stored) == 0 && len(instances) == 0 {
		stored = seedServers(servers, b.seed)
		if err := b.store.save(&changes{servers: stored}); err != nil {
			return fmt.Errorf("seed servers: %w", err)
		}
	}
	b.st = newState()
	for _, s := range stored {
		b.st.putServer(upgradeLegacyPower(s))
	}
	for _, r := range instances {
		b.st.putInstance(r)
	}
	key, err := b.store.meta("token-key")
	if err != nil {
		return fmt.Errorf("load token key: %w", err)
	}
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := io.ReadFull(rand.Reader, key); err != nil {
			return fmt.Errorf("make token key: %w", err)
		}
		if err := b.store.putMeta("token-key", key); err != nil {
			return fmt.Errorf("store token key: %w", err)
		}
	}
	b.tokenKey = key
	return nil
}

// reset drops every instance and re-seeds the servers and the random
// source; then, still under the write lock, it runs then (which restores
// what the front end keeps: faults, statistics).
func (b *backend) reset(servers int, then func()) error {
	return b.update(func(w *writer) error {
		w.replaceAll(seedServers(servers, b.seed))
		w.afterCommit(func() { b.chaos.reseed(b.seed) })
		if then != nil {
			w.afterCommit(then)
		}
		return nil
	})
}

// purgeExpired deletes terminated instances past their TTL from memory and
// the store (lookups hide them already).
func (b *backend) purgeExpired() error {
	return b.update(func(w *writer) error {
		for _, id := range w.st.expiredInstances(w.now, w.ttl) {
			w.deleteInstance(id)
		}
		return nil
	})
}

// countInstances returns the number of visible instances per state.
func (b *backend) countInstances() map[string]int64 {
	counts := map[string]int64{}
	_ = b.view(func(r reader) error {
		for _, rec := range r.st.instances {
			rec = rec.at(r.now)
			if !rec.expired(r.now, r.ttl) {
				counts[rec.State]++
			}
		}
		return nil
	})
	return counts
}

// close waits for a write in progress and closes the store.
func (b *backend) close() error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	return b.store.close()
}
