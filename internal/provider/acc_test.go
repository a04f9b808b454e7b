// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

// The acceptance-test harness: real terraform, the provider in-process over
// protocol 6, and an in-process emulator per test with millisecond timings.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/lifecycle"
)

// Values the emulator accepts as they are (CloudDC has no image or VPC APIs
// of its own) and a password that satisfies the CloudDC rule.
const (
	testAccImageID     = "3c9c5e3a-6f0e-4a51-9a55-5b0e3c6f1a01"
	testAccImageID2    = "3c9c5e3a-6f0e-4a51-9a55-5b0e3c6f1a02"
	testAccVpcID       = "6a3b8f0e-1d2c-4e5f-8a9b-0c1d2e3f4a5b"
	testAccSubnetID    = "7b4c9a1f-2e3d-4f60-9bac-1d2e3f4a5b6c"
	testAccSubnetID2   = "8c5dab20-3f4e-4071-8cbd-2e3f4a5b6c7d"
	testAccPassword    = "Passw0rd!x"
	testAccNewPassword = "N3w-Passw0rd"
)

// testAccTune makes the provider poll and back off on millisecond timescales,
// to match the emulator's millisecond create and delete durations.
func testAccTune(c *clouddc.Config, o *lifecycle.Options) {
	c.RetryWaitMin = 5 * time.Millisecond
	c.RetryWaitMax = 50 * time.Millisecond
	o.PollInitial = 5 * time.Millisecond
	o.PollMax = 50 * time.Millisecond
	o.BatchWindow = 5 * time.Millisecond
	o.TransitionSettle = 500 * time.Millisecond
}

// testAccProtoV6ProviderFactories serves a fresh provider, in-process, for
// every terraform command of an acceptance test.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"clouddc": func() (tfprotov6.ProviderServer, error) {
		return providerserver.NewProtocol6WithError(&clouddcProvider{version: "test", tune: testAccTune})()
	},
}

var testAccEnvOnce sync.Once

// testAccPreCheck skips the test unless TF_ACC is set, and points the testing
// framework at the terraform on PATH (unless TF_ACC_TERRAFORM_PATH is already
// set) so that nothing is ever downloaded. Call it first in every acceptance
// test, before starting an emulator.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it")
	}
	testAccEnvOnce.Do(func() {
		// Process-wide and idempotent: t.Setenv cannot be used in parallel tests.
		if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
			if path, err := exec.LookPath("terraform"); err == nil {
				os.Setenv("TF_ACC_TERRAFORM_PATH", path) //nolint:errcheck,usetesting // Shared by parallel tests.
			}
		}
		if os.Getenv("CHECKPOINT_DISABLE") == "" {
			os.Setenv("CHECKPOINT_DISABLE", "1") //nolint:errcheck,usetesting // Shared by parallel tests.
		}
	})
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		t.Fatal("terraform is not on PATH and TF_ACC_TERRAFORM_PATH is not set; it is never downloaded")
	}
}

var (
	testAccCLIOnce sync.Once
	testAccCLIInfo e2e.CLI
	testAccCLIErr  error
)

// testAccCLI identifies the CLI the acceptance tests run (Terraform or
// OpenTofu, and its version), once per test binary.
func testAccCLI(t *testing.T) e2e.CLI {
	t.Helper()
	testAccPreCheck(t)
	testAccCLIOnce.Do(func() {
		// Once per binary, for whichever test comes first: not that test's context.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		testAccCLIInfo, testAccCLIErr = e2e.IdentifyCLI(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"))
	})
	if testAccCLIErr != nil {
		t.Fatal(testAccCLIErr)
	}
	return testAccCLIInfo
}

// testAccSkipUnless skips the test, saying why, when the CLI lacks f. It
// tells OpenTofu apart, which tfversion checks cannot: they see only a
// version number, and OpenTofu 1.14 would still have no actions.
func testAccSkipUnless(t *testing.T, f e2e.Feature) {
	t.Helper()
	if ok, why := testAccCLI(t).Supports(f); !ok {
		t.Skip(why)
	}
}

// newAccEmulator starts an in-process emulator for one test; it stops when
// the test ends. Zero fields of cfg get emulatortest's millisecond defaults.
func newAccEmulator(t *testing.T, cfg emulator.Config) *emulatortest.Server {
	t.Helper()
	return emulatortest.Start(t, cfg)
}

// testAccProviderConfig is a provider block that talks to srv with its token.
func testAccProviderConfig(srv *emulatortest.Server) string {
	return fmt.Sprintf(`
provider "clouddc" {
  endpoint   = %q
  project_id = %q
  auth_token = %q
}
`, srv.URL, srv.Config.ProjectID, srv.Config.Token)
}

// testAccClient is an API client for srv, for checks that ask the emulator
// directly (CheckDestroy, out-of-band changes).
func testAccClient(t *testing.T, srv *emulatortest.Server) *clouddc.Client {
	t.Helper()
	cfg := clouddc.Config{
		Endpoint:  srv.URL,
		ProjectID: srv.Config.ProjectID,
		AuthToken: srv.Config.Token,
		UserAgent: "terraform-provider-clouddc/acctest",
	}
	testAccTune(&cfg, &lifecycle.Options{})
	c, err := clouddc.NewClient(cfg)
	if err != nil {
		t.Fatalf("client for the emulator: %v", err)
	}
	return c
}

// testAccEngine is a delete/wait engine over testAccClient with test timings.
func testAccEngine(t *testing.T, srv *emulatortest.Server) *lifecycle.Engine {
	t.Helper()
	opts := lifecycle.Options{Optimize: true}
	testAccTune(&clouddc.Config{}, &opts)
	return lifecycle.NewEngine(testAccClient(t, srv), opts)
}

// testAccCreateInstances seeds n running instances through the API (one
// RunInstances call) and returns their IDs.
func testAccCreateInstances(t *testing.T, srv *emulatortest.Server, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	count := int32(n) //nolint:gosec // Test sizes are small.
	resp, err := testAccClient(t, srv).RunInstances(ctx, &clouddc.RunInstancesRequest{
		Name:              "seeded",
		ImageID:           testAccImageID,
		VpcID:             testAccVpcID,
		NetworkInterfaces: []clouddc.RunInstancesNetworkInterface{{SubnetID: testAccSubnetID}},
		Password:          testAccPassword,
		MinCount:          &count,
		MaxCount:          &count,
	})
	if err != nil {
		t.Fatalf("seeding %d instances: %v", n, err)
	}
	ids := make([]string, 0, len(resp.Instances))
	for _, in := range resp.Instances {
		ids = append(ids, in.ID)
	}
	if len(ids) != n {
		t.Fatalf("seeding: RunInstances created %d instances, want %d", len(ids), n)
	}
	if _, err := testAccEngine(t, srv).WaitForState(ctx, ids, clouddc.StateRunning); err != nil {
		t.Fatalf("seeding: waiting for running: %v", err)
	}
	return ids
}

// testAccInstanceStates asks the emulator for the state of each id; an id
// that no longer exists is absent from the map.
func testAccInstanceStates(ctx context.Context, t *testing.T, srv *emulatortest.Server, ids []string) (map[string]string, error) {
	t.Helper()
	states := make(map[string]string, len(ids))
	for in, err := range testAccClient(t, srv).AllInstances(ctx, clouddc.ListInstancesRequest{InstanceIDs: ids}) {
		if err != nil {
			return nil, err
		}
		states[in.ID] = in.State
	}
	return states, nil
}

// testAccCheckInstanceDestroyed is a CheckDestroy that asks the emulator
// whether every clouddc_instance left in the last state is gone (terminated
// or unknown).
func testAccCheckInstanceDestroyed(t *testing.T, srv *emulatortest.Server) func(*terraform.State) error {
	const resourceType = "clouddc_instance"
	return func(s *terraform.State) error {
		var ids []string
		for _, rs := range s.RootModule().Resources {
			if rs.Type == resourceType && rs.Primary != nil && rs.Primary.ID != "" {
				ids = append(ids, rs.Primary.ID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		states, err := testAccInstanceStates(t.Context(), t, srv, ids)
		if err != nil {
			return fmt.Errorf("asking the emulator: %w", err)
		}
		for id, state := range states {
			if !clouddc.IsTerminalState(state) {
				return fmt.Errorf("%s %s still exists in state %q after destroy", resourceType, id, state)
			}
		}
		return nil
	}
}

// testAccLyingProxy starts a reverse proxy to srv that passes every request
// on and hands each answer to lie, which may replace its status and body
// before the provider sees it: a gateway that misbehaves. It returns the
// proxy's URL, for the provider's endpoint.
func testAccLyingProxy(t *testing.T, srv *emulatortest.Server, lie func(r *http.Request, status int, body []byte) (int, []byte)) string {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		status, body := lie(resp.Request, resp.StatusCode, body)
		resp.StatusCode = status
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	return ps.URL
}
