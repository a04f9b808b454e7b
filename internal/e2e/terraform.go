// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// ProviderSource is the provider's registry address as Terraform spells it
// (in `terraform providers schema -json`, for example).
const ProviderSource = "registry.terraform.io/clouddc-community/clouddc"

// devOverridesSource is the provider's address in dev_overrides: without a
// host, so that each CLI completes it with its own registry's (OpenTofu's is
// registry.opentofu.org), as it does the source in required_providers.
const devOverridesSource = "clouddc-community/clouddc"

// RequiredProviders is the terraform block every configuration needs so that
// "clouddc" resolves to this provider (not hashicorp/clouddc).
const RequiredProviders = `terraform {
  required_providers {
    clouddc = {
      source = "clouddc-community/clouddc"
    }
  }
}
`

// TerraformPath is the terraform binary: TF_ACC_TERRAFORM_PATH if set, else
// the first terraform on PATH.
func TerraformPath() (string, error) {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", fmt.Errorf("terraform not found on PATH (set TF_ACC_TERRAFORM_PATH): %w", err)
	}
	return p, nil
}

// Workspace is a Terraform working directory wired to the freshly built
// provider through a CLI configuration with dev_overrides (no init needed).
type Workspace struct {
	Dir       string
	Terraform string
	env       []string
}

// inheritedEnvDropped are variables of the calling environment that would
// change what terraform or the provider does; a workspace starts clean of them.
var inheritedEnvDropped = []string{"TF_", "CLOUDDC_", "HW_", "SSL_CERT_"}

// NewWorkspace prepares dir (created if needed) for terraform runs against
// the provider binary in pluginDir.
func NewWorkspace(dir, pluginDir string) (*Workspace, error) {
	tf, err := TerraformPath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("workspace dir: %w", err)
	}
	cli := filepath.Join(dir, "dev.tfrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", devOverridesSource, pluginDir)
	if err := os.WriteFile(cli, []byte(cfg), 0o600); err != nil {
		return nil, fmt.Errorf("write CLI config: %w", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !hasAnyPrefix(kv, inheritedEnvDropped) {
			env = append(env, kv)
		}
	}
	env = append(env,
		"TF_CLI_CONFIG_FILE="+cli,
		"TF_DATA_DIR="+filepath.Join(dir, ".terraform"),
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
	)
	return &Workspace{Dir: dir, Terraform: tf, env: env}, nil
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Setenv adds (or overrides) environment variables, each "KEY=value", for
// every later run.
func (w *Workspace) Setenv(kv ...string) { w.env = append(w.env, kv...) }

// WriteConfig replaces the workspace's main.tf.
func (w *Workspace) WriteConfig(hcl string) error {
	if err := os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(hcl), 0o600); err != nil {
		return fmt.Errorf("write main.tf: %w", err)
	}
	return nil
}

// Result is one finished terraform command.
type Result struct {
	Args    []string
	Output  string // stdout and stderr interleaved
	Elapsed time.Duration
}

// RunError is a terraform command that exited non-zero; its output is part of
// the message because that is where terraform explains itself.
type RunError struct {
	Result *Result
	Err    error
}

func (e *RunError) Error() string {
	return fmt.Sprintf("terraform %s: %v\n%s", strings.Join(e.Result.Args, " "), e.Err, e.Result.Output)
}

func (e *RunError) Unwrap() error { return e.Err }

// Run runs terraform with args and returns its result; a non-zero exit is a
// *RunError (the Result is returned too).
func (w *Workspace) Run(ctx context.Context, args ...string) (*Result, error) {
	p, err := w.Start(ctx, args...)
	if err != nil {
		return nil, err
	}
	return p.Wait()
}

// Process is a terraform command that is running.
type Process struct {
	Cmd   *exec.Cmd
	args  []string
	out   *syncBuffer
	start time.Time
}

// Start starts terraform with args without waiting for it.
func (w *Workspace) Start(ctx context.Context, args ...string) (*Process, error) {
	cmd := exec.CommandContext(ctx, w.Terraform, args...)
	cmd.Dir = w.Dir
	cmd.Env = w.env
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// A cancelled ctx interrupts terraform first, as Ctrl-C would, so that it
	// can still write its state; WaitDelay then kills it.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start terraform %s: %w", strings.Join(args, " "), err)
	}
	return &Process{Cmd: cmd, args: args, out: out, start: start}, nil
}

// PID is terraform's process id.
func (p *Process) PID() int { return p.Cmd.Process.Pid }

// Output is what the command has printed so far.
func (p *Process) Output() string { return p.out.String() }

// Signal sends sig to terraform.
func (p *Process) Signal(sig os.Signal) error {
	if err := p.Cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal terraform: %w", err)
	}
	return nil
}

// Wait waits for the command; a non-zero exit is a *RunError.
func (p *Process) Wait() (*Result, error) {
	err := p.Cmd.Wait()
	res := &Result{Args: p.args, Output: p.out.String(), Elapsed: time.Since(p.start)}
	if err != nil {
		return res, &RunError{Result: res, Err: err}
	}
	return res, nil
}

// query runs a read-only terraform command without logging (TF_LOG off) and
// returns its stdout alone; stderr is part of the error if it fails.
func (w *Workspace) query(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, w.Terraform, args...)
	cmd.Dir = w.Dir
	cmd.Env = append(slices.Clone(w.env), "TF_LOG=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		res := &Result{Args: args, Output: stdout.String() + stderr.String()}
		return stdout.String(), &RunError{Result: res, Err: err}
	}
	return stdout.String(), nil
}

// StateList returns `terraform state list`, sorted.
func (w *Workspace) StateList(ctx context.Context) ([]string, error) {
	out, err := w.query(ctx, "state", "list")
	if err != nil {
		var re *RunError
		// With no state file at all terraform says so and exits 1.
		if errors.As(err, &re) && strings.Contains(re.Result.Output, "No state file was found") {
			return nil, nil
		}
		return nil, err
	}
	var list []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			list = append(list, l)
		}
	}
	sort.Strings(list)
	return list, nil
}

// ShownResource is one resource of `terraform show -json`.
type ShownResource struct {
	Address string         `json:"address"`
	Type    string         `json:"type"`
	Name    string         `json:"name"`
	Values  map[string]any `json:"values"`
}

// StringSet returns the attribute attr as a sorted list of strings (for set
// and list attributes of strings); missing or null gives nil.
func (r ShownResource) StringSet(attr string) []string {
	raw, ok := r.Values[attr].([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// MapKeys returns the keys of a map attribute (e.g. a fleet's instances),
// sorted.
func (r ShownResource) MapKeys(attr string) []string {
	raw, ok := r.Values[attr].(map[string]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(raw))
	for k := range raw {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ShowJSON returns the raw `terraform show -json [args]` document (the state,
// or a saved plan given as argument).
func (w *Workspace) ShowJSON(ctx context.Context, args ...string) ([]byte, error) {
	out, err := w.query(ctx, append([]string{"show", "-json", "-no-color"}, args...)...)
	return []byte(out), err
}

// Show returns the resources of `terraform show -json`, by address.
func (w *Workspace) Show(ctx context.Context) (map[string]ShownResource, error) {
	raw, err := w.ShowJSON(ctx)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Values *struct {
			RootModule struct {
				Resources []ShownResource `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode terraform show -json: %w\n%s", err, raw)
	}
	out := make(map[string]ShownResource)
	if doc.Values != nil {
		for _, r := range doc.Values.RootModule.Resources {
			out[r.Address] = r
		}
	}
	return out, nil
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of stdout and
// stderr and for reads while the command runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
