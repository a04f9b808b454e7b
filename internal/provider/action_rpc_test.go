// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

// Helpers that drive actions through the provider server's protocol 6 RPCs
// in-process, the way Terraform ≥ 1.14 calls them: ConfigureProvider, then
// ValidateActionConfig / PlanAction / InvokeAction with msgpack-encoded config.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// actionTestProvider is the real provider with its actions tuned to test
// timescales (progress interval, power polling); everything else, Configure
// included, is the production code.
type actionTestProvider struct {
	*clouddcProvider
	progressInterval time.Duration
}

func (p *actionTestProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		func() action.Action {
			return &batchDeleteInstancesAction{progressInterval: p.progressInterval}
		},
		func() action.Action {
			return &serverPowerAction{
				progressInterval: p.progressInterval,
				pollInitial:      2 * time.Millisecond,
				pollMax:          20 * time.Millisecond,
			}
		},
	}
}

// actionRPCs is a provider server that serves actions (the framework's does;
// terraform-plugin-go v0.31 keeps the action RPCs out of ProviderServer).
type actionRPCs interface {
	tfprotov6.ProviderServer
	tfprotov6.ActionServer
}

// actionServer is a provider server plus the schemas to encode config with.
type actionServer struct {
	t       *testing.T
	server  actionRPCs
	schemas *tfprotov6.GetProviderSchemaResponse
}

// newActionServer starts the provider server in-process. When srv is not
// nil, the provider is configured against that emulator.
func newActionServer(t *testing.T, srv *emulatortest.Server, progressInterval time.Duration) *actionServer {
	t.Helper()
	p := &actionTestProvider{
		clouddcProvider:  &clouddcProvider{version: "test", tune: testAccTune},
		progressInterval: progressInterval,
	}
	base, err := providerserver.NewProtocol6WithError(p)()
	if err != nil {
		t.Fatalf("provider server: %v", err)
	}
	server, ok := base.(actionRPCs)
	if !ok {
		t.Fatalf("provider server %T does not serve actions", base)
	}
	schemas, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatalf("GetProviderSchema: %v", err)
	}
	assertNoDiagnostics(t, "GetProviderSchema", schemas.Diagnostics)
	s := &actionServer{t: t, server: server, schemas: schemas}
	if srv != nil {
		cfg := s.encode(schemas.Provider.ValueType(), map[string]tftypes.Value{
			"endpoint":   tftypes.NewValue(tftypes.String, srv.URL),
			"project_id": tftypes.NewValue(tftypes.String, srv.Config.ProjectID),
			"auth_token": tftypes.NewValue(tftypes.String, srv.Config.Token),
		})
		resp, err := server.ConfigureProvider(t.Context(), &tfprotov6.ConfigureProviderRequest{
			TerraformVersion: "1.14.0",
			Config:           cfg,
		})
		if err != nil {
			t.Fatalf("ConfigureProvider: %v", err)
		}
		assertNoDiagnostics(t, "ConfigureProvider", resp.Diagnostics)
	}
	return s
}

// encode builds the DynamicValue of an object of type typ: the attributes in
// vals, every other attribute null. Naming an attribute typ lacks fails the test.
func (s *actionServer) encode(typ tftypes.Type, vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	s.t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		s.t.Fatalf("schema type %s is not an object", typ)
	}
	attrs := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, at := range obj.AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range vals {
		if _, ok := obj.AttributeTypes[name]; !ok {
			s.t.Fatalf("schema has no attribute %q", name)
		}
		attrs[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(obj, tftypes.NewValue(obj, attrs))
	if err != nil {
		s.t.Fatalf("encode config: %v", err)
	}
	return &dv
}

// actionConfig encodes the config of action typeName.
func (s *actionServer) actionConfig(typeName string, vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	s.t.Helper()
	as, ok := s.schemas.ActionSchemas[typeName]
	if !ok {
		s.t.Fatalf("provider serves no action %s", typeName)
	}
	return s.encode(as.Schema.ValueType(), vals)
}

func (s *actionServer) validate(typeName string, vals map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	s.t.Helper()
	resp, err := s.server.ValidateActionConfig(s.t.Context(), &tfprotov6.ValidateActionConfigRequest{
		ActionType: typeName,
		Config:     s.actionConfig(typeName, vals),
	})
	if err != nil {
		s.t.Fatalf("ValidateActionConfig: %v", err)
	}
	return resp.Diagnostics
}

func (s *actionServer) plan(typeName string, vals map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	s.t.Helper()
	resp, err := s.server.PlanAction(s.t.Context(), &tfprotov6.PlanActionRequest{
		ActionType: typeName,
		Config:     s.actionConfig(typeName, vals),
	})
	if err != nil {
		s.t.Fatalf("PlanAction: %v", err)
	}
	return resp.Diagnostics
}

// invokeResult is what one InvokeAction stream delivered.
type invokeResult struct {
	progress    []string
	diagnostics []*tfprotov6.Diagnostic
	completed   int
}

// invoke runs InvokeAction and drains its event stream.
func (s *actionServer) invoke(ctx context.Context, typeName string, vals map[string]tftypes.Value) invokeResult {
	s.t.Helper()
	stream, err := s.server.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{
		ActionType: typeName,
		Config:     s.actionConfig(typeName, vals),
	})
	if err != nil {
		s.t.Fatalf("InvokeAction: %v", err)
	}
	var res invokeResult
	for ev := range stream.Events {
		switch e := ev.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			if res.completed > 0 {
				s.t.Errorf("progress event %q after the completed event", e.Message)
			}
			res.progress = append(res.progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			res.completed++
			res.diagnostics = append(res.diagnostics, e.Diagnostics...)
		default:
			s.t.Fatalf("unexpected event type %T", ev.Type)
		}
	}
	s.t.Logf("%s progress: %q", typeName, res.progress)
	if text := errorText(res.diagnostics); text != "" {
		s.t.Logf("%s errors:\n%s", typeName, text)
	}
	if res.completed != 1 {
		s.t.Errorf("stream delivered %d completed events, want exactly 1", res.completed)
	}
	return res
}

func assertNoDiagnostics(t *testing.T, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		t.Errorf("%s: unexpected diagnostic (severity %v): %s: %s", what, d.Severity, d.Summary, d.Detail)
	}
}

// errorText joins the summaries and details of the error diagnostics.
func errorText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			b.WriteString(d.Summary + ": " + d.Detail + "\n")
		}
	}
	return b.String()
}

func stringSet(vals ...string) tftypes.Value {
	elems := make([]tftypes.Value, len(vals))
	for i, v := range vals {
		elems[i] = tftypes.NewValue(tftypes.String, v)
	}
	return tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, elems)
}

func tfString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func tfBool(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }
