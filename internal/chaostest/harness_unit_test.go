// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"slices"
	"strings"
	"testing"
)

// These check the harness itself and run without TF_ACC.

func TestEmulatorArgsOverrideAndAppend(t *testing.T) {
	got := emulatorArgs("--servers", "7", "--seed", "3", "--listen", "127.0.0.1:9")
	want := []string{
		"--listen", "127.0.0.1:9", "--project-id", projectID, "--token", token, "--access-key", accessKey,
		"--secret-key", secretKey, "--servers", "7", "--create-duration", "300ms", "--delete-duration", "1s",
		"--terminated-ttl", "30m", "--seed", "3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("emulatorArgs =\n%v\nwant\n%v", got, want)
	}
}

func TestUUIDsInAndFlatten(t *testing.T) {
	out := "│ Error: 0198170e-4ca7-7ee4-89a7-fa631843920b (state error: disk\n│ busy), 0198170e-4ca7-7ee4-89a7-000000000001 and again 0198170e-4ca7-7ee4-89a7-fa631843920b; not 0198170E-4CA7-7EE4-89A7-FA631843920C"
	want := []string{"0198170e-4ca7-7ee4-89a7-000000000001", "0198170e-4ca7-7ee4-89a7-fa631843920b"}
	if got := uuidsIn(out); !slices.Equal(got, want) {
		t.Errorf("uuidsIn = %v, want %v", got, want)
	}
	if got := flatten(out); !strings.Contains(got, "(state error: disk busy)") {
		t.Errorf("flatten = %q, want the wrapped message on one line", got)
	}
}
