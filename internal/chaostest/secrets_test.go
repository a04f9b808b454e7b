// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// Passwords of the secrets tests, distinctive so that a leak is found.
const (
	fleetPassword = "Fl33t-Pw!Qx7Zr" //nolint:gosec // a test value, meant to be found if it leaks
	woPassword    = "W0nly-Pw!Kj4Tm"
)

// secretsHCL is a fleet with a (sensitive) password and an instance whose
// write-only password comes, as Terraform intends, from an ephemeral variable.
func secretsHCL() string {
	return fmt.Sprintf(`
variable "wo_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "clouddc_instances" "pair" {
  name               = "secret-pair"
  image_id           = %[1]q
  vpc_id             = %[2]q
  password           = %[4]q
  instance_count     = 2
  network_interfaces = [{ subnet_id = %[3]q }]
}

resource "clouddc_instance" "wo" {
  name                = "secret-wo"
  image_id            = %[1]q
  vpc_id              = %[2]q
  password_wo         = var.wo_password
  password_wo_version = 1
  network_interfaces  = [{ subnet_id = %[3]q }]
}
`, e2e.SeedImageID, e2e.SeedVpcID, e2e.SeedSubnetID, fleetPassword)
}

// signatureRE matches an SDK-HMAC-SHA256 signature value.
var signatureRE = regexp.MustCompile(`Signature=[0-9a-fA-F]{64}`)

// TestSecretsStayOutOfLogs runs plan, apply and destroy with TF_LOG=trace,
// once with token auth written in the configuration and once with AK/SK from
// the environment, and greps everything terraform and the provider printed,
// the saved plan and the state for the token, the secret key, any request
// signature and the passwords.
func TestSecretsStayOutOfLogs(t *testing.T) {
	precheck(t)
	for _, tc := range []struct {
		name string
		conf func(*e2e.Emulator) providerConf
		env  []string
	}{
		{name: "token in configuration", conf: tokenProvider},
		{
			name: "AK/SK from environment",
			conf: func(emu *e2e.Emulator) providerConf {
				return providerConf{Endpoint: emu.URL, ProjectID: projectID, MaxRetries: 5}
			},
			env: []string{"CLOUDDC_ACCESS_KEY=" + accessKey, "CLOUDDC_SECRET_KEY=" + secretKey},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := suiteCtx(t, 2*time.Minute)
			emu := startEmulator(t, "--servers", "5")
			ws := newWorkspace(t, tc.conf(emu).HCL()+secretsHCL())
			ws.Setenv(tc.env...)
			ws.Setenv("TF_VAR_wo_password="+woPassword, "TF_LOG=trace")

			var logs strings.Builder
			plan := tf(ctx, t, ws, "plan", "-input=false", "-no-color", "-out=tfplan")
			logs.WriteString(plan.Output)
			planJSON, err := ws.ShowJSON(ctx, "tfplan")
			if err != nil {
				t.Fatal(err)
			}
			apply := tf(ctx, t, ws, "apply", "-input=false", "-no-color", "tfplan")
			logs.WriteString(apply.Output)
			stateJSON, err := ws.ShowJSON(ctx)
			if err != nil {
				t.Fatal(err)
			}
			stateFile, err := os.ReadFile(filepath.Join(ws.Dir, "terraform.tfstate"))
			if err != nil {
				t.Fatalf("read state: %v", err)
			}
			destroy := tf(ctx, t, ws, destroyArgs...)
			logs.WriteString(destroy.Output)

			all := logs.String()
			// The trace must really contain the provider's request logging,
			// or the absence of secrets proves nothing.
			if !strings.Contains(all, "DeleteInstances") && !strings.Contains(all, "batch-delete") {
				t.Fatalf("the trace output (%d bytes) shows no API request of the provider; cannot check for leaks", len(all))
			}
			forbidden := map[string]string{"auth token": token, "secret key": secretKey, "fleet password": fleetPassword, "write-only password": woPassword}
			for what, s := range forbidden {
				if i := strings.Index(all, s); i >= 0 {
					t.Errorf("the TF_LOG=trace output leaks the %s: ...%s...", what, excerpt(all, i))
				}
			}
			if m := signatureRE.FindStringIndex(all); m != nil {
				t.Errorf("the TF_LOG=trace output leaks a request signature: ...%s...", excerpt(all, m[0]))
			}

			// Terraform keeps the configuration's literals in a saved plan (a
			// token written in the configuration is the user's choice);
			// everything the provider planned must be free of secrets.
			planned := withoutKey(t, planJSON, "configuration")
			for what, doc := range map[string]string{"saved plan": planned, "state (show -json)": string(stateJSON), "state file": string(stateFile)} {
				if strings.Contains(doc, woPassword) {
					t.Errorf("the %s contains the write-only password", what)
				}
				if strings.Contains(doc, token) || strings.Contains(doc, secretKey) {
					t.Errorf("the %s contains a credential", what)
				}
			}
			if strings.Contains(string(planJSON), woPassword) {
				t.Errorf("the saved plan contains the write-only password")
			}
			if strings.Contains(plan.Output, fleetPassword) {
				t.Errorf("the plan output shows the sensitive fleet password")
			}
			assertStateEmpty(ctx, t, ws)
		})
	}
}

// withoutKey returns the JSON object doc without its top-level key.
func withoutKey(t *testing.T, doc []byte, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("decode %q: %v", doc, err)
	}
	delete(m, key)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func excerpt(s string, i int) string {
	lo, hi := max(0, i-60), min(len(s), i+60)
	return s[lo:hi]
}

// TestSensitiveSchema checks through `terraform providers schema -json` that
// credentials and passwords are sensitive and password_wo is write-only.
func TestSensitiveSchema(t *testing.T) {
	precheck(t)
	ctx := suiteCtx(t, time.Minute)
	ws := newWorkspace(t, e2e.RequiredProviders+"provider \"clouddc\" {}\n"+`resource "clouddc_instance" "x" {}`+"\n")
	res := tf(ctx, t, ws, "providers", "schema", "-json")
	type attr struct {
		Sensitive bool `json:"sensitive"`
		WriteOnly bool `json:"write_only"`
	}
	type block struct {
		Attributes map[string]attr `json:"attributes"`
	}
	var doc struct {
		Schemas map[string]struct {
			Provider struct {
				Block block `json:"block"`
			} `json:"provider"`
			Resources map[string]struct {
				Block block `json:"block"`
			} `json:"resource_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal([]byte(res.Output), &doc); err != nil {
		t.Fatalf("decode schema: %v", err)
	}
	s, ok := doc.Schemas[e2e.ProviderSource]
	if !ok {
		t.Fatalf("no schema for %s", e2e.ProviderSource)
	}
	for _, name := range []string{"auth_token", "secret_key"} {
		if !s.Provider.Block.Attributes[name].Sensitive {
			t.Errorf("provider attribute %s is not sensitive", name)
		}
	}
	for _, rt := range []string{"clouddc_instance", "clouddc_instances"} {
		if !s.Resources[rt].Block.Attributes["password"].Sensitive {
			t.Errorf("%s.password is not sensitive", rt)
		}
	}
	if a := s.Resources["clouddc_instance"].Block.Attributes["password_wo"]; !a.WriteOnly || !a.Sensitive {
		t.Errorf("clouddc_instance.password_wo: write_only=%v sensitive=%v, want both", a.WriteOnly, a.Sensitive)
	}
}
