// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package bench is the fleet-scale destroy benchmark behind `make bench`: it
// runs real terraform with the built provider against the emulator binary,
// with the provider's API-call optimisations on and off, and measures the
// wall time of each terraform command, the API calls it caused (from the
// emulator's /_emulator/stats) and the provider process's peak memory; and
// the scale table: plan, refresh and destroy of one clouddc_instances fleet
// at growing sizes, with each phase's growth. It renders the figures, the
// on/off ratios, the scale table and the targets of the issue as Markdown
// (BENCHMARKS.md).
package bench
