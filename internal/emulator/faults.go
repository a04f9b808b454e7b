package emulator

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Faults changes the injected faults at run time (PUT /_emulator/faults).
// Nil fields are left as they are.
type Faults struct {
	// FaultRate is the share of API requests (0-1) that fail with 500
	// iMetal.0099 before any side effect.
	FaultRate *float64 `json:"fault_rate,omitempty"`
	// RateLimit is the most API requests per second; above it requests get
	// 429 with a Retry-After header. 0 means unlimited.
	RateLimit *float64 `json:"rate_limit,omitempty"`
	// DeleteFailureRate is the share of deletions (0-1) that end in state
	// error with a delete_instance_error.
	DeleteFailureRate *float64 `json:"delete_failure_rate,omitempty"`
	// PowerFailureRate is the share of server power changes (0-1) that end
	// in operation_state power-on-failed, power-off-failed or reboot-failed.
	PowerFailureRate *float64 `json:"power_failure_rate,omitempty"`
}

// faultSettings is the current fault configuration (the JSON of GET and
// PUT /_emulator/faults).
type faultSettings struct {
	FaultRate         float64 `json:"fault_rate"`
	RateLimit         float64 `json:"rate_limit"`
	DeleteFailureRate float64 `json:"delete_failure_rate"`
	PowerFailureRate  float64 `json:"power_failure_rate"`
}

// chaos holds the random source and the injected faults. The random source
// is seeded by Config.Seed, so a run with the same seed and the same
// sequence of requests makes the same choices.
type chaos struct {
	mu       sync.Mutex
	rng      *rand.Rand
	settings faultSettings
	limiter  *rate.Limiter // nil when unlimited
}

func newChaos(seed uint64, s faultSettings) *chaos {
	c := &chaos{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	c.set(s)
	return c
}

// set replaces the fault settings.
func (c *chaos) set(s faultSettings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settings = s
	c.limiter = nil
	if s.RateLimit > 0 {
		// The bucket holds one second's worth of requests.
		burst := max(1, int(math.Ceil(s.RateLimit)))
		c.limiter = rate.NewLimiter(rate.Limit(s.RateLimit), burst)
	}
}

// update applies the non-nil fields of f and returns the new settings.
func (c *chaos) update(f Faults) faultSettings {
	s := c.get()
	if f.FaultRate != nil {
		s.FaultRate = *f.FaultRate
	}
	if f.RateLimit != nil {
		s.RateLimit = *f.RateLimit
	}
	if f.DeleteFailureRate != nil {
		s.DeleteFailureRate = *f.DeleteFailureRate
	}
	if f.PowerFailureRate != nil {
		s.PowerFailureRate = *f.PowerFailureRate
	}
	c.set(s)
	return s
}

func (c *chaos) get() faultSettings {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settings
}

// reseed restarts the random source from seed.
func (c *chaos) reseed(seed uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// allow takes a token from the rate limiter. When none is available it
// returns false and how long until one is.
func (c *chaos) allow(now time.Time) (bool, time.Duration) {
	c.mu.Lock()
	lim := c.limiter
	c.mu.Unlock()
	if lim == nil {
		return true, 0
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// fault reports whether this request fails with an injected 500.
func (c *chaos) fault() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settings.FaultRate > 0 && c.rng.Float64() < c.settings.FaultRate
}

// deleteFails reports whether this deletion fails.
func (c *chaos) deleteFails() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settings.DeleteFailureRate > 0 && c.rng.Float64() < c.settings.DeleteFailureRate
}

// powerFails reports whether this server power change fails.
func (c *chaos) powerFails() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settings.PowerFailureRate > 0 && c.rng.Float64() < c.settings.PowerFailureRate
}

// shuffle returns ids in a random order.
func (c *chaos) shuffle(ids []string) []string {
	out := append([]string(nil), ids...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// uint64 returns a random number (for IDs and addresses).
func (c *chaos) uint64() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Uint64()
}
