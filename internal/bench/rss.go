// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procComm is how the kernel names the provider process: /proc/PID/stat's
// comm field keeps the first 15 bytes of the executable's name.
const procComm = "terraform-provi"

// rssWatcher polls /proc for the provider processes that terraform (root)
// starts and keeps the highest peak resident set size (VmHWM) seen. VmHWM
// is the kernel's own high-water mark, so polling only misses growth in the
// last interval before a provider process exits.
type rssWatcher struct {
	root  int
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	peakK int64
}

func watchRSS(root int, every time.Duration) *rssWatcher {
	w := &rssWatcher{root: root, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			w.sample()
			select {
			case <-w.stop:
				return
			case <-ticker.C:
			}
		}
	}()
	return w
}

// Stop ends the polling and returns the peak in MiB (0 if no provider
// process was seen).
func (w *rssWatcher) Stop() float64 {
	close(w.stop)
	<-w.done
	return w.Peak()
}

// Peak returns the highest peak seen so far, in MiB, without stopping.
func (w *rssWatcher) Peak() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return float64(w.peakK) / 1024
}

func (w *rssWatcher) sample() {
	for _, pid := range descendantsNamed(w.root, procComm) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
		if err != nil {
			continue // exited between the scan and the read
		}
		if k, ok := vmHWM(b); ok {
			w.mu.Lock()
			w.peakK = max(w.peakK, k)
			w.mu.Unlock()
		}
	}
}

// vmHWM reads the VmHWM line (kB) of a /proc/PID/status file.
func vmHWM(status []byte) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		k, err := strconv.ParseInt(f[0], 10, 64)
		return k, err == nil
	}
	return 0, false
}

// parseStat returns the comm and parent pid of a /proc/PID/stat line. comm
// is in parentheses and may itself contain spaces and parentheses.
func parseStat(stat string) (comm string, ppid int, err error) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return "", 0, fmt.Errorf("malformed stat %q", stat)
	}
	f := strings.Fields(stat[end+1:])
	if len(f) < 2 {
		return "", 0, fmt.Errorf("malformed stat %q", stat)
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return "", 0, fmt.Errorf("malformed ppid in %q: %w", stat, err)
	}
	return stat[open+1 : end], ppid, nil
}

// descendantsNamed returns the pids of root's descendants whose comm is comm.
func descendantsNamed(root int, comm string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	name := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		c, pp, err := parseStat(string(b))
		if err != nil {
			continue
		}
		parent[pid], name[pid] = pp, c
	}
	var out []int
	for pid, c := range name {
		if c != comm {
			continue
		}
		for p, hops := parent[pid], 0; p > 1 && hops < 64; p, hops = parent[p], hops+1 {
			if p == root {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}
