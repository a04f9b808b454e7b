package emulator

import (
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
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
	// PowerFailureRate is the share of server power changes that end in
	// operation_state power-on-failed, power-off-failed or reboot-failed.
	PowerFailureRate float64
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
// admin endpoints under /_emulator/. It is the HTTP front end of a backend
// (backend.go) that holds the state.
type Emulator struct {
	cfg     Config
	now     func() time.Time
	log     *slog.Logger
	mux     *http.ServeMux
	chaos   *chaos
	stats   *stats
	backend *backend

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
		now:         cfg.Now,
		log:         cfg.Logger,
		stats:       newStats(),
		stopJanitor: make(chan struct{}),
		janitorDone: make(chan struct{}),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	seed := uint64(cfg.Seed)
	if cfg.Seed == 0 {
		seed = mrand.Uint64()
	}
	e.chaos = newChaos(seed, e.configuredFaults())
	b := &backend{
		projectID:     cfg.ProjectID,
		terminatedTTL: cfg.TerminatedTTL,
		tokenTTL:      cfg.TokenTTL,
		timings:       timings{create: cfg.CreateDuration, delete: cfg.DeleteDuration, power: cfg.PowerDuration},
		seed:          seed,
		now:           e.now,
		log:           e.log,
		chaos:         e.chaos,
		store:         &memStore{},
	}
	if cfg.StateFile != "" {
		bs, err := openBoltStore(cfg.StateFile)
		if err != nil {
			return nil, err
		}
		b.store = bs
	}
	if err := b.load(cfg.Servers); err != nil {
		_ = b.store.close()
		return nil, err
	}
	e.backend = b
	e.mux = e.routes()
	go e.janitor()
	return e, nil
}

func checkConfig(cfg *Config) error {
	if cfg.ProjectID == "" {
		cfg.ProjectID = DefaultProjectID
	}
	if err := CheckProjectID(cfg.ProjectID); err != nil {
		return err
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return errors.New("access key and secret key must be set together")
	}
	if err := CheckServers("servers", cfg.Servers); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"create duration", cfg.CreateDuration}, {"delete duration", cfg.DeleteDuration},
		{"terminated TTL", cfg.TerminatedTTL}, {"power duration", cfg.PowerDuration}, {"token TTL", cfg.TokenTTL},
	} {
		if err := CheckDuration(d.name, d.d); err != nil {
			return err
		}
	}
	if err := CheckShare("fault rate", cfg.FaultRate); err != nil {
		return err
	}
	if err := CheckShare("delete failure rate", cfg.DeleteFailureRate); err != nil {
		return err
	}
	if err := CheckShare("power failure rate", cfg.PowerFailureRate); err != nil {
		return err
	}
	if err := CheckRateLimit("rate limit", cfg.RateLimit); err != nil {
		return err
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

// configuredFaults are the faults of the configuration (restored by a reset).
func (e *Emulator) configuredFaults() faultSettings {
	return faultSettings{FaultRate: e.cfg.FaultRate, RateLimit: e.cfg.RateLimit,
		DeleteFailureRate: e.cfg.DeleteFailureRate, PowerFailureRate: e.cfg.PowerFailureRate}
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
		e.closeErr = e.backend.close()
	})
	return e.closeErr
}

// SetFaults changes the injected faults (as PUT /_emulator/faults does).
func (e *Emulator) SetFaults(f Faults) {
	e.chaos.update(f)
}

// SetServerState sets a server's manage_state, frozen_state and
// health_state, as PUT /_emulator/servers/{id} does. The error is the
// API error the endpoint would answer (unknown server, bad value).
func (e *Emulator) SetServerState(id string, st ServerState) error {
	_, err := e.backend.setServerState(setServerStateRequest{ID: id, ServerState: st})
	return err
}

// Reset drops every instance, re-seeds the servers and the random source,
// restores the configured faults and clears the statistics.
func (e *Emulator) Reset() {
	if err := e.reset(); err != nil {
		e.log.Error("reset failed", "error", err)
	}
}

func (e *Emulator) reset() error {
	return e.backend.reset(e.cfg.Servers, func() {
		e.chaos.set(e.configuredFaults())
		e.stats.reset()
	})
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
			if err := e.backend.purgeExpired(); err != nil {
				e.log.Warn("purging expired instances failed", "error", err)
			}
		}
	}
}
