// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package validate

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestValidators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		validator validator.String
		value     types.String
		wantErr   string // substring of the error detail; "" means no diagnostics
		secret    bool   // the value must not appear in the diagnostics
	}{
		{"uuid ok", LowercaseUUID(), types.StringValue("0198170e-4ca7-7ee4-89a7-fa631843920b"), "", false},
		{"uuid upper", LowercaseUUID(), types.StringValue("0198170E-4CA7-7EE4-89A7-FA631843920B"),
			`"0198170E-4CA7-7EE4-89A7-FA631843920B" is not a lower-case UUID`, false},
		{"uuid null skipped", LowercaseUUID(), types.StringNull(), "", false},
		{"uuid unknown skipped", LowercaseUUID(), types.StringUnknown(), "", false},
		{"password ok", Password(), types.StringValue("Passw0rd!x"), "", true},
		{"password weak", Password(), types.StringValue("weakweakweak"), "at least 3 of", true},
		{"password root", Password(), types.StringValue("Root1234!x"), `"root"`, true},
		{"password unknown skipped", Password(), types.StringUnknown(), "", true},
		{"hostname ok", Hostname(), types.StringValue("bm-01"), "", false},
		{"hostname bad", Hostname(), types.StringValue("bm 01"), "position 3", false},
		{"metadata key ok", MetadataKey(), types.StringValue("env:tier 1_a.b-c"), "", false},
		{"metadata key slash", MetadataKey(), types.StringValue("bad/key"), "must contain only letters", false},
		{"metadata key empty", MetadataKey(), types.StringValue(""), "must contain only letters", false},
		{"metadata key too long", MetadataKey(), types.StringValue(strings.Repeat("k", 256)), "1 to 255 characters", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := validator.StringRequest{Path: path.Root("attr"), ConfigValue: tt.value}
			var resp validator.StringResponse
			tt.validator.ValidateString(t.Context(), req, &resp)

			if tt.wantErr == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected diagnostics: %v", resp.Diagnostics)
				}
				return
			}
			if resp.Diagnostics.ErrorsCount() != 1 {
				t.Fatalf("got %d errors, want 1: %v", resp.Diagnostics.ErrorsCount(), resp.Diagnostics)
			}
			d := resp.Diagnostics.Errors()[0]
			if !strings.Contains(d.Detail(), tt.wantErr) {
				t.Errorf("detail %q does not contain %q", d.Detail(), tt.wantErr)
			}
			if tt.secret && strings.Contains(d.Summary()+d.Detail(), tt.value.ValueString()) {
				t.Errorf("diagnostic echoes the secret value: %q", d.Detail())
			}
			if tt.validator.Description(t.Context()) == "" {
				t.Error("validator has no description")
			}
		})
	}
}
