// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"context"
	"testing"
)

// buildAndStartEmulator builds the provider and the emulator and starts the
// emulator with the project and token and any more flags, stopped when the
// test ends (its log shown if the test failed).
func buildAndStartEmulator(ctx context.Context, t *testing.T, project, token string, flags ...string) (Binaries, *Emulator) {
	t.Helper()
	root, err := ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bins, err := Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--listen", "127.0.0.1:0", "--project-id", project, "--token", token}, flags...)
	emu, err := StartEmulator(ctx, bins.Emulator, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emulator log:\n%s", emu.Logs())
		}
		if err := emu.Stop(); err != nil {
			t.Errorf("stop emulator: %v", err)
		}
	})
	return bins, emu
}
