// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// TestAccProvider_accessKeyAuth configures the provider with an access key
// pair: every request is signed with SDK-HMAC-SHA256 and the emulator checks
// the signature; a wrong secret key is rejected.
func TestAccProvider_accessKeyAuth(t *testing.T) {
	testAccPreCheck(t)
	srv := newAccEmulator(t, emulator.Config{AccessKey: "ACCTESTAK0123456789", SecretKey: "acctest-secret-key", Servers: 4})
	config := func(sk string) string {
		return fmt.Sprintf(`
provider "clouddc" {
  endpoint    = %q
  project_id  = %q
  access_key  = %q
  secret_key  = %q
  max_retries = 0
}

data "clouddc_servers" "all" {}
`, srv.URL, srv.Config.ProjectID, srv.Config.AccessKey, sk)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config("not-the-secret-key"),
				ExpectError: regexp.MustCompile(`(?is)cannot list servers.*HTTP 401.*signature does not match`),
			},
			{
				Config: config(srv.Config.SecretKey),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_servers.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(4)),
				},
			},
		},
	})
}

// TestAccProvider_tls serves the emulator over HTTPS with a self-signed
// certificate: the provider refuses it by default and accepts it only with
// insecure = true.
func TestAccProvider_tls(t *testing.T) {
	testAccPreCheck(t)
	emu, err := emulator.New(emulator.Config{
		ProjectID: emulatortest.DefaultProjectID, Token: emulatortest.DefaultToken, Servers: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(emu)
	t.Cleanup(func() {
		ts.Close()
		if err := emu.Close(); err != nil {
			t.Errorf("closing the emulator: %v", err)
		}
	})
	config := func(insecure bool) string {
		return fmt.Sprintf(`
provider "clouddc" {
  endpoint    = %q
  project_id  = %q
  auth_token  = %q
  insecure    = %t
  max_retries = 0
}

data "clouddc_servers" "all" {}
`, ts.URL, emulatortest.DefaultProjectID, emulatortest.DefaultToken, insecure)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(false),
				ExpectError: regexp.MustCompile(`(?i)certificate`),
			},
			{
				Config: config(true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.clouddc_servers.all", tfjsonpath.New("ids"), knownvalue.ListSizeExact(3)),
				},
			},
		},
	})
}
