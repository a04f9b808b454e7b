// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package archtest holds the test that keeps the one direction of imports
// that ARCHITECTURE.md draws: HCL → provider → lifecycle → clouddc → HTTP →
// API | emulator. It has no code of its own.
package archtest
