// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package validate

import (
	"context"
	"fmt"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// stringCheck is a validator.String built from a pure check. Null and unknown
// values are skipped: they are checked once they are known.
type stringCheck struct {
	description string
	summary     string
	check       func(string) error
}

var _ validator.String = stringCheck{}

func (v stringCheck) Description(_ context.Context) string { return v.description }

func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, err.Error())
	}
}

// LowercaseUUID returns a validator that accepts only lower-case UUIDs, the
// form of every CloudDC instance and server ID. The error names the bad value.
func LowercaseUUID() validator.String {
	return stringCheck{
		description: "value must be a lower-case UUID such as 0198170e-4ca7-7ee4-89a7-fa631843920b",
		summary:     "Invalid ID",
		check: func(s string) error {
			if IsLowercaseUUID(s) {
				return nil
			}
			return fmt.Errorf("%q is not a lower-case UUID (8-4-4-4-12 hexadecimal digits, "+
				"e.g. 0198170e-4ca7-7ee4-89a7-fa631843920b)", s)
		},
	}
}

// Password returns a validator for the CloudDC password rule (see
// CheckPassword). Its errors never contain the password.
func Password() validator.String {
	return stringCheck{
		description: "value must be 8 to 26 characters with at least 3 of upper-case, lower-case, digits and " +
			PasswordSpecials + ", and must not contain root or Administrator (or either reversed)",
		summary: "Invalid password",
		check:   CheckPassword,
	}
}

// Hostname returns a validator for CloudDC instance names (see CheckHostname).
func Hostname() validator.String {
	return stringCheck{
		description: `value must be 1 to 63 letters, Chinese characters, digits, "_", "-" or "."`,
		summary:     "Invalid name",
		check:       CheckHostname,
	}
}

// EndpointURL returns a validator for API endpoints (see CheckEndpointURL).
func EndpointURL() validator.String {
	return stringCheck{
		description: "value must be an http or https URL such as https://clouddc.cn-southwest-2.myhuaweicloud.com",
		summary:     "Invalid endpoint",
		check:       CheckEndpointURL,
	}
}

// metadataKey is the CloudDC rule for instance metadata keys (§3.4): 1 to
// 255 letters, digits, '-', '_', ':', '.' and spaces.
var metadataKey = regexp.MustCompile(`^[A-Za-z0-9_:. -]{1,255}$`)

// MetadataKey returns a validator for instance metadata keys, shared by
// clouddc_instance and clouddc_instances.
func MetadataKey() validator.String {
	return stringvalidator.RegexMatches(metadataKey,
		"metadata keys must contain only letters, digits, '-', '_', ':', '.' and spaces (1 to 255 characters)")
}
