// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package lifecycle

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// batcher merges keys submitted by concurrent callers into calls of at most
// maxItems keys, in the spirit of Karpenter's batcher: a batch is sent when
// no new key arrived for window, at the latest maxWait after its first key,
// and at once when it is full. exec must return a result for every key; a
// caller gets the results of its own keys only.
//
// The merged call runs on a context that keeps the first caller's values
// (loggers) but not its cancellation: one caller leaving does not cancel
// the others' call. Keys of a caller that leaves before its batch is sent
// are withdrawn, and a sent call is canceled once every caller has left.
type batcher[K comparable, R any] struct {
	name     string
	window   time.Duration
	maxWait  time.Duration
	maxItems int
	exec     func(ctx context.Context, keys []K) map[K]R
	sem      chan struct{} // bounds concurrent exec calls

	mu      sync.Mutex
	current *batch[K, R] // collecting, not yet sent
}

type batch[K comparable, R any] struct {
	keys    []K
	refs    map[K]int // callers waiting for each key
	callers int       // callers waiting for this batch
	started time.Time
	timer   *time.Timer
	sent    bool
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed once results is set
	results map[K]R
}

func newBatcher[K comparable, R any](name string, maxItems int, opts Options,
	exec func(ctx context.Context, keys []K) map[K]R,
) *batcher[K, R] {
	return &batcher[K, R]{
		name:     name,
		window:   opts.BatchWindow,
		maxWait:  opts.BatchMaxWait,
		maxItems: maxItems,
		exec:     exec,
		sem:      make(chan struct{}, opts.MaxConcurrentCalls),
	}
}

// submit adds keys to the collecting batch (spilling into new batches when
// one is full) and waits for their results. On ctx end it returns what it
// has with ctx.Err(); keys without a result are absent from the map.
func (b *batcher[K, R]) submit(ctx context.Context, keys []K) (map[K]R, error) {
	where := make(map[K]*batch[K, R], len(keys))
	var joined []*batch[K, R]

	b.mu.Lock()
	for _, k := range keys {
		if _, dup := where[k]; dup {
			continue
		}
		cur := b.current
		if cur == nil {
			cur = b.newBatchLocked(ctx)
		}
		if cur.refs[k] == 0 {
			cur.keys = append(cur.keys, k)
		}
		cur.refs[k]++
		where[k] = cur
		if len(joined) == 0 || joined[len(joined)-1] != cur {
			joined = append(joined, cur)
			cur.callers++
		}
		if len(cur.keys) >= b.maxItems {
			b.sendLocked(cur)
		}
	}
	if cur := b.current; cur != nil && !cur.sent {
		// Debounce: wait for more callers, but not beyond maxWait.
		delay := min(b.window, time.Until(cur.started.Add(b.maxWait)))
		cur.timer.Reset(max(delay, 0))
	}
	b.mu.Unlock()

	results := make(map[K]R, len(keys))
	for i, bt := range joined {
		select {
		case <-bt.done:
		case <-ctx.Done():
			b.leave(joined[i:], where)
			return results, ctx.Err()
		}
	}
	for k, bt := range where {
		if r, ok := bt.results[k]; ok {
			results[k] = r
		}
	}
	return results, nil
}

func (b *batcher[K, R]) newBatchLocked(ctx context.Context) *batch[K, R] {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	bt := &batch[K, R]{
		refs:    make(map[K]int),
		started: time.Now(),
		ctx:     bctx,
		cancel:  cancel,
		done:    make(chan struct{}),
	}
	bt.timer = time.AfterFunc(b.window, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.current == bt && !bt.sent {
			b.sendLocked(bt)
		}
	})
	b.current = bt
	return bt
}

// sendLocked starts the call for bt. b.mu must be held.
func (b *batcher[K, R]) sendLocked(bt *batch[K, R]) {
	bt.sent = true
	bt.timer.Stop()
	if b.current == bt {
		b.current = nil
	}
	keys := append([]K(nil), bt.keys...)
	go b.run(bt, keys)
}

func (b *batcher[K, R]) run(bt *batch[K, R], keys []K) {
	defer bt.cancel()
	select {
	case b.sem <- struct{}{}:
		defer func() { <-b.sem }()
	case <-bt.ctx.Done():
		// Every caller left before the call could start.
		bt.results = map[K]R{}
		close(bt.done)
		return
	}
	tflog.SubsystemDebug(bt.ctx, clouddc.LogSubsystem, "engine: sending merged call", map[string]any{
		"operation": b.name, "ids": len(keys), "waited_ms": time.Since(bt.started).Milliseconds(),
	})
	bt.results = b.exec(bt.ctx, keys)
	close(bt.done)
}

// leave withdraws a caller whose context ended from the batches it still
// waits for: its keys leave batches not yet sent, and a sent batch nobody
// waits for any more is canceled.
func (b *batcher[K, R]) leave(batches []*batch[K, R], where map[K]*batch[K, R]) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, bt := range batches {
		bt.callers--
		if bt.sent {
			if bt.callers == 0 {
				bt.cancel()
			}
			continue
		}
		for k, kb := range where {
			if kb != bt {
				continue
			}
			if bt.refs[k]--; bt.refs[k] == 0 {
				delete(bt.refs, k)
				bt.keys = removeKey(bt.keys, k)
			}
		}
		if bt.callers == 0 {
			// Nothing left to send: drop the batch.
			bt.timer.Stop()
			bt.sent = true
			if b.current == bt {
				b.current = nil
			}
			bt.cancel()
			bt.results = map[K]R{}
			close(bt.done)
		}
	}
}

func removeKey[K comparable](keys []K, k K) []K {
	for i, x := range keys {
		if x == k {
			return append(keys[:i], keys[i+1:]...)
		}
	}
	return keys
}
