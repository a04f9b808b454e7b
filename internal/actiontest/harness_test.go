// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package actiontest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// Credentials of every emulator the suite starts.
const (
	projectID = "ac7104ac7104ac7104ac7104ac7104ac"
	token     = "action-token-Jq4Wn8Rt2"
)

var (
	// bins are the binaries TestMain built; empty when the suite is skipped.
	bins e2e.Binaries
	// cli is the terraform the tests run.
	cli e2e.CLI
	// skipAll says why every test skips, or is empty.
	skipAll string
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		skipAll = "set TF_ACC=1 to run the action tests (they build the binaries and run terraform against the emulator)"
		fmt.Println("actiontest: skipping:", skipAll)
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	path, err := e2e.TerraformPath()
	if err == nil {
		cli, err = e2e.IdentifyCLI(ctx, path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "actiontest:", err)
		return 1
	}
	if ok, why := cli.Supports(e2e.FeatureActions); !ok {
		skipAll = why
		fmt.Println("actiontest: skipping every test:", why)
		return m.Run()
	}
	fmt.Printf("actiontest: %s (%s)\n", cli, cli.Path)
	dir, err := os.MkdirTemp("", "clouddc-actiontest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "actiontest:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	root, err := e2e.ModuleRoot(ctx)
	if err == nil {
		bins, err = e2e.Build(ctx, root, dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "actiontest: build:", err)
		return 1
	}
	return m.Run()
}

// precheck skips the test, saying why, unless the suite runs and the CLI has
// feature f.
func precheck(t *testing.T, f e2e.Feature) {
	t.Helper()
	if skipAll != "" {
		t.Skip(skipAll)
	}
	if ok, why := cli.Supports(f); !ok {
		t.Skip(why)
	}
}

// baseEmulatorFlags are every emulator's flags; a test's own flags come
// after them and win (the emulator's flag parsing keeps the last value).
var baseEmulatorFlags = []string{
	"--listen", "127.0.0.1:0",
	"--project-id", projectID,
	"--token", token,
	"--servers", "20",
	"--create-duration", "200ms",
	// Long enough that an action which did not wait would be seen
	// unfinished, short enough for a quick suite.
	"--delete-duration", "1500ms",
	"--power-duration", "1500ms",
	"--terminated-ttl", "30m",
	"--log-level", "warn",
}

// startEmulator starts the emulator binary and stops it when the test ends.
func startEmulator(t *testing.T, flags ...string) *e2e.Emulator {
	t.Helper()
	emu, err := e2e.StartEmulator(t.Context(), bins.Emulator, append(slices.Clone(baseEmulatorFlags), flags...)...)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emulator log tail:\n%s", emu.Logs())
		}
		if err := emu.Stop(); err != nil {
			t.Errorf("stop emulator: %v", err)
		}
	})
	return emu
}

// api is an observer of emu, independent of the provider.
func api(emu *e2e.Emulator) *e2e.API { return emu.API(projectID, token) }

// providerHCL is the terraform and provider blocks for emu.
func providerHCL(emu *e2e.Emulator) string {
	return e2e.RequiredProviders + fmt.Sprintf(`
provider "clouddc" {
  endpoint   = %q
  project_id = %q
  auth_token = %q
}
`, emu.URL, projectID, token)
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

// Arguments of the terraform commands the tests run.
var (
	applyArgs   = []string{"apply", "-auto-approve", "-input=false", "-no-color"}
	destroyArgs = []string{"destroy", "-auto-approve", "-input=false", "-no-color"}
)

// invokeArgs runs one action from the CLI.
func invokeArgs(addr string) []string {
	return append(slices.Clone(applyArgs), "-invoke="+addr)
}

// tf runs terraform and fails the test if it exits non-zero.
func tf(ctx context.Context, t *testing.T, ws *e2e.Workspace, args ...string) *e2e.Result {
	t.Helper()
	res, err := ws.Run(ctx, args...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Logf("terraform %s: %s", strings.Join(args, " "), res.Elapsed.Round(10*time.Millisecond))
	return res
}

// tfFails runs terraform, fails the test unless it exits non-zero, and
// returns its output.
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
	t.Logf("terraform %s failed as expected after %s", strings.Join(args, " "), re.Result.Elapsed.Round(10*time.Millisecond))
	return re.Result.Output
}

// testCtx bounds one test.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// seed creates n running instances through the API and returns their IDs.
func seed(ctx context.Context, t *testing.T, emu *e2e.Emulator, n int) []string {
	t.Helper()
	ids, err := api(emu).RunInstances(ctx, "seed", n)
	if err != nil {
		t.Fatalf("seed %d instances: %v", n, err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = e2e.WaitFor(waitCtx, 50*time.Millisecond, fmt.Sprintf("%d seeded instances running", n), func(ctx context.Context) (bool, error) {
		states, err := instanceStates(ctx, emu)
		if err != nil {
			return false, err
		}
		for _, id := range ids {
			if states[id] != "running" {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// instanceStates asks the emulator for the state of every instance it lists.
func instanceStates(ctx context.Context, emu *e2e.Emulator) (map[string]string, error) {
	all, err := api(emu).ListInstances(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(all))
	for _, in := range all {
		out[in.ID] = in.State
	}
	return out, nil
}

// assertInstanceStates fails the test unless the emulator reports every one
// of ids in state want (asked right now: no waiting).
func assertInstanceStates(ctx context.Context, t *testing.T, emu *e2e.Emulator, want string, ids []string) {
	t.Helper()
	states, err := instanceStates(ctx, emu)
	if err != nil {
		t.Fatalf("list instances: %v", err)
	}
	for _, id := range ids {
		if got, ok := states[id]; !ok || got != want {
			t.Errorf("instance %s is %q, want %q", id, got, want)
		}
	}
}

// serverIDs returns the IDs of the emulator's first n servers.
func serverIDs(ctx context.Context, t *testing.T, emu *e2e.Emulator, n int) []string {
	t.Helper()
	all, err := api(emu).Servers(ctx)
	if err != nil {
		t.Fatalf("list servers: %v", err)
	}
	if len(all) < n {
		t.Fatalf("the emulator has %d servers, want at least %d", len(all), n)
	}
	ids := make([]string, 0, n)
	for _, s := range all[:n] {
		ids = append(ids, s.ID)
	}
	return ids
}

// assertPowerStates fails the test unless every server of ids has
// power_state want (asked right now: no waiting).
func assertPowerStates(ctx context.Context, t *testing.T, emu *e2e.Emulator, want string, ids []string) {
	t.Helper()
	for _, id := range ids {
		s, err := api(emu).Server(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if s.PowerState != want {
			t.Errorf("server %s has power_state %q, want %q", id, s.PowerState, want)
		}
	}
}

// requests is how many API requests of operation op the emulator served.
func requests(ctx context.Context, t *testing.T, emu *e2e.Emulator, op string) int64 {
	t.Helper()
	s, err := emu.Stats(ctx)
	if err != nil {
		t.Fatalf("emulator stats: %v", err)
	}
	return s.Requests[op]
}

// progressLine is how terraform shows an action's progress event, e.g.
// "Action action.clouddc_batch_delete_instances.x (triggered by CLI): 3/3 terminated; done".
var progressLine = regexp.MustCompile(`(?m)^Action (action\.\S+) \(triggered by ([^)]+)\): (.*)$`)

// progress returns the progress messages terraform printed for the action at
// addr triggered by by ("CLI" for -invoke, else the resource's address).
func progress(output, addr, by string) []string {
	var msgs []string
	for _, m := range progressLine.FindAllStringSubmatch(output, -1) {
		if m[1] == addr && m[2] == by {
			msgs = append(msgs, strings.TrimSpace(m[3]))
		}
	}
	return msgs
}

// assertProgress fails the test unless terraform showed the action's
// progress: a first message matching first and, last, the message last.
func assertProgress(t *testing.T, output, addr, by string, first *regexp.Regexp, last string) {
	t.Helper()
	msgs := progress(output, addr, by)
	if len(msgs) < 2 {
		t.Errorf("terraform showed %d progress messages of %s (triggered by %s), want the first state and the last: %q\noutput:\n%s",
			len(msgs), addr, by, msgs, output)
		return
	}
	if !first.MatchString(msgs[0]) {
		t.Errorf("first progress message of %s = %q, want it to match %s", addr, msgs[0], first)
	}
	if got := msgs[len(msgs)-1]; got != last {
		t.Errorf("last progress message of %s = %q, want %q", addr, got, last)
	}
}

// assertNames fails the test unless output names every one of ids.
func assertNames(t *testing.T, output, what string, ids []string) {
	t.Helper()
	for _, id := range ids {
		if !strings.Contains(output, id) {
			t.Errorf("%s does not name %s; output:\n%s", what, id, output)
		}
	}
}

// hclStrings renders strings as an HCL tuple.
func hclStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
