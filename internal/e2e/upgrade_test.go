// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

// The state upgrade of clouddc_instances, driven through the real CLI: a
// state written by the provider before schema version 1 (testdata/
// fleet-v0.state.json, written by `terraform apply` of a three-instance fleet,
// with its IDs made placeholders) is planned, refreshed and destroyed by
// today's provider, with nothing done by hand.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	upgradeProject = "0b9a0e0b9a0e0b9a0e0b9a0e0b9a0e0b"
	upgradeToken   = "upgrade-token"
)

func TestFleetStateV0UpgradesWithoutChanges(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to build the binaries and run terraform against the emulator")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	bins, emu := buildAndStartEmulator(ctx, t, upgradeProject, upgradeToken,
		"--servers", "5", "--create-duration", "100ms", "--delete-duration", "200ms")
	api := emu.API(upgradeProject, upgradeToken)
	ids := seedInstances(ctx, t, api, map[string]any{"name": "bench-fleet"}, 3)
	servers := serversOf(ctx, t, api, ids)

	w, err := NewWorkspace(t.TempDir(), bins.Dir)
	if err != nil {
		t.Fatal(err)
	}
	writeV0State(t, w.Dir, ids, servers)
	config := RequiredProviders + fmt.Sprintf(`
provider "clouddc" {
  endpoint   = %q
  project_id = %q
  auth_token = %q
}

resource "clouddc_instances" "fleet" {
  name               = "bench-fleet"
  image_id           = %q
  vpc_id             = %q
  password           = %q
  instance_count     = 3
  network_interfaces = [{ subnet_id = %q }]
}
`, emu.URL, upgradeProject, upgradeToken, SeedImageID, SeedVpcID, SeedPassword, SeedSubnetID)
	if err := w.WriteConfig(config); err != nil {
		t.Fatal(err)
	}

	// The old state plans with no change (the upgrade and a refresh run
	// first), and a refresh writes it at version 1.
	mustRun(ctx, t, w, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	mustRun(ctx, t, w, "apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
	version, instances := readFleetState(t, w.Dir)
	if version != 1 {
		t.Errorf("schema_version after a refresh = %d, want 1", version)
	}
	want := map[string]string{}
	for _, id := range ids {
		want[id] = "running"
	}
	if !maps.Equal(instances, want) {
		t.Errorf("instances after the upgrade = %v, want %v", instances, want)
	}
	mustRun(ctx, t, w, "plan", "-detailed-exitcode", "-input=false", "-no-color")

	// And the upgraded state destroys every instance it had.
	mustRun(ctx, t, w, "destroy", "-auto-approve", "-input=false", "-no-color")
	byState, err := api.InstancesByState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !slices.Contains(byState["terminated"], id) {
			t.Errorf("instance %s is not terminated after destroy (%v)", id, byState)
		}
	}
}

// writeV0State writes testdata/fleet-v0.state.json into dir as
// terraform.tfstate, with ids and servers in place of its placeholders.
func writeV0State(t *testing.T, dir string, ids, servers []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fleet-v0.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Sorted(slices.Values(ids))
	sum := sha256.Sum256([]byte(strings.Join(sorted, ",")))
	pairs := []string{"{{FLEET_ID}}", hex.EncodeToString(sum[:16])}
	for i := range ids {
		pairs = append(pairs, fmt.Sprintf("{{INSTANCE_%d}}", i+1), ids[i], fmt.Sprintf("{{SERVER_%d}}", i+1), servers[i])
	}
	state := strings.NewReplacer(pairs...).Replace(string(raw))
	if strings.Contains(state, "{{") {
		t.Fatalf("testdata/fleet-v0.state.json has placeholders for more than %d instances", len(ids))
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
}

// readFleetState reads the schema version and the instances attribute of
// the fleet from dir's terraform.tfstate.
func readFleetState(t *testing.T, dir string) (int, map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				SchemaVersion int `json:"schema_version"`
				Attributes    struct {
					Instances map[string]string `json:"instances"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("decode terraform.tfstate: %v", err)
	}
	for _, r := range st.Resources {
		if r.Type == "clouddc_instances" && len(r.Instances) == 1 {
			return r.Instances[0].SchemaVersion, r.Instances[0].Attributes.Instances
		}
	}
	t.Fatalf("terraform.tfstate has no clouddc_instances:\n%s", raw)
	return 0, nil
}

// serversOf returns the server of each of ids, in order.
func serversOf(ctx context.Context, t *testing.T, api *API, ids []string) []string {
	t.Helper()
	all, err := api.ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	servers := make([]string, len(ids))
	for i, id := range ids {
		for _, inst := range all {
			if inst.ID == id {
				servers[i] = inst.ServerID
			}
		}
		if servers[i] == "" {
			t.Fatalf("instance %s has no server", id)
		}
	}
	return servers
}
