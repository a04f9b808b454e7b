// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package chaostest is the reliability suite: it runs the real terraform CLI
// with the freshly built provider against the clouddc-emulator binary while
// the emulator throttles, fails requests, fails deletions, crashes and is
// interrupted, and checks the end state in the emulator and in Terraform's
// state. It also checks that no credential or password leaks into logs,
// plans or state, that TLS is verified, and that hostile input is refused
// without touching the cloud.
//
// The tests run only with TF_ACC=1 (make testacc), because they build both
// binaries and need terraform on PATH (or TF_ACC_TERRAFORM_PATH).
package chaostest
