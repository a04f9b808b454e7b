// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// BenchmarkInstancesDataSourceRead reads data "clouddc_instances" "all" {}
// through the provider's protocol 6 server (ReadDataSource, as Terraform
// calls it) against an in-process emulator holding n instances: every page
// of ListInstances over HTTP, the state built and encoded. ns/instance
// should stay flat as n grows.
//
//	go test ./internal/provider/ -run '^$' -bench InstancesDataSourceRead -benchmem
func BenchmarkInstancesDataSourceRead(b *testing.B) {
	for _, n := range []int{1000, 2000, 5000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			srv := emulatortest.Start(b, emulator.Config{
				Servers:        n,
				CreateDuration: time.Nanosecond,
				DeleteDuration: time.Nanosecond,
				TerminatedTTL:  time.Hour,
			})
			seedInstancesRPC(b, srv, n)
			server, typ := instancesRPCServer(b, srv)
			req := &tfprotov6.ReadDataSourceRequest{TypeName: "clouddc_instances", Config: encodeRPC(b, typ, nil)}

			b.ReportAllocs()
			b.ResetTimer()
			var resp *tfprotov6.ReadDataSourceResponse
			for range b.N {
				var err error
				resp, err = server.ReadDataSource(b.Context(), req)
				if err != nil {
					b.Fatalf("ReadDataSource: %v", err)
				}
			}
			b.StopTimer()
			if text := errorText(resp.Diagnostics); text != "" {
				b.Fatalf("ReadDataSource:\n%s", text)
			}
			if got := listedInstancesRPC(b, typ, resp.State); got != n {
				b.Fatalf("the data source lists %d instances, want %d", got, n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/instance")
		})
	}
}

// seedInstancesRPC creates n instances in srv, 1000 per RunInstances call,
// with two metadata entries each.
func seedInstancesRPC(tb testing.TB, srv *emulatortest.Server, n int) {
	tb.Helper()
	c, err := clouddc.NewClient(clouddc.Config{
		Endpoint:  srv.URL,
		ProjectID: srv.Config.ProjectID,
		AuthToken: srv.Config.Token,
		UserAgent: "terraform-provider-clouddc/bench",
	})
	if err != nil {
		tb.Fatalf("client for the emulator: %v", err)
	}
	ctx, cancel := context.WithTimeout(tb.Context(), time.Minute)
	defer cancel()
	for left := n; left > 0; {
		count := int32(min(left, 1000)) //nolint:gosec // At most 1000.
		resp, err := c.RunInstances(ctx, &clouddc.RunInstancesRequest{
			Name:              "bench",
			ImageID:           testAccImageID,
			VpcID:             testAccVpcID,
			NetworkInterfaces: []clouddc.RunInstancesNetworkInterface{{SubnetID: testAccSubnetID}},
			Password:          testAccPassword,
			Metadata:          map[string]string{"team": "bench", "tier": "web"},
			MinCount:          &count,
			MaxCount:          &count,
		})
		if err != nil {
			tb.Fatalf("seeding %d instances: %v", count, err)
		}
		left -= len(resp.Instances)
	}
}

// instancesRPCServer is the provider server, configured against srv, and
// the type of the clouddc_instances data source.
func instancesRPCServer(tb testing.TB, srv *emulatortest.Server) (tfprotov6.ProviderServer, tftypes.Type) {
	tb.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		tb.Fatalf("provider server: %v", err)
	}
	schemas, err := server.GetProviderSchema(tb.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		tb.Fatalf("GetProviderSchema: %v", err)
	}
	if text := errorText(schemas.Diagnostics); text != "" {
		tb.Fatalf("GetProviderSchema:\n%s", text)
	}
	resp, err := server.ConfigureProvider(tb.Context(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config: encodeRPC(tb, schemas.Provider.ValueType(), map[string]tftypes.Value{
			"endpoint":   tftypes.NewValue(tftypes.String, srv.URL),
			"project_id": tftypes.NewValue(tftypes.String, srv.Config.ProjectID),
			"auth_token": tftypes.NewValue(tftypes.String, srv.Config.Token),
		}),
	})
	if err != nil {
		tb.Fatalf("ConfigureProvider: %v", err)
	}
	if text := errorText(resp.Diagnostics); text != "" {
		tb.Fatalf("ConfigureProvider:\n%s", text)
	}
	ds, ok := schemas.DataSourceSchemas["clouddc_instances"]
	if !ok {
		tb.Fatal("the provider serves no data source clouddc_instances")
	}
	return server, ds.ValueType()
}

// encodeRPC is the DynamicValue of an object of type typ: the attributes
// in vals, every other attribute null.
func encodeRPC(tb testing.TB, typ tftypes.Type, vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	tb.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		tb.Fatalf("schema type %s is not an object", typ)
	}
	attrs := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, at := range obj.AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range vals {
		attrs[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(obj, tftypes.NewValue(obj, attrs))
	if err != nil {
		tb.Fatalf("encode config: %v", err)
	}
	return &dv
}

// listedInstancesRPC decodes a state of type typ and returns how many
// elements its instances hold, failing unless instance_ids holds as many.
func listedInstancesRPC(tb testing.TB, typ tftypes.Type, state *tfprotov6.DynamicValue) int {
	tb.Helper()
	if state == nil {
		tb.Fatal("ReadDataSource returned no state")
	}
	v, err := state.Unmarshal(typ)
	if err != nil {
		tb.Fatalf("decode state: %v", err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		tb.Fatalf("state: %v", err)
	}
	var instances, ids []tftypes.Value
	if err := attrs["instances"].As(&instances); err != nil {
		tb.Fatalf("state instances: %v", err)
	}
	if err := attrs["instance_ids"].As(&ids); err != nil {
		tb.Fatalf("state instance_ids: %v", err)
	}
	if len(ids) != len(instances) {
		tb.Fatalf("state lists %d instances but %d instance_ids", len(instances), len(ids))
	}
	return len(instances)
}
