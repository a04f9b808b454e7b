// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatsSub(t *testing.T) {
	before := Stats{Requests: map[string]int64{"ListInstances": 3, "RunInstances": 1}, Instances: map[string]int64{"running": 10}}
	after := Stats{Requests: map[string]int64{"ListInstances": 5, "RunInstances": 1, "DeleteInstances": 2}, Instances: map[string]int64{"terminated": 10}}
	d := after.Sub(before)
	if want := map[string]int64{"ListInstances": 2, "DeleteInstances": 2}; !maps.Equal(d.Requests, want) {
		t.Errorf("requests delta = %v, want %v", d.Requests, want)
	}
	if want := map[string]int64{"running": -10, "terminated": 10}; !maps.Equal(d.Instances, want) {
		t.Errorf("instances delta = %v, want %v", d.Instances, want)
	}
	if after.TotalInstances() != 10 || after.TotalRequests() != 8 {
		t.Errorf("totals = %d instances, %d requests; want 10, 8", after.TotalInstances(), after.TotalRequests())
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := newTailBuffer(10)
	for i := 0; i < 100; i++ {
		_, _ = b.Write([]byte{byte('a' + i%26)})
	}
	// Bytes 90..99 are 'm'..'v'.
	if got := b.String(); got != "mnopqrstuv" {
		t.Errorf("tail = %q, want %q", got, "mnopqrstuv")
	}
}

// fakeEmulator writes a shell script that behaves like the emulator's
// startup: some log lines, then the startup line, then it runs until killed.
func fakeEmulator(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake-emulator")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStartEmulatorParsesStartupLine(t *testing.T) {
	bin := fakeEmulator(t, `echo "log: starting" >&2; echo "clouddc-emulator listening on http://127.0.0.1:45678"; echo "after"; exec sleep 30`)
	emu, err := StartEmulator(t.Context(), bin)
	if err != nil {
		t.Fatal(err)
	}
	if emu.URL != "http://127.0.0.1:45678" || emu.Addr != "127.0.0.1:45678" {
		t.Errorf("URL %q, Addr %q; want http://127.0.0.1:45678 and 127.0.0.1:45678", emu.URL, emu.Addr)
	}
	if err := emu.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(emu.Logs(), "log: starting") {
		t.Errorf("stderr not kept in the logs: %q", emu.Logs())
	}
	if err := emu.Kill(); err != nil {
		t.Errorf("Kill after Stop: %v", err)
	}
}

func TestStartEmulatorReportsEarlyExit(t *testing.T) {
	bin := fakeEmulator(t, `echo "bad flag --nope" >&2; exit 2`)
	_, err := StartEmulator(t.Context(), bin)
	if err == nil || !strings.Contains(err.Error(), "bad flag --nope") {
		t.Fatalf("err = %v, want the exit with the emulator's message", err)
	}
}
