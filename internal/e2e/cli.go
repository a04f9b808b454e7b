// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"

	"github.com/hashicorp/go-version"
)

// Products a CLI can be.
const (
	Terraform = "Terraform"
	OpenTofu  = "OpenTofu"
)

// CLI is a Terraform-compatible command-line tool: Terraform or OpenTofu.
type CLI struct {
	Path    string
	Product string // Terraform or OpenTofu
	Version *version.Version
}

// String reads like "Terraform 1.14.9" or "OpenTofu 1.12.6".
func (c CLI) String() string { return c.Product + " " + c.Version.String() }

// versionLine is the first line of `terraform version` / `tofu version`.
var versionLine = regexp.MustCompile(`(?m)^(Terraform|OpenTofu) v(\S+)$`)

// IdentifyCLI runs `path version` and tells which product and version path
// is. An empty CLI configuration is used so that no warning about a missing
// one (OpenTofu prints it on stdout) gets in the way.
func IdentifyCLI(ctx context.Context, path string) (CLI, error) {
	cmd := exec.CommandContext(ctx, path, "version")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+os.DevNull, "CHECKPOINT_DISABLE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return CLI{}, fmt.Errorf("%s version: %w\n%s", path, err, out.String())
	}
	return parseCLIVersion(path, out.String())
}

func parseCLIVersion(path, out string) (CLI, error) {
	m := versionLine.FindStringSubmatch(out)
	if m == nil {
		return CLI{}, fmt.Errorf("%s version: no \"Terraform vX.Y.Z\" or \"OpenTofu vX.Y.Z\" line in %q", path, out)
	}
	v, err := version.NewVersion(m[2])
	if err != nil {
		return CLI{}, fmt.Errorf("%s version %q: %w", path, m[2], err)
	}
	return CLI{Path: path, Product: m[1], Version: v}, nil
}

// Feature is a capability of the provider that needs a minimum CLI version.
// The variables below are the table the README's requirements give.
type Feature struct {
	Name string
	// Terraform and OpenTofu are the first versions with the feature; an
	// empty OpenTofu means no OpenTofu release has it.
	Terraform, OpenTofu string
}

var (
	// FeatureWriteOnly is write-only attributes (password_wo).
	FeatureWriteOnly = Feature{Name: "write-only attributes", Terraform: "1.11.0", OpenTofu: "1.11.0"}
	// FeatureIdentity is resource identity: import blocks by identity.
	FeatureIdentity = Feature{Name: "resource identity", Terraform: "1.12.0", OpenTofu: "1.12.0"}
	// FeatureQuery is list resources: .tfquery.hcl files and terraform query.
	FeatureQuery = Feature{Name: "list resources (terraform query)", Terraform: "1.14.0"}
	// FeatureActions is action blocks, terraform apply -invoke and
	// action_trigger on create and update.
	FeatureActions = Feature{Name: "actions", Terraform: "1.14.0"}
	// FeatureDestroyEvents is action_trigger's before_destroy and
	// after_destroy events, on_failure and the caller symbol.
	FeatureDestroyEvents = Feature{Name: "action_trigger destroy events (before_destroy, after_destroy, on_failure, caller)", Terraform: "1.16.0"}
)

// Supports reports whether c has f; if not, the reason is a sentence fit for
// a test's skip message. A pre-release counts as its release (1.16.0-rc2
// has what 1.16.0 has).
func (c CLI) Supports(f Feature) (bool, string) {
	first := f.Terraform
	if c.Product == OpenTofu {
		first = f.OpenTofu
	}
	if first == "" {
		return false, fmt.Sprintf("%s has no %s (first in Terraform %s; not in OpenTofu)", c, f.Name, f.Terraform)
	}
	if c.Version.Core().LessThan(version.Must(version.NewVersion(first))) {
		return false, fmt.Sprintf("%s has no %s (first in %s %s)", c, f.Name, c.Product, first)
	}
	return true, ""
}
