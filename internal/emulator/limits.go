package emulator

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Limits of a Config. Values outside them are refused by New (and by the
// clouddc-emulator flags) with an error saying what is wrong.
const (
	// MaxServers is the most servers that can be seeded. Each server costs
	// about a kilobyte of memory and of state file; 100,000 is far beyond
	// any test and still starts in seconds.
	MaxServers = 100_000
	// MaxDuration is the longest duration setting (create, delete and
	// power durations, terminated and token TTLs): one year. Longer ones
	// are typos.
	MaxDuration = 365 * 24 * time.Hour
	// MaxRateLimit is the highest rate limit, in requests per second;
	// above it, a limit would never be reached.
	MaxRateLimit = 1_000_000
)

// CheckServers checks a number of servers to seed: 0 to MaxServers. what
// names the setting in the error.
func CheckServers(what string, n int) error {
	if n < 0 || n > MaxServers {
		return fmt.Errorf("%s must be between 0 and %d, got %d", what, MaxServers, n)
	}
	return nil
}

// CheckDuration checks a duration setting: 0 to MaxDuration.
func CheckDuration(what string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%s must not be negative, got %s", what, d)
	}
	if d > MaxDuration {
		return fmt.Errorf("%s must be at most %s (a year), got %s", what, MaxDuration, d)
	}
	return nil
}

// CheckShare checks a probability: a number from 0 to 1.
func CheckShare(what string, p float64) error {
	if math.IsNaN(p) || p < 0 || p > 1 {
		return fmt.Errorf("%s must be between 0 and 1, got %g", what, p)
	}
	return nil
}

// CheckRateLimit checks a rate limit in requests per second: 0 (none) to
// MaxRateLimit.
func CheckRateLimit(what string, rps float64) error {
	if math.IsNaN(rps) || rps < 0 || rps > MaxRateLimit {
		return fmt.Errorf("%s must be between 0 (unlimited) and %d requests per second, got %g", what, MaxRateLimit, rps)
	}
	return nil
}

// CheckProjectID checks a project ID: it becomes a path segment, so it
// must not contain '/', '?', '#' or spaces. Empty means DefaultProjectID.
func CheckProjectID(id string) error {
	if strings.ContainsAny(id, "/?# ") {
		return fmt.Errorf("project ID %q: must not contain '/', '?', '#' or spaces", id)
	}
	return nil
}
