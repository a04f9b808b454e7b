// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// defaultProgressInterval is the least time between two progress events of an
// action: often enough to show life, rare enough not to flood the console.
const defaultProgressInterval = 5 * time.Second

// progressThrottle forwards progress messages to Terraform, at most one per
// interval. The first message always goes out at once; later ones within the
// interval are held, and Flush sends the latest held one, so the practitioner
// always sees the first and the last state. Safe for concurrent use.
//
// It sends only while the Invoke that made it runs and that Invoke's context
// is live. In terraform-plugin-framework v1.19.0 SendProgress is a send on an
// unbuffered channel that nobody reads any more once Terraform has stopped
// reading the stream (an interrupt, a cancelled run) or Invoke has returned,
// and such a send blocks forever. So every send checks the context first, a
// send already under way when the context ends is abandoned rather than
// waited for, and Close (deferred by Invoke) ends all sending.
type progressThrottle struct {
	ctx      context.Context
	send     func(action.InvokeProgressEvent)
	interval time.Duration

	mu       sync.Mutex
	closed   bool
	lastSent time.Time
	lastMsg  string
	held     string
}

// newProgressThrottle returns a throttle that sends through send while ctx,
// the context Invoke was called with, is live.
func newProgressThrottle(ctx context.Context, send func(action.InvokeProgressEvent), interval time.Duration) *progressThrottle {
	if interval <= 0 {
		interval = defaultProgressInterval
	}
	return &progressThrottle{ctx: ctx, send: send, interval: interval}
}

// Update reports msg now if the interval has passed since the last event (or
// nothing was sent yet), else holds it for later.
func (p *progressThrottle) Update(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.lastSent.IsZero() && time.Since(p.lastSent) < p.interval {
		p.held = msg
		return
	}
	p.emit(msg)
}

// Flush sends the latest held message, unless it repeats the last one sent.
func (p *progressThrottle) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != "" && p.held != p.lastMsg {
		p.emit(p.held)
	}
	p.held = ""
}

// Final sends msg as the last event, dropping any held message: msg
// supersedes it (use Flush first to keep it, e.g. before an error).
func (p *progressThrottle) Final(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.emit(msg)
}

// Close ends sending: later calls send nothing. Invoke defers it, so that
// nothing it started can send once it has returned.
func (p *progressThrottle) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.held = ""
}

// emit sends msg unless the throttle is closed or its context is done. It
// returns when Terraform has taken the event or when the context ends,
// whichever comes first; after the latter it sends nothing more.
func (p *progressThrottle) emit(msg string) {
	p.held = ""
	if p.closed || p.send == nil || p.ctx.Err() != nil {
		return
	}
	p.lastSent = time.Now()
	p.lastMsg = msg
	taken := make(chan struct{})
	go func() {
		defer close(taken)
		p.send(action.InvokeProgressEvent{Message: msg})
	}()
	select {
	case <-taken:
	case <-p.ctx.Done():
		// Terraform may have stopped reading: waiting for the send could
		// block Invoke forever. The send goroutine ends if Terraform still
		// takes the event; if nothing reads any more (the framework's
		// stream loop has ended) it stays blocked, which costs one goroutine
		// instead of the whole action.
		p.closed = true
	}
}

// formatCounts renders per-state counts as "a: 1, b: 2" in name order,
// leaving out the skip states and empty ones.
func formatCounts(counts map[string]int, skip ...string) string {
	states := make([]string, 0, len(counts))
	for state, n := range counts {
		if n > 0 && !slices.Contains(skip, state) {
			states = append(states, state)
		}
	}
	sort.Strings(states)
	parts := make([]string, len(states))
	for i, state := range states {
		parts[i] = fmt.Sprintf("%s: %d", state, counts[state])
	}
	return strings.Join(parts, ", ")
}

// defaultActionTimeout bounds an action's invoke when its timeout is unset.
const defaultActionTimeout = 30 * time.Minute

// actionTimeoutAttribute is the timeout of every action: how long its invoke
// may take (default 30m), and what the action reports when it runs out.
func actionTimeoutAttribute(onTimeout string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "How long the action may take, as a duration such as `\"30m\"` or `\"1h\"` (default `30m`). " +
			"On timeout " + onTimeout + ".",
		Validators: []validator.String{durationValidator{}},
	}
}

// actionTimeout returns the configured invoke timeout, or def when unset.
func actionTimeout(v types.String, def time.Duration) (time.Duration, error) {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return def, nil
	}
	return parsePositiveDuration(v.ValueString())
}

func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as \"30m\", \"1h30m\" or \"90s\"", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not positive", s)
	}
	return d, nil
}

// durationValidator accepts Go duration strings greater than zero.
type durationValidator struct{}

var _ validator.String = durationValidator{}

func (durationValidator) Description(_ context.Context) string {
	return `value must be a positive duration such as "30m", "1h30m" or "90s"`
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parsePositiveDuration(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timeout", err.Error())
	}
}
