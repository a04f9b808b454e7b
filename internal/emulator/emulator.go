package emulator

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults used where a Config field is zero.
const (
	// DefaultProjectID is the project served when Config.ProjectID is empty.
	DefaultProjectID = "0123456789abcdef0123456789abcdef"
	// DefaultToken is the static token of the clouddc-emulator binary when
	// neither --token nor an AK/SK pair is given.
	DefaultToken = "emulator-token"
	// DefaultTerminatedTTL is how long terminated instances stay visible
	// when Config.TerminatedTTL is zero.
	DefaultTerminatedTTL = time.Hour
	// DefaultTokenTTL is how long tokens from POST /v3/auth/tokens are
	// valid when Config.TokenTTL is zero: 24 hours, as IAM's.
	DefaultTokenTTL = 24 * time.Hour
	// MaxClockSkew is how far X-Sdk-Date of an AK/SK-signed request may be
	// from the emulator's clock (the API gateway allows 15 minutes).
	MaxClockSkew = 15 * time.Minute
	// MaxBodyBytes is the largest request body accepted; larger ones get 413.
	MaxBodyBytes = 1 << 20
)

// Config configures an Emulator. The zero value of a field means "none" or
// "instant" unless its comment says otherwise.
type Config struct {
	// ProjectID is the one project served; other project IDs in a path get
	// 403 iMetal.0004. Empty means DefaultProjectID.
	ProjectID string
	// Token is a static token accepted in X-Auth-Token. Tokens issued by
	// POST /v3/auth/tokens are accepted as well. Empty means no static token.
	Token string
	// AccessKey and SecretKey are an AK/SK pair accepted on requests signed
	// with SDK-HMAC-SHA256. Both or neither must be set.
	AccessKey, SecretKey string
	// Servers is the number of ready physical servers seeded at start (and
	// on reset). With a StateFile that already holds servers, those are kept.
	Servers int
	// CreateDuration is how long instances stay pending (also for reinstall
	// and IP changes); DeleteDuration how long they stay shutting-down.
	CreateDuration, DeleteDuration time.Duration
	// TerminatedTTL is how long terminated instances stay visible before
	// lookups answer 404 iMetal.0200. Zero means DefaultTerminatedTTL.
	TerminatedTTL time.Duration
	// StateFile persists everything in a bbolt file; empty keeps all in memory.
	StateFile string
	// RateLimit is the most API requests per second (0 = unlimited); above
	// it requests get 429 with Retry-After.
	RateLimit float64
	// FaultRate is the share of API requests that fail with 500 iMetal.0099
	// before any side effect; DeleteFailureRate the share of deletions that
	// end in state error.
	FaultRate, DeleteFailureRate float64
	// Seed makes random choices (faults, server picks, seeded servers)
	// repeatable. Zero picks a random seed.
	Seed int64
	// Logger receives one structured record per request. Nil discards.
	Logger *slog.Logger

	// PowerDuration is how long a server power change takes. Zero means
	// CreateDuration.
	PowerDuration time.Duration
	// TokenTTL is how long issued tokens are valid. Zero means DefaultTokenTTL.
	TokenTTL time.Duration
	// Now is the emulator's clock, for tests. Nil means time.Now.
	Now func() time.Time
}

// Emulator is an in-process CloudDC API: an http.Handler serving the API
// paths under /v1/{project_id}/, token issuance at /v3/auth/tokens, and the
// admin endpoints under /_emulator/.
type Emulator struct {
	cfg      Config
	timings  timings
	seed     uint64
	now      func() time.Time
	log      *slog.Logger
	mux      *http.ServeMux
	tokenKey []byte
	chaos    *chaos
	stats    *stats

	// wmu serialises writers: a write operation holds it from its first
	// read to the end of its commit, so it may read st without mu. mu
	// guards st against readers and is held only to apply a commit, so
	// reads never wait for the state file's fsync.
	wmu   sync.Mutex
	mu    sync.RWMutex
	st    *state
	store store

	stopJanitor chan struct{}
	janitorDone chan struct{}
	closeOnce   sync.Once
	closeErr    error
}

// New returns an emulator for cfg. Close it to release the state file.
func New(cfg Config) (*Emulator, error) {
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	e := &Emulator{
		cfg:         cfg,
		timings:     timings{create: cfg.CreateDuration, delete: cfg.DeleteDuration, power: cfg.PowerDuration},
		now:         cfg.Now,
		log:         cfg.Logger,
		stats:       newStats(),
		st:          newState(),
		stopJanitor: make(chan struct{}),
		janitorDone: make(chan struct{}),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.seed = uint64(cfg.Seed)
	if cfg.Seed == 0 {
		e.seed = mrand.Uint64()
	}
	e.chaos = newChaos(e.seed, faultSettings{FaultRate: cfg.FaultRate, RateLimit: cfg.RateLimit, DeleteFailureRate: cfg.DeleteFailureRate})

	if cfg.StateFile != "" {
		bs, err := openBoltStore(cfg.StateFile)
		if err != nil {
			return nil, err
		}
		e.store = bs
	} else {
		e.store = &memStore{}
	}
	if err := e.loadState(); err != nil {
		_ = e.store.close()
		return nil, err
	}
	e.mux = e.routes()
	go e.janitor()
	return e, nil
}

func checkConfig(cfg *Config) error {
	if cfg.ProjectID == "" {
		cfg.ProjectID = DefaultProjectID
	}
	if strings.ContainsAny(cfg.ProjectID, "/?# ") {
		return fmt.Errorf("project ID %q: must not contain '/', '?', '#' or spaces", cfg.ProjectID)
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return errors.New("access key and secret key must be set together")
	}
	if cfg.Servers < 0 {
		return fmt.Errorf("servers must not be negative, got %d", cfg.Servers)
	}
	for name, d := range map[string]time.Duration{
		"create duration": cfg.CreateDuration, "delete duration": cfg.DeleteDuration,
		"terminated TTL": cfg.TerminatedTTL, "power duration": cfg.PowerDuration, "token TTL": cfg.TokenTTL,
	} {
		if d < 0 {
			return fmt.Errorf("%s must not be negative, got %s", name, d)
		}
	}
	for name, p := range map[string]float64{"fault rate": cfg.FaultRate, "delete failure rate": cfg.DeleteFailureRate} {
		if p < 0 || p > 1 {
			return fmt.Errorf("%s must be between 0 and 1, got %g", name, p)
		}
	}
	if cfg.RateLimit < 0 {
		return fmt.Errorf("rate limit must not be negative, got %g", cfg.RateLimit)
	}
	if cfg.TerminatedTTL == 0 {
		cfg.TerminatedTTL = DefaultTerminatedTTL
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.PowerDuration == 0 {
		cfg.PowerDuration = cfg.CreateDuration
	}
	return nil
}

// loadState fills memory from the store, seeding servers into an empty one,
// and loads (or makes) the key that signs issued tokens.
func (e *Emulator) loadState() error {
	instances, servers, err := e.store.load()
	if err != nil {
		return err
	}
	if len(servers) == 0 && len(instances) == 0 {
		servers = seedServers(e.cfg.Servers, e.seed)
		if err := e.store.save(&changes{servers: servers}); err != nil {
			return err
		}
	}
	for _, s := range servers {
		e.st.putServer(s)
	}
	for _, r := range instances {
		e.st.putInstance(r)
	}
	key, err := e.store.meta("token-key")
	if err != nil {
		return fmt.Errorf("load token key: %w", err)
	}
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := io.ReadFull(rand.Reader, key); err != nil {
			return fmt.Errorf("make token key: %w", err)
		}
		if err := e.store.putMeta("token-key", key); err != nil {
			return fmt.Errorf("store token key: %w", err)
		}
	}
	e.tokenKey = key
	return nil
}

// ServeHTTP serves the API and the admin endpoints.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", newRequestID())
	e.mux.ServeHTTP(w, r)
}

// Close stops background work and closes the state file.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		close(e.stopJanitor)
		<-e.janitorDone
		e.wmu.Lock()
		defer e.wmu.Unlock()
		e.closeErr = e.store.close()
	})
	return e.closeErr
}

// SetFaults changes the injected faults (as PUT /_emulator/faults does).
func (e *Emulator) SetFaults(f Faults) {
	e.chaos.update(f)
}

// Reset drops every instance, re-seeds the servers and the random source,
// restores the configured faults and clears the statistics.
func (e *Emulator) Reset() {
	if err := e.reset(); err != nil {
		e.log.Error("reset failed", "error", err)
	}
}

func (e *Emulator) reset() error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	servers := seedServers(e.cfg.Servers, e.seed)
	if err := e.store.replace(servers); err != nil {
		return err
	}
	st := newState()
	for _, s := range servers {
		st.putServer(s)
	}
	e.mu.Lock()
	e.st = st
	e.mu.Unlock()
	e.chaos.reseed(e.seed)
	e.chaos.set(faultSettings{FaultRate: e.cfg.FaultRate, RateLimit: e.cfg.RateLimit, DeleteFailureRate: e.cfg.DeleteFailureRate})
	e.stats.reset()
	return nil
}

// commit stores c and then applies it to memory, so nothing is visible
// before it is durable. The caller holds e.wmu.
func (e *Emulator) commit(c *changes) *apiError {
	if c.empty() {
		return nil
	}
	if err := e.store.save(c); err != nil {
		e.log.Error("state file write failed", "error", err)
		return errInternal("the emulator could not write its state file")
	}
	e.mu.Lock()
	e.st.apply(c)
	e.mu.Unlock()
	return nil
}

// janitor purges terminated instances once their TTL has passed, so the
// state does not grow without bound. Lookups hide them already; this only
// frees memory and disk.
func (e *Emulator) janitor() {
	defer close(e.janitorDone)
	interval := min(max(e.cfg.TerminatedTTL/2, 10*time.Millisecond), time.Minute)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-e.stopJanitor:
			return
		case <-t.C:
			e.purgeExpired()
		}
	}
}

func (e *Emulator) purgeExpired() {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	ids := e.st.expiredInstances(e.now(), e.cfg.TerminatedTTL)
	if len(ids) == 0 {
		return
	}
	if err := e.commit(&changes{deleteInstances: ids}); err != nil {
		e.log.Warn("purging expired instances failed", "error", err)
	}
}
