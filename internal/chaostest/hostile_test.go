// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// mutatingOperations are the API operations that change the cloud.
var mutatingOperations = []string{
	"CreateInstance", "RunInstances", "DeleteInstances", "DeleteInstance",
	"ReinstallOS", "ChangeInstancePassword", "ModifyInstanceIp", "ChangeServerPowerState",
}

// mutations lists what changed in the emulator between two stats: mutating
// requests that reached it, and instance counts that moved.
func mutations(before, after e2e.Stats) []string {
	var out []string
	for _, op := range mutatingOperations {
		if d := after.Requests[op] - before.Requests[op]; d != 0 {
			out = append(out, fmt.Sprintf("%d %s requests", d, op))
		}
	}
	if !maps.Equal(after.Instances, before.Instances) {
		out = append(out, fmt.Sprintf("instances changed from %v to %v", before.Instances, after.Instances))
	}
	return out
}

// canaryHCL is a one-instance fleet created only after the batch "x": if
// terraform accepted the hostile batch, the canary's RunInstances would
// reach the emulator, so "nothing mutated" can fail for every case that an
// emulator would let through.
const canaryHCL = `
resource "clouddc_instances" "canary" {
  name               = "canary"
  image_id           = %q
  vpc_id             = %q
  password           = %q
  instance_count     = 1
  network_interfaces = [{ subnet_id = %q }]
  depends_on         = [clouddc_instances_batch_delete.x]
}
`

// hostileEnv is one case's own emulator and what was seeded in it.
type hostileEnv struct {
	emu  *e2e.Emulator
	ids  []string // running instances seeded for the case
	conf providerConf
}

// hostileCase is one configuration terraform must refuse.
type hostileCase struct {
	name string
	// flags and seed shape the case's own emulator: extra flags, and how
	// many running instances to seed in it.
	flags []string
	seed  int
	// setup returns the provider block and the hostile batch "x".
	setup func(ctx context.Context, t *testing.T, env *hostileEnv) (providerConf, string)
	want  *regexp.Regexp // the error must match (after unwrapping terraform's box)
}

// TestHostileInput: every case is refused by terraform apply with a clear
// error, and nothing changes in the emulator. Each case runs against its
// own emulator, so that one case's requests cannot hide or fake another's,
// and each configuration carries a canary fleet that would be created if
// terraform let the case through. A control case, valid, shows that the
// check sees a mutation when there is one.
func TestHostileInput(t *testing.T) {
	precheck(t)
	const (
		unknown      = "0198170e-4ca7-7ee4-89a7-fa631843920b"
		otherProject = "0ff1ce000ff1ce000ff1ce000ff1ce00"
	)
	onIDs := func(ids ...string) func(context.Context, *testing.T, *hostileEnv) (providerConf, string) {
		return func(_ context.Context, _ *testing.T, env *hostileEnv) (providerConf, string) {
			return env.conf, batchDeleteHCL("x", ids, "")
		}
	}
	withProvider := func(mod func(*providerConf)) func(context.Context, *testing.T, *hostileEnv) (providerConf, string) {
		return func(_ context.Context, _ *testing.T, env *hostileEnv) (providerConf, string) {
			p := env.conf
			mod(&p)
			return p, batchDeleteHCL("x", env.ids[:1], "")
		}
	}
	cases := []hostileCase{
		{name: "51 IDs", seed: 51, want: regexp.MustCompile(`50`),
			setup: func(_ context.Context, _ *testing.T, env *hostileEnv) (providerConf, string) {
				// Real instances: without the plan-time limit they would be adopted.
				return env.conf, batchDeleteHCL("x", env.ids, "")
			}},
		{name: "empty set", want: regexp.MustCompile(`(?i)at least 1|empty|1 and 50|between 1`), setup: onIDs()},
		{name: "non-UUID", want: regexp.MustCompile(`i-am-not-a-uuid`), setup: onIDs("i-am-not-a-uuid")},
		{name: "upper-case UUID", seed: 1, want: regexp.MustCompile(`(?i)not a lower-case UUID`),
			setup: func(_ context.Context, _ *testing.T, env *hostileEnv) (providerConf, string) {
				return env.conf, batchDeleteHCL("x", []string{upperUUID(env.ids[0])}, "")
			}},
		{name: "unknown ID", seed: 1, want: regexp.MustCompile(unknown),
			setup: func(_ context.Context, _ *testing.T, env *hostileEnv) (providerConf, string) {
				return env.conf, batchDeleteHCL("x", []string{env.ids[0], unknown}, "")
			}},
		{name: "ID from another project", want: regexp.MustCompile(`Unknown CloudDC instances`),
			setup: func(ctx context.Context, t *testing.T, env *hostileEnv) (providerConf, string) {
				// An instance that exists, but in another project (another emulator).
				other := startEmulator(t, "--servers", "1", "--project-id", otherProject)
				foreign, err := other.API(otherProject, token).RunInstances(ctx, "foreign", 1)
				if err != nil {
					t.Fatal(err)
				}
				return env.conf, batchDeleteHCL("x", foreign, "")
			}},
		{name: "no credentials", seed: 1, want: regexp.MustCompile(`(?i)auth_token|access_key|credential|authenticat`),
			setup: withProvider(func(p *providerConf) { p.Token = "" })},
		{name: "wrong token", seed: 1, want: regexp.MustCompile(`(?i)401|unauthori[sz]ed|iMetal\.0003|token`),
			setup: withProvider(func(p *providerConf) { p.Token = "not-the-token" })},
		{name: "expired token", seed: 1, flags: []string{"--token-ttl", "3s"}, want: regexp.MustCompile(`(?i)expired`),
			setup: func(ctx context.Context, t *testing.T, env *hostileEnv) (providerConf, string) {
				api := env.emu.API(projectID, token)
				issued := time.Now()
				tok, err := api.IssueToken(ctx, "chaos-user", "chaos-password")
				if err != nil {
					t.Fatal(err)
				}
				// The issued token works now, and expires within the test
				// (expiry has one-second resolution, hence the margin).
				byToken := *api
				byToken.Token = tok
				if _, err := byToken.ListInstances(ctx); err != nil {
					t.Fatalf("a freshly issued token is refused: %v", err)
				}
				sleepUntil(ctx, t, issued.Add(4100*time.Millisecond))
				p := env.conf
				p.Token = tok
				return p, batchDeleteHCL("x", env.ids[:1], "")
			}},
		{name: "bad AK/SK", seed: 1, want: regexp.MustCompile(`(?i)401|unauthori[sz]ed|iMetal\.0003|signature`),
			setup: withProvider(func(p *providerConf) { p.Token, p.AccessKey, p.SecretKey = "", accessKey, "not-the-secret" })},
		{name: "another project_id", seed: 1, want: regexp.MustCompile(`(?i)403|404|forbidden|project`),
			setup: withProvider(func(p *providerConf) { p.ProjectID = otherProject })},
		{name: "malformed endpoint", seed: 1, want: regexp.MustCompile(`(?i)endpoint`),
			setup: withProvider(func(p *providerConf) { p.Endpoint = "htp:/127.0.0.1 oops" })},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := suiteCtx(t, 2*time.Minute)
			env := newHostileEnv(ctx, t, tc.seed, tc.flags...)
			conf, hostile := tc.setup(ctx, t, env)
			before := stats(ctx, t, env.emu)
			ws := newWorkspace(t, conf.HCL()+hostile+canary())
			out := errorSection(tfFails(ctx, t, ws, applyArgs...))
			t.Logf("refused with: %s", flatten(out))
			if !tc.want.MatchString(flatten(out)) {
				t.Errorf("the error does not match %s:\n%s", tc.want, out)
			}
			for _, m := range mutations(before, stats(ctx, t, env.emu)) {
				t.Errorf("the refused apply changed the cloud: %s", m)
			}
			assertOnlyState(t, byState(ctx, t, env.emu), "running", len(env.ids))
			assertStateEmpty(ctx, t, ws)
		})
	}

	// The control: the same shape of configuration, valid, does mutate,
	// and the check sees it.
	t.Run("control: a valid configuration is seen to mutate", func(t *testing.T) {
		t.Parallel()
		ctx := suiteCtx(t, 2*time.Minute)
		env := newHostileEnv(ctx, t, 1)
		before := stats(ctx, t, env.emu)
		ws := newWorkspace(t, env.conf.HCL()+batchDeleteHCL("x", env.ids, "")+canary())
		tf(ctx, t, ws, applyArgs...)
		if m := mutations(before, stats(ctx, t, env.emu)); len(m) == 0 {
			t.Error("a valid apply that creates the canary fleet shows no mutation: the check cannot fail")
		}
	})
}

// newHostileEnv starts a case's own emulator and seeds n running instances.
func newHostileEnv(ctx context.Context, t *testing.T, n int, flags ...string) *hostileEnv {
	t.Helper()
	emu := startEmulator(t, append([]string{"--servers", fmt.Sprint(n + 2)}, flags...)...)
	env := &hostileEnv{emu: emu, conf: tokenProvider(emu)}
	env.conf.MaxRetries = 1
	if n > 0 {
		env.ids = seed(ctx, t, emu, n)
	}
	return env
}

func canary() string {
	return fmt.Sprintf(canaryHCL, e2e.SeedImageID, e2e.SeedVpcID, e2e.SeedPassword, e2e.SeedSubnetID)
}

// upperUUID returns id in upper case (a well-formed UUID the API does not use).
func upperUUID(id string) string {
	b := []byte(id)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// sleepUntil waits until at, or fails the test when ctx ends first.
func sleepUntil(ctx context.Context, t *testing.T, at time.Time) {
	t.Helper()
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	case <-timer.C:
	}
}
