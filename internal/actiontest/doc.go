// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package actiontest drives the provider's actions with the real terraform
// CLI, the way users run them: `terraform apply -invoke=action.TYPE.NAME`,
// action_trigger on create and update, and (Terraform 1.16) the
// before_destroy and after_destroy events with the caller symbol. It builds
// the provider and emulator binaries, points terraform at the provider
// through dev_overrides (internal/e2e) and asks the emulator, over its API,
// what really happened: every test fails if the action did not do its work
// and wait for it.
//
// terraform-plugin-testing cannot run -invoke yet, hence this package. The
// tests run only with TF_ACC=1 (make testacc, make testacc-cli) and only on
// a CLI that has the feature under test; on any other CLI (Terraform older
// than 1.14, OpenTofu) they skip and print why.
package actiontest
