package emulator

import (
	"maps"
	"strconv"
	"sync"
)

// Stats counts requests per operation, responses per status code and
// instances per state: the JSON of GET /_emulator/stats.
type Stats struct {
	// Requests maps an operation name (as in the API reference, e.g.
	// DeleteInstances) to the number of requests received.
	Requests map[string]int64 `json:"requests"`
	// Responses maps a status code ("202") to the number of responses sent.
	Responses map[string]int64 `json:"responses"`
	// Instances maps an instance state to the number of visible instances
	// in it now.
	Instances map[string]int64 `json:"instances"`
}

// stats holds the request and response counters.
type stats struct {
	mu        sync.Mutex
	requests  map[string]int64
	responses map[string]int64
}

func newStats() *stats {
	return &stats{requests: map[string]int64{}, responses: map[string]int64{}}
}

func (s *stats) request(op string) {
	s.mu.Lock()
	s.requests[op]++
	s.mu.Unlock()
}

func (s *stats) response(status int) {
	key := strconv.Itoa(status)
	s.mu.Lock()
	s.responses[key]++
	s.mu.Unlock()
}

func (s *stats) reset() {
	s.mu.Lock()
	s.requests = map[string]int64{}
	s.responses = map[string]int64{}
	s.mu.Unlock()
}

func (s *stats) snapshot() (requests, responses map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests), maps.Clone(s.responses)
}

// Stats returns the current counters (as GET /_emulator/stats does).
func (e *Emulator) Stats() Stats {
	req, resp := e.stats.snapshot()
	return Stats{Requests: req, Responses: resp, Instances: e.backend.countInstances()}
}
