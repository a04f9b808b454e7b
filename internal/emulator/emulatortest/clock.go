package emulatortest

import (
	"sync"
	"time"
)

// StepClock is an emulator clock (emulator.Config.Now) that moves only when
// the test says, so that what each request sees does not depend on the
// machine's load. It is safe for concurrent use.
type StepClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewStepClock returns a StepClock at the current time, in UTC, truncated
// to the second.
func NewStepClock() *StepClock {
	return &StepClock{t: time.Now().UTC().Truncate(time.Second)}
}

// Now returns the clock's time.
func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *StepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
