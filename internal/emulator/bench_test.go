package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

// BenchmarkShowInstanceStatus measures ShowInstanceStatus over HTTP against
// an emulator holding 10,000 instances, from parallel clients, and reports
// requests per second and the 99th percentile latency.
//
//	go test ./internal/emulator/ -run '^$' -bench ShowInstanceStatus -benchtime 20000x
func BenchmarkShowInstanceStatus(b *testing.B) {
	const n = 10000
	a := newAPI(b, emulator.Config{Servers: n, CreateDuration: time.Nanosecond, DeleteDuration: time.Nanosecond, TerminatedTTL: time.Hour})
	var ids []string
	for len(ids) < n {
		body := createBody("bench")
		body["min_count"], body["max_count"] = 1000, 1000
		var out struct {
			Instances []struct {
				ID string `json:"id"`
			} `json:"instances"`
		}
		a.mustDo("POST", "/instances/batch-create", body, http.StatusAccepted, &out)
		for _, i := range out.Instances {
			ids = append(ids, i.ID)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	var next atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	var failures atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			id := ids[int(next.Add(1))%n]
			req, err := http.NewRequestWithContext(b.Context(), "GET", a.path("/instances/"+id+"/status"), nil)
			if err != nil {
				failures.Add(1)
				continue
			}
			req.Header.Set("X-Auth-Token", a.srv.Config.Token)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				failures.Add(1)
				continue
			}
			var s struct {
				State string `json:"state"`
			}
			err = json.NewDecoder(resp.Body).Decode(&s)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if err != nil || resp.StatusCode != http.StatusOK || s.State != "running" {
				failures.Add(1)
			}
		}
		mu.Lock()
		latencies = append(latencies, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, b.N)
	}
	slices.Sort(latencies)
	if len(latencies) > 0 {
		p99 := latencies[min(len(latencies)-1, len(latencies)*99/100)]
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(0, "ns/op")
}
