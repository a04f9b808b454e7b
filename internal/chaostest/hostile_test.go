// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"fmt"
	"maps"
	"regexp"
	"testing"
	"time"
)

// mutatingOperations are the API operations that change the cloud.
var mutatingOperations = []string{
	"CreateInstance", "RunInstances", "DeleteInstances", "DeleteInstance",
	"ReinstallOS", "ChangeInstancePassword", "ModifyInstanceIp", "ChangeServerPowerState",
}

// hostileCase is one configuration terraform must refuse.
type hostileCase struct {
	name     string
	provider providerConf
	resource string
	want     *regexp.Regexp // the error must match (after unwrapping terraform's box)
}

// TestHostileInput: every case is refused by terraform apply with a clear
// error, and nothing changes in the emulator.
func TestHostileInput(t *testing.T) {
	precheck(t)
	ctx := suiteCtx(t, 3*time.Minute)
	emu := startEmulator(t, "--servers", "5", "--token-ttl", "3s")
	api := emu.API(projectID, token)
	expired, err := api.IssueToken(ctx, "chaos-user", "chaos-password")
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Now()
	// The issued token works now, and expires within the test (expiry has
	// one-second resolution, hence the margin).
	byToken := *api
	byToken.Token = expired
	if _, err := byToken.ListInstances(ctx); err != nil {
		t.Fatalf("a freshly issued token is refused: %v", err)
	}
	ids := seed(ctx, t, emu, 3)

	// An instance that exists, but in another project (another emulator).
	const otherProject = "0ff1ce000ff1ce000ff1ce000ff1ce00"
	other := startEmulator(t, "--servers", "1", "--project-id", otherProject)
	foreign, err := other.API(otherProject, token).RunInstances(ctx, "foreign", 1)
	if err != nil {
		t.Fatal(err)
	}

	timer := time.NewTimer(time.Until(issued.Add(4100 * time.Millisecond)))
	select {
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	case <-timer.C:
	}

	fifty1 := make([]string, 51)
	for i := range fifty1 {
		fifty1[i] = fmt.Sprintf("0198170e-4ca7-7ee4-89a7-%012x", i)
	}
	const (
		unknown = "0198170e-4ca7-7ee4-89a7-fa631843920b"
		upper   = "0198170E-4CA7-7EE4-89A7-FA631843920B"
	)
	good := tokenProvider(emu)
	provider := func(mod func(*providerConf)) providerConf {
		p := good
		p.MaxRetries = 1
		mod(&p)
		return p
	}
	onExisting := batchDeleteHCL("x", ids[:1], "")
	cases := []hostileCase{
		{"51 IDs", good, batchDeleteHCL("x", fifty1, ""), regexp.MustCompile(`50`)},
		{"empty set", good, batchDeleteHCL("x", nil, ""), regexp.MustCompile(`(?i)at least 1|empty|1 and 50|between 1`)},
		{"non-UUID", good, batchDeleteHCL("x", []string{"i-am-not-a-uuid"}, ""), regexp.MustCompile(`i-am-not-a-uuid`)},
		{"upper-case UUID", good, batchDeleteHCL("x", []string{upper}, ""), regexp.MustCompile(upper)},
		{"unknown ID", good, batchDeleteHCL("x", []string{ids[0], unknown}, ""), regexp.MustCompile(unknown)},
		{"ID from another project", good, batchDeleteHCL("x", foreign, ""), regexp.MustCompile(foreign[0])},
		{"no credentials", provider(func(p *providerConf) { p.Token = "" }), onExisting,
			regexp.MustCompile(`(?i)auth_token|access_key|credential|authenticat`)},
		{"wrong token", provider(func(p *providerConf) { p.Token = "not-the-token" }), onExisting,
			regexp.MustCompile(`(?i)401|unauthori[sz]ed|iMetal\.0003|token`)},
		{"expired token", provider(func(p *providerConf) { p.Token = expired }), onExisting,
			regexp.MustCompile(`(?i)expired`)},
		{"bad AK/SK", provider(func(p *providerConf) { p.Token, p.AccessKey, p.SecretKey = "", accessKey, "not-the-secret" }), onExisting,
			regexp.MustCompile(`(?i)401|unauthori[sz]ed|iMetal\.0003|signature`)},
		{"another project_id", provider(func(p *providerConf) { p.ProjectID = otherProject }), onExisting,
			regexp.MustCompile(`(?i)403|404|forbidden|project`)},
		{"malformed endpoint", provider(func(p *providerConf) { p.Endpoint = "htp:/127.0.0.1 oops" }), onExisting,
			regexp.MustCompile(`(?i)endpoint`)},
	}

	// The cases run in parallel inside one group, so that the checks after
	// the group see the end state of all of them.
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				before := stats(ctx, t, emu)
				ws := newWorkspace(t, tc.provider.HCL()+tc.resource)
				out := errorSection(tfFails(ctx, t, ws, applyArgs...))
				t.Logf("refused with: %s", flatten(out))
				if !tc.want.MatchString(flatten(out)) {
					t.Errorf("the error does not match %s:\n%s", tc.want, out)
				}
				after := stats(ctx, t, emu)
				for _, op := range mutatingOperations {
					if d := after.Requests[op] - before.Requests[op]; d != 0 {
						t.Errorf("%d %s requests reached the emulator, want none", d, op)
					}
				}
				if !maps.Equal(after.Instances, before.Instances) {
					t.Errorf("instances changed from %v to %v", before.Instances, after.Instances)
				}
				assertStateEmpty(ctx, t, ws)
			})
		}
	})
	// The seeded and the foreign instances are untouched.
	assertOnlyState(t, byState(ctx, t, emu), "running", 3)
	if st, err := other.API(otherProject, token).InstancesByState(ctx); err != nil || len(st["running"]) != 1 {
		t.Errorf("the other project's instance: %v (err %v), want 1 running", st, err)
	}
}
