// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// Credentials of every emulator the suite starts. They are distinctive so
// that the secrets tests can grep for them.
const (
	projectID = "c4a05c0dc4a05c0dc4a05c0dc4a05c0d"
	token     = "chaos-token-Vq7Rk2Lm9Xw4"
	accessKey = "CHAOSAKQ2W9E8R7T6Y5U"
	secretKey = "chaos-secret-Zp3Nf8Jd1Hs6Ku0Bv5"
)

// bins are the binaries TestMain built; empty when the suite is skipped.
var bins e2e.Binaries

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		fmt.Println("chaostest: skipping the chaos suite: set TF_ACC=1 to build the binaries and run terraform against the emulator")
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "clouddc-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaostest:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := e2e.ModuleRoot(ctx)
	if err == nil {
		bins, err = e2e.Build(ctx, root, dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaostest: build:", err)
		return 1
	}
	if _, err := e2e.TerraformPath(); err != nil {
		fmt.Fprintln(os.Stderr, "chaostest:", err)
		return 1
	}
	return m.Run()
}

// precheck skips the test unless TestMain built the binaries.
func precheck(t *testing.T) {
	t.Helper()
	if bins.Dir == "" {
		t.Skip("set TF_ACC=1 to run the chaos suite (builds the binaries, runs terraform against the emulator)")
	}
}

// baseEmulatorFlags are the flags every emulator gets unless the test passes
// its own value: a free port, the suite's credentials, short creation, and
// terminated instances that stay visible for the whole test so that counts
// can be compared.
var baseEmulatorFlags = [][2]string{
	{"--listen", "127.0.0.1:0"},
	{"--project-id", projectID},
	{"--token", token},
	{"--access-key", accessKey},
	{"--secret-key", secretKey},
	{"--servers", "100"},
	{"--create-duration", "300ms"},
	{"--delete-duration", "1s"},
	{"--terminated-ttl", "30m"},
}

// emulatorArgs merges flag/value pairs over the base flags.
func emulatorArgs(flags ...string) []string {
	if len(flags)%2 != 0 {
		panic("emulatorArgs: flags must be flag/value pairs")
	}
	override := map[string]string{}
	var order []string
	for i := 0; i < len(flags); i += 2 {
		if _, seen := override[flags[i]]; !seen {
			order = append(order, flags[i])
		}
		override[flags[i]] = flags[i+1]
	}
	var args []string
	for _, kv := range baseEmulatorFlags {
		if v, ok := override[kv[0]]; ok {
			args = append(args, kv[0], v)
			delete(override, kv[0])
			continue
		}
		args = append(args, kv[0], kv[1])
	}
	for _, f := range order {
		if v, ok := override[f]; ok {
			args = append(args, f, v)
		}
	}
	return args
}

// startEmulator starts the emulator binary with the base flags overridden
// by flags, stops it when the test ends, and shows its log tail on failure.
func startEmulator(t *testing.T, flags ...string) *e2e.Emulator {
	t.Helper()
	emu, err := e2e.StartEmulator(t.Context(), bins.Emulator, emulatorArgs(flags...)...)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	stopOnCleanup(t, emu)
	return emu
}

func stopOnCleanup(t *testing.T, emu *e2e.Emulator) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emulator log tail:\n%s", lastLines(emu.Logs(), 40))
		}
		if err := emu.Stop(); err != nil {
			t.Errorf("stop emulator: %v", err)
		}
	})
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// providerConf is the provider block of a test configuration.
type providerConf struct {
	Endpoint          string
	ProjectID         string
	Token             string
	AccessKey         string
	SecretKey         string
	MaxRetries        int
	RequestsPerSecond float64
	Insecure          bool
	// OptimizeAPICalls is written as optimize_api_calls when not empty
	// ("true" or "false").
	OptimizeAPICalls string
}

// tokenProvider is the usual provider block for emu.
func tokenProvider(emu *e2e.Emulator) providerConf {
	return providerConf{Endpoint: emu.URL, ProjectID: projectID, Token: token, MaxRetries: 10}
}

func (p providerConf) HCL() string {
	var b strings.Builder
	b.WriteString(e2e.RequiredProviders)
	b.WriteString("provider \"clouddc\" {\n")
	attr := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %s = %q\n", k, v)
		}
	}
	attr("endpoint", p.Endpoint)
	attr("project_id", p.ProjectID)
	attr("auth_token", p.Token)
	attr("access_key", p.AccessKey)
	attr("secret_key", p.SecretKey)
	if p.MaxRetries > 0 {
		fmt.Fprintf(&b, "  max_retries = %d\n", p.MaxRetries)
	}
	if p.RequestsPerSecond > 0 {
		fmt.Fprintf(&b, "  requests_per_second = %g\n", p.RequestsPerSecond)
	}
	if p.Insecure {
		b.WriteString("  insecure = true\n")
	}
	if p.OptimizeAPICalls != "" {
		fmt.Fprintf(&b, "  optimize_api_calls = %s\n", p.OptimizeAPICalls)
	}
	b.WriteString("}\n")
	return b.String()
}

// fleetHCL is a clouddc_instances fleet of n instances named name.
func fleetHCL(name string, n int) string {
	return fmt.Sprintf(`
resource "clouddc_instances" %[1]q {
  name           = %[1]q
  image_id       = %[3]q
  vpc_id         = %[4]q
  password       = %[5]q
  instance_count = %[2]d

  network_interfaces = [{ subnet_id = %[6]q }]
}
`, name, n, e2e.SeedImageID, e2e.SeedVpcID, e2e.SeedPassword, e2e.SeedSubnetID)
}

// batchDeleteHCL is a clouddc_instances_batch_delete over the given IDs.
func batchDeleteHCL(name string, ids []string, extra string) string {
	return fmt.Sprintf(`
resource "clouddc_instances_batch_delete" %q {
  instance_ids = %s
%s
}
`, name, hclStrings(ids), extra)
}

func hclStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// newWorkspace is a terraform working directory for the built provider.
func newWorkspace(t *testing.T, config string) *e2e.Workspace {
	t.Helper()
	ws, err := e2e.NewWorkspace(t.TempDir(), bins.Dir)
	if err != nil {
		t.Fatal(err)
	}
	writeConfig(t, ws, config)
	return ws
}

func writeConfig(t *testing.T, ws *e2e.Workspace, config string) {
	t.Helper()
	if err := ws.WriteConfig(config); err != nil {
		t.Fatal(err)
	}
}

// tf runs terraform and fails the test if it exits non-zero.
func tf(ctx context.Context, t *testing.T, ws *e2e.Workspace, args ...string) *e2e.Result {
	t.Helper()
	res, err := ws.Run(ctx, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Logf("terraform %s: %s", args[0], res.Elapsed.Round(10*time.Millisecond))
	return res
}

// tfFails runs terraform, fails the test if it succeeds, and returns its output.
func tfFails(ctx context.Context, t *testing.T, ws *e2e.Workspace, args ...string) string {
	t.Helper()
	res, err := ws.Run(ctx, args...)
	var re *e2e.RunError
	if !errors.As(err, &re) {
		if err != nil {
			t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
		}
		t.Fatalf("terraform %s succeeded, want a failure; output:\n%s", strings.Join(args, " "), res.Output)
	}
	return re.Result.Output
}

var (
	applyArgs   = []string{"apply", "-auto-approve", "-input=false", "-no-color"}
	destroyArgs = []string{"destroy", "-auto-approve", "-input=false", "-no-color"}
)

// stats reads the emulator's stats or fails the test.
func stats(ctx context.Context, t *testing.T, emu *e2e.Emulator) e2e.Stats {
	t.Helper()
	s, err := emu.Stats(ctx)
	if err != nil {
		t.Fatalf("emulator stats: %v", err)
	}
	return s
}

// waitInstances waits until the emulator reports want instances in state.
func waitInstances(ctx context.Context, t *testing.T, emu *e2e.Emulator, state string, want int64, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	err := e2e.WaitFor(ctx, 100*time.Millisecond, fmt.Sprintf("%d instances %s", want, state), func(ctx context.Context) (bool, error) {
		s, err := emu.Stats(ctx)
		return err == nil && s.Instances[state] >= want, err
	})
	if err != nil {
		s, _ := emu.Stats(context.WithoutCancel(ctx))
		t.Fatalf("%v; instances now %v", err, s.Instances)
	}
}

// seed creates n running instances through the API and returns their IDs, sorted.
func seed(ctx context.Context, t *testing.T, emu *e2e.Emulator, n int) []string {
	t.Helper()
	before := stats(ctx, t, emu).Instances["running"]
	ids, err := emu.API(projectID, token).RunInstances(ctx, "seed", n)
	if err != nil {
		t.Fatalf("seed %d instances: %v", n, err)
	}
	waitInstances(ctx, t, emu, "running", before+int64(n), 30*time.Second)
	sort.Strings(ids)
	return ids
}

// byState lists the emulator's instances grouped by state, IDs sorted.
func byState(ctx context.Context, t *testing.T, emu *e2e.Emulator) map[string][]string {
	t.Helper()
	m, err := emu.API(projectID, token).InstancesByState(ctx)
	if err != nil {
		t.Fatalf("list instances: %v", err)
	}
	for _, ids := range m {
		sort.Strings(ids)
	}
	return m
}

// assertOnlyState fails unless every listed instance is in state.
func assertOnlyState(t *testing.T, got map[string][]string, state string, want int) {
	t.Helper()
	for s, ids := range got {
		if s != state && len(ids) > 0 {
			t.Errorf("%d instances in state %s, want none (all %s): %v", len(ids), s, state, ids)
		}
	}
	if n := len(got[state]); n != want {
		t.Errorf("%d instances %s, want %d", n, state, want)
	}
}

// assertStateEmpty fails unless terraform's state has no resources.
func assertStateEmpty(ctx context.Context, t *testing.T, ws *e2e.Workspace) {
	t.Helper()
	list, err := ws.StateList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("terraform state still lists %v, want nothing", list)
	}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// uuidsIn returns the distinct lower-case UUIDs in s, sorted.
func uuidsIn(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range uuidRE.FindAllString(s, -1) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// suiteCtx bounds one scenario.
func suiteCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}
