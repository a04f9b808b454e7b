// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package e2e drives the built binaries from the outside, the way a user
// does: it builds terraform-provider-clouddc and clouddc-emulator, starts the
// emulator as a process through its fixed command line, runs the real
// terraform CLI against it through dev_overrides, and reads the emulator's
// admin endpoints and API to see what really happened.
//
// It is shared by the chaos suite (internal/chaostest), the action tests
// (internal/actiontest) and the benchmark (internal/bench, run by
// internal/bench/cmd/clouddc-bench). It also tells which CLI it drives
// (Terraform or OpenTofu, which version) and which of the provider's
// features that CLI has, so tests can skip with the reason. It deliberately
// talks to the emulator over HTTP only (the documented wire contract) and
// never imports the code under test, so that what it observes does not
// depend on that code being right (internal/archtest checks that).
package e2e
