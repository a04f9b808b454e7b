// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

// The adoption round trip, driven through the real CLI as a user runs it
// (plugin-testing does not wire -generate-config-out for query steps):
// instances started outside Terraform are found by `terraform query`,
// written out as configuration, imported with no change and applied to an
// empty plan; an import block by identity plans "1 to import".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
)

// Credentials of the adoption test's emulator.
const (
	adoptProject = "ad0b7ad0b7ad0b7ad0b7ad0b7ad0b7ad"
	adoptToken   = "adopt-token"
)

// firstQueryVersion is the first Terraform with `terraform query`.
var firstQueryVersion = version.Must(version.NewVersion("1.14.0"))

func TestAdoptWithQueryAndGeneratedConfig(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to build the binaries and run terraform query against the emulator")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	tfVersion := terraformVersion(ctx, t)
	if tfVersion.LessThan(firstQueryVersion) {
		t.Skipf("terraform %s has no `terraform query` (it needs %s or later): set TF_ACC_TERRAFORM_PATH to a newer CLI",
			tfVersion, firstQueryVersion)
	}

	bins, emu := buildAndStartEmulator(ctx, t, adoptProject, adoptToken,
		"--servers", "20", "--create-duration", "200ms", "--delete-duration", "200ms")
	api := emu.API(adoptProject, adoptToken)

	// Five instances started outside Terraform, straight through the API:
	// three with a description, metadata and two NICs, two bare.
	web := seedInstances(ctx, t, api, map[string]any{
		"name": "web", "description": "front end", "metadata": map[string]string{"role": "web", "team": "a"},
		"network_interfaces": []map[string]string{{"subnet_id": SeedSubnetID}, {"subnet_id": SeedSubnetID + "-2"}},
	}, 3)
	db := seedInstances(ctx, t, api, map[string]any{"name": "db"}, 2)
	seeded := slices.Concat(web, db)
	before, err := emu.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}

	w, err := NewWorkspace(t.TempDir(), bins.Dir)
	if err != nil {
		t.Fatal(err)
	}
	provider := RequiredProviders + fmt.Sprintf("provider \"clouddc\" {\n  endpoint   = %q\n  project_id = %q\n  auth_token = %q\n}\n",
		emu.URL, adoptProject, adoptToken)
	if err := w.WriteConfig(provider); err != nil {
		t.Fatal(err)
	}
	query := "list \"clouddc_instance\" \"all\" {\n  provider         = clouddc\n  include_resource = true\n}\n"
	if err := os.WriteFile(filepath.Join(w.Dir, "adopt.tfquery.hcl"), []byte(query), 0o600); err != nil {
		t.Fatal(err)
	}

	// terraform query lists all five, by display name "name (id)".
	out := mustRun(ctx, t, w, "query", "-no-color")
	for i, id := range web {
		mustContain(t, out, fmt.Sprintf("web-%04d (%s)", i+1, id))
	}
	for i, id := range db {
		mustContain(t, out, fmt.Sprintf("db-%04d (%s)", i+1, id))
	}

	// -generate-config-out writes a resource and an import block by identity
	// for each, with no password.
	mustRun(ctx, t, w, "query", "-no-color", "-generate-config-out=generated.tf")
	gen, err := os.ReadFile(filepath.Join(w.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	generated := string(gen)
	if n := strings.Count(generated, "resource \"clouddc_instance\""); n != 5 {
		t.Errorf("generated.tf has %d clouddc_instance blocks, want 5:\n%s", n, generated)
	}
	for _, id := range seeded {
		mustContain(t, generated, fmt.Sprintf("id         = %q", id))
	}
	if m := regexp.MustCompile(`(?m)^\s*password(_wo)?\s*=\s*"`).FindString(generated); m != "" {
		t.Errorf("generated.tf sets a password (%q):\n%s", m, generated)
	}

	// Unedited, it plans five imports and nothing else ...
	out = mustRun(ctx, t, w, "plan", "-no-color", "-out=adopt.tfplan")
	mustContain(t, out, "Plan: 5 to import, 0 to add, 0 to change, 0 to destroy.")
	checkNoOpImports(ctx, t, w, "adopt.tfplan", seeded)

	// ... applies as exactly that, and then plans no change.
	out = mustRun(ctx, t, w, "apply", "-no-color", "adopt.tfplan")
	mustContain(t, out, "Resources: 5 imported, 0 added, 0 changed, 0 destroyed.")
	out = mustRun(ctx, t, w, "plan", "-no-color", "-detailed-exitcode")
	mustContain(t, out, "No changes.")
	if list, err := w.StateList(ctx); err != nil || len(list) != 5 {
		t.Errorf("state list = %v (%v), want the 5 adopted instances", list, err)
	}

	// Adoption changed nothing in the cloud.
	after, err := emu.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"CreateInstance", "RunInstances", "DeleteInstance", "DeleteInstances", "ReinstallOS",
		"ChangeInstancePassword", "ModifyInstanceIp"} {
		if n := after.Requests[op] - before.Requests[op]; n != 0 {
			t.Errorf("adoption made %d %s calls, want 0", n, op)
		}
	}
	byState, err := api.InstancesByState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if running := byState["running"]; len(running) != 5 {
		t.Errorf("instances by state after adoption: %v, want 5 running", byState)
	}

	// An import block by identity (Terraform 1.12+), config generated by plan.
	solo := seedInstances(ctx, t, api, map[string]any{"name": "solo"}, 1)[0]
	w2, err := NewWorkspace(t.TempDir(), bins.Dir)
	if err != nil {
		t.Fatal(err)
	}
	// provider = clouddc: Terraform 1.16.0-rc2 otherwise looks for the
	// schema under hashicorp/clouddc when it generates configuration.
	if err := w2.WriteConfig(provider + fmt.Sprintf(
		"import {\n  to       = clouddc_instance.solo\n  provider = clouddc\n  identity = { id = %q }\n}\n", solo)); err != nil {
		t.Fatal(err)
	}
	out = mustRun(ctx, t, w2, "plan", "-no-color", "-generate-config-out=solo.tf", "-out=solo.tfplan")
	mustContain(t, out, "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.")
	checkNoOpImports(ctx, t, w2, "solo.tfplan", []string{solo})
	mustRun(ctx, t, w2, "apply", "-no-color", "solo.tfplan")
	// The import block has done its work (and its provider argument is only
	// valid while it generates configuration): drop it; solo.tf stays.
	if err := w2.WriteConfig(provider); err != nil {
		t.Fatal(err)
	}
	out = mustRun(ctx, t, w2, "plan", "-no-color", "-detailed-exitcode")
	mustContain(t, out, "No changes.")
}

// seedInstances starts n instances with one RunInstances call whose body is
// the defaults overridden by fields, and waits until they are running.
func seedInstances(ctx context.Context, t *testing.T, api *API, fields map[string]any, n int) []string {
	t.Helper()
	body := map[string]any{
		"image_id":           SeedImageID,
		"vpc_id":             SeedVpcID,
		"network_interfaces": []map[string]string{{"subnet_id": SeedSubnetID}},
		"password":           SeedPassword,
		"min_count":          n,
		"max_count":          n,
	}
	for k, v := range fields {
		body[k] = v
	}
	var resp struct {
		Instances []struct {
			ID string `json:"id"`
		} `json:"instances"`
	}
	if err := api.do(ctx, http.MethodPost, "/instances/batch-create", body, &resp); err != nil {
		t.Fatalf("RunInstances %v: %v", fields["name"], err)
	}
	ids := make([]string, 0, n)
	for _, in := range resp.Instances {
		ids = append(ids, in.ID)
	}
	if len(ids) != n {
		t.Fatalf("RunInstances started %d instances, want %d", len(ids), n)
	}
	err := WaitFor(ctx, 50*time.Millisecond, "seeded instances running", func(ctx context.Context) (bool, error) {
		byState, err := api.InstancesByState(ctx)
		if err != nil {
			return false, err
		}
		for _, id := range ids {
			if !slices.Contains(byState["running"], id) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkNoOpImports reads a saved plan and checks that it imports exactly ids
// (by identity or ID) and changes nothing.
func checkNoOpImports(ctx context.Context, t *testing.T, w *Workspace, planFile string, ids []string) {
	t.Helper()
	raw, err := w.ShowJSON(ctx, planFile)
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions   []string `json:"actions"`
				Importing *struct {
					ID       string            `json:"id"`
					Identity map[string]string `json:"identity"`
				} `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatalf("decode plan: %v", err)
	}
	var imported []string
	for _, rc := range plan.ResourceChanges {
		if !slices.Equal(rc.Change.Actions, []string{"no-op"}) {
			t.Errorf("%s: actions %v, want a no-op import", rc.Address, rc.Change.Actions)
		}
		if rc.Change.Importing == nil {
			t.Errorf("%s is not imported", rc.Address)
			continue
		}
		id := rc.Change.Importing.ID
		if ident := rc.Change.Importing.Identity; ident != nil {
			id = ident["id"]
			if p := ident["project_id"]; p != "" && p != adoptProject {
				t.Errorf("%s: identity project %q, want %q", rc.Address, p, adoptProject)
			}
		}
		imported = append(imported, id)
	}
	slices.Sort(imported)
	want := slices.Sorted(slices.Values(ids))
	if !slices.Equal(imported, want) {
		t.Errorf("plan imports %v, want %v", imported, want)
	}
}

// terraformVersion is the version of the terraform that workspaces run.
func terraformVersion(ctx context.Context, t *testing.T) *version.Version {
	t.Helper()
	tf, err := TerraformPath()
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWorkspace(t.TempDir(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.query(ctx, "version", "-json")
	if err != nil {
		t.Fatalf("%s version: %v", tf, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%s version -json: %v\n%s", tf, err, out)
	}
	parsed, err := version.NewVersion(v.Version)
	if err != nil {
		t.Fatalf("%s version %q: %v", tf, v.Version, err)
	}
	return parsed
}

// mustRun runs terraform and fails the test on a non-zero exit (-detailed-
// exitcode's 2, "changes present", included).
func mustRun(ctx context.Context, t *testing.T, w *Workspace, args ...string) string {
	t.Helper()
	res, err := w.Run(ctx, args...)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && slices.Contains(args, "-detailed-exitcode") && ee.ExitCode() == 2 {
			t.Fatalf("terraform %s: the plan has changes:\n%s", strings.Join(args, " "), res.Output)
		}
		t.Fatal(err)
	}
	return res.Output
}

func mustContain(t *testing.T, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Errorf("output does not contain %q:\n%s", want, s)
	}
}
