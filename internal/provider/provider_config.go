// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/validate"
)

// Environment variables read when an attribute is not set in the provider
// block, in order of preference.
var envVars = map[string][]string{
	"region":              {"CLOUDDC_REGION", "HW_REGION_NAME"},
	"endpoint":            {"CLOUDDC_ENDPOINT"},
	"project_id":          {"CLOUDDC_PROJECT_ID", "HW_PROJECT_ID"},
	"auth_token":          {"CLOUDDC_AUTH_TOKEN", "HW_AUTH_TOKEN"},
	"access_key":          {"CLOUDDC_ACCESS_KEY", "HW_ACCESS_KEY"},
	"secret_key":          {"CLOUDDC_SECRET_KEY", "HW_SECRET_KEY"},
	"security_token":      {"CLOUDDC_SECURITY_TOKEN", "HW_SECURITY_TOKEN"},
	"max_retries":         {"CLOUDDC_MAX_RETRIES"},
	"requests_per_second": {"CLOUDDC_REQUESTS_PER_SECOND"},
	"insecure":            {"CLOUDDC_INSECURE"},
	"optimize_api_calls":  {"CLOUDDC_OPTIMIZE_API_CALLS"},
}

// envLookup finds an environment variable; os.LookupEnv in production.
type envLookup func(key string) (string, bool)

func lookupEnv(key string) (string, bool) { return os.LookupEnv(key) }

// setting is one resolved provider setting and where it came from, so that
// errors can tell the user which input to fix.
type setting struct {
	value  string
	source string // `attribute "x"` or `environment variable X`; "" when unset
}

func (s setting) set() bool { return s.value != "" }

// resolvedConfig is the provider configuration after environment fallbacks
// and validation.
type resolvedConfig struct {
	client   clouddc.Config
	optimize bool
}

func (c resolvedConfig) authMode() string {
	if c.client.AuthToken != "" {
		return "token"
	}
	return "ak/sk"
}

// unknownAttributes returns the names of the attributes whose values are
// unknown (known only after apply), in schema order; nil when all are known.
func (m providerModel) unknownAttributes() []string {
	var names []string
	for _, a := range []struct {
		name    string
		unknown bool
	}{
		{"region", m.Region.IsUnknown()},
		{"endpoint", m.Endpoint.IsUnknown()},
		{"project_id", m.ProjectID.IsUnknown()},
		{"auth_token", m.AuthToken.IsUnknown()},
		{"access_key", m.AccessKey.IsUnknown()},
		{"secret_key", m.SecretKey.IsUnknown()},
		{"security_token", m.SecurityToken.IsUnknown()},
		{"max_retries", m.MaxRetries.IsUnknown()},
		{"requests_per_second", m.RequestsPerSecond.IsUnknown()},
		{"insecure", m.Insecure.IsUnknown()},
		{"optimize_api_calls", m.OptimizeAPICalls.IsUnknown()},
	} {
		if a.unknown {
			names = append(names, a.name)
		}
	}
	return names
}

// knownProjectID returns the project ID when it is known although other
// attributes are not (from the provider block or the environment), else "".
// A resource identity (id + project_id) can then be kept whole on a refresh
// that cannot ask the API.
func knownProjectID(m providerModel, env envLookup) string {
	switch {
	case m.ProjectID.IsUnknown():
		return ""
	case !m.ProjectID.IsNull() && m.ProjectID.ValueString() != "":
		return m.ProjectID.ValueString()
	}
	_, v, _ := envValue(env, "project_id")
	return v
}

// resolveConfig merges the provider block with the environment and checks the
// result: a project, exactly one authentication mode, and an endpoint (given,
// or derived from a known region). Every error names the input to fix and
// never contains a credential.
func resolveConfig(m providerModel, env envLookup, version string) (resolvedConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	in := resolveSettings(m, env)
	var cfg resolvedConfig
	cfg.client.UserAgent = "terraform-provider-clouddc/" + version
	cfg.client.Endpoint = resolveEndpoint(in, &diags)
	if !in.projectID.set() {
		diags.AddAttributeError(path.Root("project_id"), "Missing project_id",
			"Every CloudDC API call is scoped to a project. Set project_id in the provider block, "+
				"or CLOUDDC_PROJECT_ID / HW_PROJECT_ID in the environment.")
	}
	cfg.client.ProjectID = in.projectID.value
	resolveAuth(in, &cfg.client, &diags)
	resolveTuning(m, env, &cfg, &diags)
	return cfg, diags
}

// settings are the string attributes of the provider block, each from the
// block or else the environment.
type settings struct {
	region, endpoint, projectID                setting
	token, accessKey, secretKey, securityToken setting
}

func resolveSettings(m providerModel, env envLookup) settings {
	str := func(name string, v types.String) setting {
		if !v.IsNull() && v.ValueString() != "" {
			return setting{value: v.ValueString(), source: fmt.Sprintf("attribute %q", name)}
		}
		if key, val, ok := envValue(env, name); ok {
			return setting{value: val, source: "environment variable " + key}
		}
		return setting{}
	}
	return settings{
		region:        str("region", m.Region),
		endpoint:      str("endpoint", m.Endpoint),
		projectID:     str("project_id", m.ProjectID),
		token:         str("auth_token", m.AuthToken),
		accessKey:     str("access_key", m.AccessKey),
		secretKey:     str("secret_key", m.SecretKey),
		securityToken: str("security_token", m.SecurityToken),
	}
}

// resolveEndpoint returns the endpoint: explicit, else the region's.
func resolveEndpoint(in settings, diags *diag.Diagnostics) string {
	switch {
	case in.endpoint.set():
		if err := validate.CheckEndpointURL(in.endpoint.value); err != nil {
			diags.AddAttributeError(path.Root("endpoint"), "Invalid endpoint",
				fmt.Sprintf("%s (from %s).", err, in.endpoint.source))
		}
		return strings.TrimRight(in.endpoint.value, "/")
	case in.region.set():
		ep, err := clouddc.EndpointForRegion(in.region.value)
		if err != nil {
			diags.AddAttributeError(path.Root("region"), "Unknown region",
				fmt.Sprintf("Region %q (from %s) has no known CloudDC endpoint. Known regions: %s. "+
					"Use one of them, or set endpoint to the API's base URL.", in.region.value, in.region.source, knownRegionList()))
		}
		return ep
	default:
		diags.AddAttributeError(path.Root("region"), "Missing region or endpoint",
			fmt.Sprintf("Set region (or CLOUDDC_REGION / HW_REGION_NAME) to one of %s, "+
				"or set endpoint (or CLOUDDC_ENDPOINT) to the API's base URL.", knownRegionList()))
		return ""
	}
}

// resolveAuth checks that exactly one authentication mode is set (a token,
// or an access key with its secret key) and sets the credentials of c.
func resolveAuth(in settings, c *clouddc.Config, diags *diag.Diagnostics) {
	switch {
	case in.token.set() && (in.accessKey.set() || in.secretKey.set()):
		other := in.accessKey
		if !other.set() {
			other = in.secretKey
		}
		diags.AddAttributeError(path.Root("auth_token"), "Conflicting authentication settings",
			fmt.Sprintf("auth_token (from %s) and access_key/secret_key (from %s) are both set. "+
				"Use either a token or an access key pair, not both.", in.token.source, other.source))
	case in.accessKey.set() && !in.secretKey.set():
		diags.AddAttributeError(path.Root("secret_key"), "Missing secret_key",
			fmt.Sprintf("access_key is set (from %s) but secret_key is not. AK/SK authentication needs both: "+
				"set secret_key, or CLOUDDC_SECRET_KEY / HW_SECRET_KEY.", in.accessKey.source))
	case in.secretKey.set() && !in.accessKey.set():
		diags.AddAttributeError(path.Root("access_key"), "Missing access_key",
			fmt.Sprintf("secret_key is set (from %s) but access_key is not. AK/SK authentication needs both: "+
				"set access_key, or CLOUDDC_ACCESS_KEY / HW_ACCESS_KEY.", in.secretKey.source))
	case !in.token.set() && !in.accessKey.set():
		diags.AddAttributeError(path.Root("auth_token"), "Missing credentials",
			"Set auth_token (or CLOUDDC_AUTH_TOKEN / HW_AUTH_TOKEN), or access_key and secret_key "+
				"(or CLOUDDC_ACCESS_KEY and CLOUDDC_SECRET_KEY, or HW_ACCESS_KEY and HW_SECRET_KEY).")
	}
	if in.securityToken.set() && !in.accessKey.set() {
		diags.AddAttributeError(path.Root("security_token"), "security_token needs an access key pair",
			fmt.Sprintf("security_token is set (from %s), but it belongs to temporary AK/SK credentials: "+
				"also set access_key and secret_key, or remove it.", in.securityToken.source))
	}
	c.AuthToken = in.token.value
	c.AccessKey = in.accessKey.value
	c.SecretKey = in.secretKey.value
	c.SecurityToken = in.securityToken.value
}

// resolveTuning sets the tuning knobs: retries, the rate limit, TLS
// verification and the API-call optimisations.
func resolveTuning(m providerModel, env envLookup, cfg *resolvedConfig, diags *diag.Diagnostics) {
	if v, ok := intSetting(diags, env, "max_retries", m.MaxRetries); ok {
		if v < 0 || v > 100 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid max_retries",
				fmt.Sprintf("max_retries must be between 0 and 100, got %d.", v))
		}
		cfg.client.MaxRetries = int(v)
		if v == 0 {
			cfg.client.MaxRetries = -1 // The client reads 0 as "default"; negative disables retries.
		}
	}
	if v, ok := floatSetting(diags, env, "requests_per_second", m.RequestsPerSecond); ok {
		if v < 0 {
			diags.AddAttributeError(path.Root("requests_per_second"), "Invalid requests_per_second",
				fmt.Sprintf("requests_per_second must be 0 (no limit) or more, got %g.", v))
		}
		cfg.client.RequestsPerSecond = v
	}
	if v, ok := boolSetting(diags, env, "insecure", m.Insecure); ok {
		cfg.client.Insecure = v
	}
	cfg.optimize = true
	if v, ok := boolSetting(diags, env, "optimize_api_calls", m.OptimizeAPICalls); ok {
		cfg.optimize = v
	}
}

// envValue returns the first set environment variable for an attribute.
func envValue(env envLookup, name string) (key, value string, ok bool) {
	for _, key := range envVars[name] {
		if v, ok := env(key); ok && v != "" {
			return key, v, true
		}
	}
	return "", "", false
}

func intSetting(diags *diag.Diagnostics, env envLookup, name string, v types.Int64) (int64, bool) {
	if !v.IsNull() {
		return v.ValueInt64(), true
	}
	key, s, ok := envValue(env, name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		diags.AddAttributeError(path.Root(name), "Invalid "+key,
			fmt.Sprintf("Environment variable %s must be a whole number, got %q.", key, s))
		return 0, false
	}
	return n, true
}

func floatSetting(diags *diag.Diagnostics, env envLookup, name string, v types.Float64) (float64, bool) {
	if !v.IsNull() {
		return v.ValueFloat64(), true
	}
	key, s, ok := envValue(env, name)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		diags.AddAttributeError(path.Root(name), "Invalid "+key,
			fmt.Sprintf("Environment variable %s must be a number, got %q.", key, s))
		return 0, false
	}
	return f, true
}

func boolSetting(diags *diag.Diagnostics, env envLookup, name string, v types.Bool) (bool, bool) {
	if !v.IsNull() {
		return v.ValueBool(), true
	}
	key, s, ok := envValue(env, name)
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		diags.AddAttributeError(path.Root(name), "Invalid "+key,
			fmt.Sprintf("Environment variable %s must be true or false, got %q.", key, s))
		return false, false
	}
	return b, true
}

func knownRegionList() string {
	return strings.Join(clouddc.KnownRegions(), ", ")
}
