// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// mapEnv is an envLookup over a fixed map.
func mapEnv(m map[string]string) envLookup {
	return func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}
}

// tokenModel is a valid token-authenticated configuration against an emulator.
func tokenModel() providerModel {
	return providerModel{
		Endpoint:  types.StringValue("http://127.0.0.1:8787"),
		ProjectID: types.StringValue("0123456789abcdef0123456789abcdef"),
		AuthToken: types.StringValue("tok-secret-value"),
	}
}

func TestResolveConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		model       func(m *providerModel)
		env         map[string]string
		wantSummary string
		wantDetail  string
	}{
		{
			name:        "token and access key",
			model:       func(m *providerModel) { m.AccessKey = types.StringValue("AKVALUE") },
			wantSummary: "Conflicting authentication settings",
			wantDetail:  `auth_token (from attribute "auth_token") and access_key/secret_key (from attribute "access_key")`,
		},
		{
			name:        "token in config and secret key in env",
			env:         map[string]string{"HW_SECRET_KEY": "sk-secret-value"},
			wantSummary: "Conflicting authentication settings",
			wantDetail:  "from environment variable HW_SECRET_KEY",
		},
		{
			name: "access key without secret key",
			model: func(m *providerModel) {
				m.AuthToken = types.StringNull()
				m.AccessKey = types.StringValue("AKVALUE")
			},
			wantSummary: "Missing secret_key",
			wantDetail:  "access_key is set",
		},
		{
			name: "secret key without access key",
			model: func(m *providerModel) {
				m.AuthToken = types.StringNull()
				m.SecretKey = types.StringValue("sk-secret-value")
			},
			wantSummary: "Missing access_key",
			wantDetail:  "secret_key is set",
		},
		{
			name:        "no credentials",
			model:       func(m *providerModel) { m.AuthToken = types.StringNull() },
			wantSummary: "Missing credentials",
			wantDetail:  "Set auth_token",
		},
		{
			name:        "empty token counts as unset",
			model:       func(m *providerModel) { m.AuthToken = types.StringValue("") },
			wantSummary: "Missing credentials",
		},
		{
			name:        "security token with a token",
			model:       func(m *providerModel) { m.SecurityToken = types.StringValue("sec-secret-value") },
			wantSummary: "security_token needs an access key pair",
		},
		{
			name:        "no project",
			model:       func(m *providerModel) { m.ProjectID = types.StringNull() },
			wantSummary: "Missing project_id",
			wantDetail:  "CLOUDDC_PROJECT_ID",
		},
		{
			name:        "endpoint not a URL",
			model:       func(m *providerModel) { m.Endpoint = types.StringValue("127.0.0.1:8787") },
			wantSummary: "Invalid endpoint",
			wantDetail:  "must start with https://",
		},
		{
			name:        "endpoint from env not a URL",
			model:       func(m *providerModel) { m.Endpoint = types.StringNull() },
			env:         map[string]string{"CLOUDDC_ENDPOINT": "ftp://x"},
			wantSummary: "Invalid endpoint",
			wantDetail:  "environment variable CLOUDDC_ENDPOINT",
		},
		{
			name: "unknown region",
			model: func(m *providerModel) {
				m.Endpoint = types.StringNull()
				m.Region = types.StringValue("eu-west-0")
			},
			wantSummary: "Unknown region",
			wantDetail:  "Known regions: cn-southwest-2, cn-east-3, cn-south-1, ap-southeast-3",
		},
		{
			name:        "neither region nor endpoint",
			model:       func(m *providerModel) { m.Endpoint = types.StringNull() },
			wantSummary: "Missing region or endpoint",
			wantDetail:  "cn-southwest-2",
		},
		{
			name:        "max retries out of range",
			model:       func(m *providerModel) { m.MaxRetries = types.Int64Value(101) },
			wantSummary: "Invalid max_retries",
		},
		{
			name:        "max retries env not a number",
			env:         map[string]string{"CLOUDDC_MAX_RETRIES": "many"},
			wantSummary: "Invalid CLOUDDC_MAX_RETRIES",
			wantDetail:  `got "many"`,
		},
		{
			name:        "negative requests per second",
			model:       func(m *providerModel) { m.RequestsPerSecond = types.Float64Value(-1) },
			wantSummary: "Invalid requests_per_second",
		},
		{
			name:        "rps env not a number",
			env:         map[string]string{"CLOUDDC_REQUESTS_PER_SECOND": "fast"},
			wantSummary: "Invalid CLOUDDC_REQUESTS_PER_SECOND",
		},
		{
			name:        "insecure env not a bool",
			env:         map[string]string{"CLOUDDC_INSECURE": "maybe"},
			wantSummary: "Invalid CLOUDDC_INSECURE",
		},
		{
			name:        "optimize env not a bool",
			env:         map[string]string{"CLOUDDC_OPTIMIZE_API_CALLS": "perhaps"},
			wantSummary: "Invalid CLOUDDC_OPTIMIZE_API_CALLS",
		},
	}
	secrets := []string{"tok-secret-value", "sk-secret-value", "sec-secret-value"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := tokenModel()
			if tt.model != nil {
				tt.model(&m)
			}
			_, diags := resolveConfig(m, mapEnv(tt.env), "test")
			if diags.ErrorsCount() != 1 {
				t.Fatalf("got %d errors, want 1: %v", diags.ErrorsCount(), diags)
			}
			d := diags.Errors()[0]
			if d.Summary() != tt.wantSummary {
				t.Errorf("summary = %q, want %q", d.Summary(), tt.wantSummary)
			}
			if !strings.Contains(d.Detail(), tt.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail(), tt.wantDetail)
			}
			for _, s := range secrets {
				if strings.Contains(d.Summary()+d.Detail(), s) {
					t.Errorf("diagnostic leaks a credential: %q", d.Detail())
				}
			}
		})
	}
}

func TestResolveConfigValid(t *testing.T) {
	t.Parallel()

	t.Run("token with endpoint and defaults", func(t *testing.T) {
		t.Parallel()
		cfg, diags := resolveConfig(tokenModel(), mapEnv(nil), "1.2.3")
		if diags.HasError() {
			t.Fatal(diags)
		}
		if cfg.client.Endpoint != "http://127.0.0.1:8787" || cfg.client.AuthToken != "tok-secret-value" {
			t.Errorf("client config = %+v", cfg.client)
		}
		if cfg.client.UserAgent != "terraform-provider-clouddc/1.2.3" {
			t.Errorf("UserAgent = %q", cfg.client.UserAgent)
		}
		if !cfg.optimize {
			t.Error("optimize_api_calls must default to true")
		}
		if cfg.client.MaxRetries != 0 || cfg.client.Insecure {
			t.Errorf("unset knobs must stay at the client defaults: %+v", cfg.client)
		}
		if cfg.authMode() != "token" {
			t.Errorf("authMode = %q", cfg.authMode())
		}
	})

	t.Run("aksk with known region", func(t *testing.T) {
		t.Parallel()
		m := providerModel{
			Region:            types.StringValue("cn-east-3"),
			ProjectID:         types.StringValue("p"),
			AccessKey:         types.StringValue("AK"),
			SecretKey:         types.StringValue("SK"),
			MaxRetries:        types.Int64Value(0),
			RequestsPerSecond: types.Float64Value(12.5),
			Insecure:          types.BoolValue(true),
			OptimizeAPICalls:  types.BoolValue(false),
		}
		cfg, diags := resolveConfig(m, mapEnv(nil), "dev")
		if diags.HasError() {
			t.Fatal(diags)
		}
		if cfg.client.Endpoint != "https://clouddc.cn-east-3.myhuaweicloud.com" {
			t.Errorf("Endpoint = %q", cfg.client.Endpoint)
		}
		if cfg.client.MaxRetries >= 0 {
			t.Errorf("max_retries = 0 must disable retries (negative for the client), got %d", cfg.client.MaxRetries)
		}
		if cfg.client.RequestsPerSecond != 12.5 || !cfg.client.Insecure || cfg.optimize {
			t.Errorf("knobs not passed through: %+v optimize=%v", cfg.client, cfg.optimize)
		}
		if cfg.authMode() != "ak/sk" {
			t.Errorf("authMode = %q", cfg.authMode())
		}
	})

	t.Run("endpoint wins over region and trailing slash is dropped", func(t *testing.T) {
		t.Parallel()
		m := tokenModel()
		m.Region = types.StringValue("nowhere-1")
		m.Endpoint = types.StringValue("http://127.0.0.1:8787/")
		cfg, diags := resolveConfig(m, mapEnv(nil), "dev")
		if diags.HasError() {
			t.Fatal(diags)
		}
		if cfg.client.Endpoint != "http://127.0.0.1:8787" {
			t.Errorf("Endpoint = %q", cfg.client.Endpoint)
		}
	})

	t.Run("config wins over env", func(t *testing.T) {
		t.Parallel()
		env := map[string]string{"CLOUDDC_PROJECT_ID": "from-env", "CLOUDDC_AUTH_TOKEN": "env-token"}
		cfg, diags := resolveConfig(tokenModel(), mapEnv(env), "dev")
		if diags.HasError() {
			t.Fatal(diags)
		}
		if cfg.client.ProjectID != "0123456789abcdef0123456789abcdef" || cfg.client.AuthToken != "tok-secret-value" {
			t.Errorf("config values must win: %q %q", cfg.client.ProjectID, cfg.client.AuthToken)
		}
	})
}

// TestResolveConfigEnv checks every environment fallback through the real
// process environment, CLOUDDC_* before HW_*.
func TestResolveConfigEnv(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, cfg resolvedConfig)
	}{
		{
			name: "CLOUDDC variables",
			env: map[string]string{
				"CLOUDDC_ENDPOINT": "http://10.0.0.1:1", "CLOUDDC_PROJECT_ID": "pc",
				"CLOUDDC_AUTH_TOKEN": "tc", "CLOUDDC_MAX_RETRIES": "7", "CLOUDDC_REQUESTS_PER_SECOND": "3.5",
				"CLOUDDC_INSECURE": "true", "CLOUDDC_OPTIMIZE_API_CALLS": "false",
				"HW_PROJECT_ID": "ph", "HW_AUTH_TOKEN": "th",
			},
			check: func(t *testing.T, cfg resolvedConfig) {
				c := cfg.client
				if c.Endpoint != "http://10.0.0.1:1" || c.ProjectID != "pc" || c.AuthToken != "tc" ||
					c.MaxRetries != 7 || c.RequestsPerSecond != 3.5 || !c.Insecure || cfg.optimize {
					t.Errorf("got %+v optimize=%v", c, cfg.optimize)
				}
			},
		},
		{
			name: "HW fallbacks with AK/SK and region",
			env: map[string]string{
				"HW_REGION_NAME": "ap-southeast-3", "HW_PROJECT_ID": "ph",
				"HW_ACCESS_KEY": "akh", "HW_SECRET_KEY": "skh", "HW_SECURITY_TOKEN": "sth",
			},
			check: func(t *testing.T, cfg resolvedConfig) {
				c := cfg.client
				if c.Endpoint != "https://clouddc.ap-southeast-3.myhuaweicloud.com" || c.ProjectID != "ph" ||
					c.AccessKey != "akh" || c.SecretKey != "skh" || c.SecurityToken != "sth" || c.AuthToken != "" {
					t.Errorf("got %+v", c)
				}
			},
		},
		{
			name: "CLOUDDC region before HW region",
			env: map[string]string{
				"CLOUDDC_REGION": "cn-south-1", "HW_REGION_NAME": "cn-east-3",
				"CLOUDDC_PROJECT_ID": "p", "CLOUDDC_ACCESS_KEY": "ak", "CLOUDDC_SECRET_KEY": "sk",
			},
			check: func(t *testing.T, cfg resolvedConfig) {
				if cfg.client.Endpoint != "https://clouddc.cn-south-1.myhuaweicloud.com" {
					t.Errorf("Endpoint = %q", cfg.client.Endpoint)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, names := range envVars {
				for _, key := range names {
					t.Setenv(key, "") // Empty counts as unset; isolates the test from the host.
				}
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg, diags := resolveConfig(providerModel{}, lookupEnv, "dev")
			if diags.HasError() {
				t.Fatal(diags)
			}
			tt.check(t, cfg)
		})
	}
}

// TestProviderSchemaDescriptions guards the generated docs: every provider
// attribute has a description, in Markdown (the provider's one description
// style; TestOtherSchemasDescribed also refuses a second, plain text).
func TestProviderSchemaDescriptions(t *testing.T) {
	t.Parallel()
	p := New("test")()
	var resp provider.SchemaResponse
	p.Schema(t.Context(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if resp.Schema.MarkdownDescription == "" {
		t.Error("provider schema has no description")
	}
	want := slices.Sorted(maps.Keys(envVars))
	got := slices.Sorted(maps.Keys(resp.Schema.Attributes))
	if !slices.Equal(got, want) {
		t.Errorf("attributes = %v, want %v (each with an environment fallback)", got, want)
	}
	for name, a := range resp.Schema.Attributes {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("attribute %q has no description", name)
		}
	}
	for _, name := range []string{"auth_token", "secret_key", "security_token"} {
		if !resp.Schema.Attributes[name].IsSensitive() {
			t.Errorf("attribute %q must be sensitive", name)
		}
	}
}
