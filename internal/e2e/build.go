// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binary names, fixed by the design (the provider's name is what Terraform
// looks for in a dev_overrides directory).
const (
	ProviderBinary = "terraform-provider-clouddc"
	EmulatorBinary = "clouddc-emulator"
)

// Binaries are the freshly built provider and emulator.
type Binaries struct {
	// Dir holds both binaries; it is the dev_overrides directory.
	Dir      string
	Provider string
	Emulator string
}

// ModuleRoot returns the directory of the main module's go.mod, found by the
// go command from the current directory.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the repository")
	}
	return filepath.Dir(gomod), nil
}

// Build compiles the provider (module root) and the emulator
// (./cmd/clouddc-emulator) into dir.
func Build(ctx context.Context, moduleRoot, dir string) (Binaries, error) {
	b := Binaries{
		Dir:      dir,
		Provider: filepath.Join(dir, ProviderBinary),
		Emulator: filepath.Join(dir, EmulatorBinary),
	}
	for _, t := range []struct{ out, pkg string }{
		{b.Provider, "."},
		{b.Emulator, "./cmd/clouddc-emulator"},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", t.out, t.pkg)
		cmd.Dir = moduleRoot
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		if err := cmd.Run(); err != nil {
			return Binaries{}, fmt.Errorf("go build %s: %w\n%s", t.pkg, err, out.String())
		}
	}
	return b, nil
}
