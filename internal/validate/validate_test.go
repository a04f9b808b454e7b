// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package validate

import (
	"strings"
	"testing"
)

func TestIsLowercaseUUID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"0198170e-4ca7-7ee4-89a7-fa631843920b", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"0198170E-4CA7-7EE4-89A7-FA631843920B", false},
		{"0198170e-4ca7-7ee4-89a7-fa631843920", false},
		{"0198170e-4ca7-7ee4-89a7-fa631843920bb", false},
		{"0198170e4ca77ee489a7fa631843920b", false},
		{"{0198170e-4ca7-7ee4-89a7-fa631843920b}", false},
		{"0198170g-4ca7-7ee4-89a7-fa631843920b", false},
		{" 0198170e-4ca7-7ee4-89a7-fa631843920b", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsLowercaseUUID(tt.in); got != tt.want {
			t.Errorf("IsLowercaseUUID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr string // substring of the error; "" means valid
	}{
		{"three kinds without special", "Passw0rdxy", ""},
		{"all four kinds", "Passw0rd!x", ""},
		{"upper lower special", "Password!x", ""},
		{"lower digit special", "passw0rd!x", ""},
		{"exactly 8", "Ab1!Ab1!", ""},
		{"exactly 26", "Ab1!" + strings.Repeat("x", 22), ""},
		{"every special allowed", "Ab1" + "!@$%^-_=+[{}]:,./?", ""},
		{"too short", "Ab1!x", "8 to 26 characters long, got 5"},
		{"empty", "", "8 to 26 characters long, got 0"},
		{"too long", "Ab1!" + strings.Repeat("x", 23), "8 to 26 characters long, got 27"},
		{"only two kinds", "passwordxy1", "at least 3 of"},
		{"one kind", "abcdefghij", "it has 1"},
		{"disallowed character space", "Pass w0rd!", "may contain only"},
		{"disallowed character hash", "Pass#w0rd!", "may contain only"},
		{"disallowed non ascii", "Pässw0rd!x", "may contain only"},
		{"contains root", "xRoot12345!", `"root"`},
		{"contains toor reversed", "xTOOR12345!", `"root"`},
		{"contains administrator", "my-ADMINistrator1", `"Administrator"`},
		{"contains administrator reversed", "Rotartsinimda-9", `"Administrator"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckPassword(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckPassword() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckPassword() = nil, want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckPassword() = %q, want it to contain %q", err, tt.wantErr)
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q echoes the password", err)
			}
		})
	}
}

func TestCheckHostname(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"simple", "bm-01", ""},
		{"dots and underscores", "web_1.prod", ""},
		{"chinese", "裸机-01", ""},
		{"max length", strings.Repeat("a", 63), ""},
		{"empty", "", "1 to 63 characters long, got 0"},
		{"too long", strings.Repeat("a", 64), "got 64"},
		{"space", "bm 01", `' ' at position 3`},
		{"slash", "bm/01", `'/' at position 3`},
		{"non-chinese letter", "bmé", `'é' at position 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckHostname(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckHostname(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckHostname(%q) = %v, want error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestCheckEndpointURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		wantErr string
	}{
		{"https://clouddc.cn-southwest-2.myhuaweicloud.com", ""},
		{"http://127.0.0.1:8787", ""},
		{"http://127.0.0.1:8787/", ""},
		{"ftp://example.com", "must start with https://"},
		{"127.0.0.1:8787", "must start with https://"},
		{"clouddc.example.com", "must start with https://"},
		{"https://", "has no host"},
		{"https://example.com/?a=b", "query"},
		{"https://user:pw@example.com", "user info"},
		{"http://[::1", "not a valid URL"},
	}
	for _, tt := range tests {
		err := CheckEndpointURL(tt.in)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("CheckEndpointURL(%q) = %v, want nil", tt.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("CheckEndpointURL(%q) = %v, want error containing %q", tt.in, err, tt.wantErr)
		}
	}
}
