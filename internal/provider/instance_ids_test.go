// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"slices"
	"strings"
	"testing"
)

func TestParseImportIDs(t *testing.T) {
	const (
		a = "0198170e-4ca7-7ee4-89a7-fa631843920b"
		b = "0198170e-4ca7-7ee4-89a7-fa631843920c"
	)
	cases := []struct {
		name    string
		in      string
		want    []string
		wantErr []string // substrings of the error
	}{
		{name: "one", in: a, want: []string{a}},
		{name: "two keep order", in: b + "," + a, want: []string{b, a}},
		{name: "spaces and trailing comma", in: " " + a + " , " + b + ",", want: []string{a, b}},
		{name: "empty", in: "", wantErr: []string{"no instance IDs given"}},
		{name: "only commas", in: ",,", wantErr: []string{"no instance IDs given"}},
		{name: "upper case", in: a + "," + strings.ToUpper(b), wantErr: []string{`"` + strings.ToUpper(b) + `"`, "not lower-case UUIDs"}},
		{name: "malformed", in: "i-123", wantErr: []string{`"i-123"`}},
		{name: "duplicate", in: a + "," + b + "," + a, wantErr: []string{"given more than once: " + a}},
		{name: "both", in: a + ",x," + a, wantErr: []string{`"x"`, "more than once: " + a}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseImportIDs(tc.in)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("parseImportIDs(%q) error: %v", tc.in, err)
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("parseImportIDs(%q) = %v, want %v", tc.in, got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("parseImportIDs(%q) = %v, want an error", tc.in, got)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("parseImportIDs(%q) error %q does not contain %q", tc.in, err, want)
				}
			}
		})
	}
}

func TestInstanceSetID(t *testing.T) {
	x := instanceSetID([]string{"b", "a", "c"})
	if y := instanceSetID([]string{"c", "b", "a"}); x != y {
		t.Errorf("order changed the ID: %s != %s", x, y)
	}
	if y := instanceSetID([]string{"a", "b"}); x == y {
		t.Errorf("different sets gave the same ID %s", x)
	}
	if len(x) != 32 {
		t.Errorf("ID %q has %d characters, want 32", x, len(x))
	}
}
