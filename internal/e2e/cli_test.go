// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"strings"
	"testing"
)

func TestParseCLIVersion(t *testing.T) {
	tests := []struct {
		name, out   string
		wantProduct string
		wantVersion string
		wantErr     bool
	}{
		{"terraform", "Terraform v1.11.4\non linux_amd64\n", Terraform, "1.11.4", false},
		{"release candidate", "Terraform v1.16.0-rc2\non linux_amd64\n", Terraform, "1.16.0-rc2", false},
		{"opentofu", "OpenTofu v1.12.6\non linux_amd64\n", OpenTofu, "1.12.6", false},
		// OpenTofu prints a missing CLI configuration's warning on stdout, first.
		{"after a warning", "\nWarning: Unable to open CLI configuration file\n\nThe CLI configuration file at \"/x\" does not exist.\nOpenTofu v1.12.6\non linux_amd64\n", OpenTofu, "1.12.6", false},
		{"outdated notice", "Terraform v1.14.9\non linux_amd64\n\nYour version of Terraform is out of date! The latest version\nis 1.15.9.\n", Terraform, "1.14.9", false},
		{"no version line", "terraform: command not found\n", "", "", true},
		{"version mid-line", "see Terraform v1.14.9 notes\n", "", "", true},
		{"bad version", "Terraform vX.Y\n", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseCLIVersion("/bin/tf", tc.out)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parsed %v from %q, want an error", c, tc.out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Product != tc.wantProduct || c.Version.Original() != tc.wantVersion || c.Path != "/bin/tf" {
				t.Errorf("got %s %s at %s, want %s %s", c.Product, c.Version.Original(), c.Path, tc.wantProduct, tc.wantVersion)
			}
		})
	}
}

func TestCLISupports(t *testing.T) {
	cli := func(out string) CLI {
		c, err := parseCLIVersion("tf", out)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		cli        CLI
		feature    Feature
		want       bool
		wantReason string
	}{
		{cli("Terraform v1.11.4"), FeatureWriteOnly, true, ""},
		{cli("Terraform v1.10.5"), FeatureWriteOnly, false, "Terraform 1.10.5 has no write-only attributes (first in Terraform 1.11.0)"},
		{cli("OpenTofu v1.12.6"), FeatureWriteOnly, true, ""},
		{cli("Terraform v1.11.4"), FeatureIdentity, false, "Terraform 1.11.4 has no resource identity (first in Terraform 1.12.0)"},
		{cli("Terraform v1.12.0"), FeatureIdentity, true, ""},
		{cli("OpenTofu v1.12.6"), FeatureIdentity, true, ""},
		{cli("Terraform v1.14.9"), FeatureQuery, true, ""},
		{cli("OpenTofu v1.12.6"), FeatureQuery, false, "OpenTofu 1.12.6 has no list resources (terraform query) (first in Terraform 1.14.0; not in OpenTofu)"},
		{cli("Terraform v1.11.4"), FeatureActions, false, "Terraform 1.11.4 has no actions (first in Terraform 1.14.0)"},
		{cli("Terraform v1.14.9"), FeatureActions, true, ""},
		{cli("Terraform v1.14.0-rc1"), FeatureActions, true, ""},
		{cli("OpenTofu v1.12.6"), FeatureActions, false, "OpenTofu 1.12.6 has no actions (first in Terraform 1.14.0; not in OpenTofu)"},
		{cli("OpenTofu v1.16.0"), FeatureActions, false, "not in OpenTofu"},
		{cli("Terraform v1.15.9"), FeatureDestroyEvents, false, "Terraform 1.15.9 has no action_trigger destroy events"},
		{cli("Terraform v1.16.0-rc2"), FeatureDestroyEvents, true, ""},
		{cli("Terraform v1.17.1"), FeatureDestroyEvents, true, ""},
	}
	for _, tc := range tests {
		got, reason := tc.cli.Supports(tc.feature)
		if got != tc.want || !strings.Contains(reason, tc.wantReason) || (tc.want && reason != "") {
			t.Errorf("%s supports %s = %v (%q), want %v (%q)", tc.cli, tc.feature.Name, got, reason, tc.want, tc.wantReason)
		}
	}
}
