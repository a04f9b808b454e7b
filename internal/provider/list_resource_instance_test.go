// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// testAccRunInstances starts n running instances named name-0001... through
// the API (outside Terraform), with req's description and metadata, and
// returns their IDs in creation order.
func testAccRunInstances(t *testing.T, srv *emulatortest.Server, req clouddc.RunInstancesRequest, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	count := int32(n) //nolint:gosec // Test sizes are small.
	req.ImageID = testAccImageID
	req.VpcID = testAccVpcID
	if req.NetworkInterfaces == nil {
		req.NetworkInterfaces = []clouddc.RunInstancesNetworkInterface{{SubnetID: testAccSubnetID}}
	}
	req.Password = testAccPassword
	req.MinCount, req.MaxCount = &count, &count
	resp, err := testAccClient(t, srv).RunInstances(ctx, &req)
	if err != nil {
		t.Fatalf("starting %d instances: %v", n, err)
	}
	ids := make([]string, 0, len(resp.Instances))
	for _, in := range resp.Instances {
		ids = append(ids, in.ID)
	}
	if len(ids) != n {
		t.Fatalf("RunInstances started %d instances, want %d", len(ids), n)
	}
	if _, err := testAccEngine(t, srv).WaitForState(ctx, ids, clouddc.StateRunning); err != nil {
		t.Fatalf("waiting for running: %v", err)
	}
	return ids
}

// testAccInstance returns what the API reports about instance id.
func testAccInstance(t *testing.T, srv *emulatortest.Server, id string) clouddc.Instance {
	t.Helper()
	got, err := testAccEngine(t, srv).GetInstances(t.Context(), []string{id})
	if err != nil {
		t.Fatalf("reading instance %s: %v", id, err)
	}
	in, ok := got[id]
	if !ok {
		t.Fatalf("instance %s does not exist", id)
	}
	return in
}

// listBlock is a list block of clouddc_instance named name.
func listBlock(name, config string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "list \"clouddc_instance\" %q {\n  provider = clouddc\n", name)
	for _, e := range extra {
		b.WriteString("  " + e + "\n")
	}
	if config != "" {
		fmt.Fprintf(&b, "  config {\n    %s\n  }\n", config)
	}
	b.WriteString("}\n")
	return b.String()
}

// hclIDs is ids as an HCL list of strings.
func hclIDs(ids []string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// byID is a query filter that picks the result with identity id.
func byID(srv *emulatortest.Server, id string) queryfilter.QueryFilter {
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
		"id":         knownvalue.StringExact(id),
		"project_id": knownvalue.StringExact(srv.Config.ProjectID),
	})
}

// listCalls counts the ListInstances calls of one query step: PreConfig
// marks the start, and the check compares the count at the end.
type listCalls struct {
	srv    *emulatortest.Server
	before int64
}

func (c *listCalls) mark() { c.before = c.srv.Emulator.Stats().Requests["ListInstances"] }

// expect is a query check that the step made between lo and hi ListInstances calls.
func (c *listCalls) expect(lo, hi int64) querycheck.QueryResultCheck {
	return listCallsCheck{c: c, lo: lo, hi: hi}
}

type listCallsCheck struct {
	c      *listCalls
	lo, hi int64
}

func (k listCallsCheck) CheckQuery(_ context.Context, _ querycheck.CheckQueryRequest, resp *querycheck.CheckQueryResponse) {
	n := k.c.srv.Emulator.Stats().Requests["ListInstances"] - k.c.before
	if n < k.lo || n > k.hi {
		resp.Error = fmt.Errorf("the query made %d ListInstances calls, want %d to %d", n, k.lo, k.hi)
	}
}

func TestAccInstanceList_query(t *testing.T) {
	testAccPreCheck(t)
	testAccSkipUnless(t, e2e.FeatureQuery) // OpenTofu has no terraform query, whatever its version
	srv := newAccEmulator(t, emulator.Config{})
	web := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{
		Name:        "web",
		Description: "adopted web tier",
		Metadata:    map[string]string{"role": "web"},
		NetworkInterfaces: []clouddc.RunInstancesNetworkInterface{
			{SubnetID: testAccSubnetID}, {SubnetID: testAccSubnetID2},
		},
	}, 3)
	db := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "db"}, 2)
	gone := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "gone"}, 1)[0]
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := testAccEngine(t, srv).DeleteAndWait(ctx, gone); err != nil {
		t.Fatalf("deleting %s: %v", gone, err)
	}
	// Terminated instances stay listed for the emulator's TTL (a minute):
	// the list resource must leave this one out.
	if in := testAccInstance(t, srv, gone); !clouddc.IsTerminalState(in.State) {
		t.Fatalf("instance %s is %s after delete, want terminated", gone, in.State)
	}
	w0 := testAccInstance(t, srv, web[0])
	const res = "clouddc_instance.all"

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipBelow(tfversion.Version1_14_0),
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// The configuration the query files run with: the provider alone.
			{Config: testAccProviderConfig(srv)},
			// No config: every instance that is not terminated, with its
			// identity, display name and (include_resource) what Read stores.
			{
				Query:  true,
				Config: listBlock("all", "", "include_resource = true"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(res, 5),
					querycheck.ExpectIdentity(res, map[string]knownvalue.Check{
						"id":         knownvalue.StringExact(db[1]),
						"project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					querycheck.ExpectResourceDisplayName(res, byID(srv, web[0]), knownvalue.StringExact("web-0001 ("+web[0]+")")),
					querycheck.ExpectResourceDisplayName(res, byID(srv, db[0]), knownvalue.StringExact("db-0001 ("+db[0]+")")),
					querycheck.ExpectResourceKnownValues(res, byID(srv, web[0]), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(web[0])},
						{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("web-0001")},
						{Path: tfjsonpath.New("image_id"), KnownValue: knownvalue.StringExact(testAccImageID)},
						{Path: tfjsonpath.New("vpc_id"), KnownValue: knownvalue.StringExact(testAccVpcID)},
						{Path: tfjsonpath.New("server_id"), KnownValue: knownvalue.StringExact(w0.ServerID)},
						{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("running")},
						{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("adopted web tier")},
						{Path: tfjsonpath.New("metadata"), KnownValue: knownvalue.MapExact(map[string]knownvalue.Check{
							"role": knownvalue.StringExact("web"),
						})},
						{Path: tfjsonpath.New("network_interfaces"), KnownValue: knownvalue.ListExact([]knownvalue.Check{
							knownvalue.ObjectExact(map[string]knownvalue.Check{
								"subnet_id":    knownvalue.StringExact(testAccSubnetID),
								"ipv4_address": knownvalue.StringExact(w0.NetworkInterfaces[0].IPv4Address),
							}),
							knownvalue.ObjectExact(map[string]knownvalue.Check{
								"subnet_id":    knownvalue.StringExact(testAccSubnetID2),
								"ipv4_address": knownvalue.StringExact(w0.NetworkInterfaces[1].IPv4Address),
							}),
						})},
						{Path: tfjsonpath.New("created_at"), KnownValue: knownvalue.StringExact(w0.CreatedAt)},
						// Nothing only the configuration knows.
						{Path: tfjsonpath.New("password"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("password_wo_version"), KnownValue: knownvalue.Null()},
					}),
					querycheck.ExpectResourceKnownValues(res, byID(srv, db[0]), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("")},
						{Path: tfjsonpath.New("metadata"), KnownValue: knownvalue.Null()},
					}),
				},
			},
			// Without include_resource: identities and display names only.
			{
				Query:  true,
				Config: listBlock("all", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(res, 5),
					querycheck.ExpectResourceDisplayName(res, byID(srv, db[1]), knownvalue.StringExact("db-0002 ("+db[1]+")")),
				},
			},
			// Each filter; several list blocks in one query.
			{
				Query: true,
				Config: listBlock("ids", "ids = "+hclIDs([]string{web[1], db[0], web[1]})) +
					listBlock("state", `state = "running"`) +
					listBlock("servers", "server_ids = "+hclIDs([]string{w0.ServerID})) +
					listBlock("prefix", `name_prefix = "db-"`) +
					listBlock("terminated", "ids = "+hclIDs([]string{gone})) +
					listBlock("limited", "", "limit = 2"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("clouddc_instance.ids", 2),
					querycheck.ExpectIdentity("clouddc_instance.ids", map[string]knownvalue.Check{
						"id": knownvalue.StringExact(web[1]), "project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					querycheck.ExpectIdentity("clouddc_instance.ids", map[string]knownvalue.Check{
						"id": knownvalue.StringExact(db[0]), "project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					querycheck.ExpectLength("clouddc_instance.state", 5),
					querycheck.ExpectLength("clouddc_instance.servers", 1),
					querycheck.ExpectIdentity("clouddc_instance.servers", map[string]knownvalue.Check{
						"id": knownvalue.StringExact(web[0]), "project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					querycheck.ExpectLength("clouddc_instance.prefix", 2),
					querycheck.ExpectResourceDisplayName("clouddc_instance.prefix", byID(srv, db[1]), knownvalue.StringExact("db-0002 ("+db[1]+")")),
					querycheck.ExpectLength("clouddc_instance.terminated", 0),
					querycheck.ExpectLength("clouddc_instance.limited", 2),
				},
			},
			// Zero results is not an error.
			{
				Query: true,
				Config: listBlock("none", `state = "stopped"`) +
					listBlock("nomatch", `name_prefix = "nothing-is-called-this"`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("clouddc_instance.none", 0),
					querycheck.ExpectLength("clouddc_instance.nomatch", 0),
				},
			},
			// Bad filters fail at validation, before any API call.
			{
				Query:       true,
				Config:      listBlock("bad", "ids = "+hclIDs([]string{web[0]})+"\n    server_ids = "+hclIDs([]string{w0.ServerID})),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*ids.*server_ids`),
			},
			{
				Query:       true,
				Config:      listBlock("bad", `state = "terminated"`),
				ExpectError: regexp.MustCompile(`value must be one of`),
			},
			{
				Query:       true,
				Config:      listBlock("bad", `ids = ["NOT-A-UUID"]`),
				ExpectError: regexp.MustCompile(`"NOT-A-UUID" is not a lower-case UUID`),
			},
		},
	})
}

// TestAccInstanceList_manyIDs lists more than 100 instances by ID, which the
// API takes at most 100 at a time, and checks that limit stops paging early.
func TestAccInstanceList_manyIDs(t *testing.T) {
	testAccPreCheck(t)
	testAccSkipUnless(t, e2e.FeatureQuery) // OpenTofu has no terraform query, whatever its version
	srv := newAccEmulator(t, emulator.Config{})
	const n = 130
	ids := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "many"}, n)
	unknown := "0198170e-4ca7-7ee4-89a7-fa631843920b" // No such instance: not listed, not an error.
	asked := append(slices.Clone(ids), unknown)
	calls := &listCalls{srv: srv}
	const res = "clouddc_instance.many"

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipBelow(tfversion.Version1_14_0),
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: testAccProviderConfig(srv)},
			{
				// 131 IDs: two ListInstances calls of at most 100 IDs.
				PreConfig: calls.mark,
				Query:     true,
				Config:    listBlock("many", "ids = "+hclIDs(asked), "limit = 1000"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(res, n),
					querycheck.ExpectIdentity(res, map[string]knownvalue.Check{
						"id": knownvalue.StringExact(ids[n-1]), "project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					querycheck.ExpectIdentity(res, map[string]knownvalue.Check{
						"id": knownvalue.StringExact(ids[0]), "project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					calls.expect(2, 2),
				},
			},
			{
				// Every page, 100 instances a page.
				PreConfig: calls.mark,
				Query:     true,
				Config:    listBlock("many", "", "limit = 1000"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(res, n),
					calls.expect(2, 2),
				},
			},
			{
				// No limit: Terraform asks for at most 100 results.
				PreConfig: calls.mark,
				Query:     true,
				Config:    listBlock("many", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(res, 100),
					calls.expect(1, 1),
				},
			},
			{
				// limit = 5: the first page is enough; paging stops there.
				PreConfig: calls.mark,
				Query:     true,
				Config:    listBlock("many", "", "limit = 5"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(res, 5),
					querycheck.ExpectIdentity(res, map[string]knownvalue.Check{
						"id": knownvalue.StringExact(ids[4]), "project_id": knownvalue.StringExact(srv.Config.ProjectID),
					}),
					calls.expect(1, 1),
				},
			},
		},
	})
}

// The tests below call the list resource and the resource in-process (no
// Terraform), against the in-process emulator or a scripted API.

// listRequest builds the ListRequest Terraform would send for a list block
// with config (attribute name to value; the rest null).
func listRequest(t *testing.T, l *instanceListResource, config map[string]tftypes.Value, include bool, limit int64) list.ListRequest {
	t.Helper()
	ctx := t.Context()
	var ls list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &ls)
	objType, ok := ls.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("list config schema is not an object")
	}
	vals := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, nil)
	}
	maps.Copy(vals, config)
	var rs fwresource.SchemaResponse
	(&instanceResource{}).Schema(ctx, fwresource.SchemaRequest{}, &rs)
	return list.ListRequest{
		Config:                 tfsdk.Config{Schema: ls.Schema, Raw: tftypes.NewValue(objType, vals)},
		IncludeResource:        include,
		Limit:                  limit,
		ResourceSchema:         rs.Schema,
		ResourceIdentitySchema: instanceIdentitySchema(),
	}
}

// collect runs the list and returns every result it pushes.
func collect(t *testing.T, l *instanceListResource, req list.ListRequest) []list.ListResult {
	t.Helper()
	var stream list.ListResultsStream
	l.List(t.Context(), req, &stream)
	if stream.Results == nil {
		t.Fatal("List set no results iterator")
	}
	var out []list.ListResult
	for r := range stream.Results {
		out = append(out, r)
	}
	return out
}

func testProviderData(t *testing.T, srv *emulatortest.Server) *providerData {
	t.Helper()
	return &providerData{client: testAccClient(t, srv), engine: testAccEngine(t, srv), projectID: srv.Config.ProjectID}
}

// TestInstanceListMatchesRead: with include_resource, each result is exactly
// what an import followed by a refresh stores (state and identity), which is
// what makes generated configuration plan no change.
func TestInstanceListMatchesRead(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := newAccEmulator(t, emulator.Config{})
	testAccRunInstances(t, srv, clouddc.RunInstancesRequest{
		Name: "full", Description: "d", Metadata: map[string]string{"k": "v"},
		NetworkInterfaces: []clouddc.RunInstancesNetworkInterface{{SubnetID: testAccSubnetID}, {SubnetID: testAccSubnetID2}},
	}, 2)
	testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "bare"}, 1)
	pd := testProviderData(t, srv)
	l := &instanceListResource{data: pd}
	req := listRequest(t, l, nil, true, 100)
	results := collect(t, l, req)
	if len(results) != 3 {
		t.Fatalf("got %d results, want 3", len(results))
	}

	r := &instanceResource{data: pd}
	var rs fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &rs)
	is := instanceIdentitySchema()
	for _, res := range results {
		if res.Diagnostics.HasError() {
			t.Fatalf("result %q: %v", res.DisplayName, res.Diagnostics)
		}
		var ident instanceIdentityModel
		if d := res.Identity.Get(ctx, &ident); d.HasError() {
			t.Fatal(d)
		}
		id := ident.ID.ValueString()

		// terraform import: ImportState, then Read.
		importResp := fwresource.ImportStateResponse{
			State:    tfsdk.State{Schema: rs.Schema, Raw: tftypes.NewValue(rs.Schema.Type().TerraformType(ctx), nil)},
			Identity: &tfsdk.ResourceIdentity{Schema: is, Raw: tftypes.NewValue(is.Type().TerraformType(ctx), nil)},
		}
		r.ImportState(ctx, fwresource.ImportStateRequest{ID: id}, &importResp)
		if importResp.Diagnostics.HasError() {
			t.Fatalf("import %s: %v", id, importResp.Diagnostics)
		}
		readResp := fwresource.ReadResponse{State: importResp.State, Identity: importResp.Identity}
		r.Read(ctx, fwresource.ReadRequest{State: importResp.State, Identity: importResp.Identity}, &readResp)
		if readResp.Diagnostics.HasError() {
			t.Fatalf("read %s: %v", id, readResp.Diagnostics)
		}
		if !readResp.State.Raw.Equal(res.Resource.Raw) {
			t.Errorf("instance %s: list result differs from what Read stores\nlist: %s\nread: %s", id, res.Resource.Raw, readResp.State.Raw)
		}
		if !readResp.Identity.Raw.Equal(res.Identity.Raw) {
			t.Errorf("instance %s: list identity %s, Read identity %s", id, res.Identity.Raw, readResp.Identity.Raw)
		}
	}
}

func TestInstanceListWithoutResource(t *testing.T) {
	t.Parallel()
	srv := newAccEmulator(t, emulator.Config{})
	ids := testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "n"}, 2)
	testAccRunInstances(t, srv, clouddc.RunInstancesRequest{Name: "m"}, 2)
	l := &instanceListResource{data: testProviderData(t, srv)}
	prefix := map[string]tftypes.Value{"name_prefix": tftypes.NewValue(tftypes.String, "n-")}
	results := collect(t, l, listRequest(t, l, prefix, false, 100))
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2", len(results))
	}
	for i, res := range results {
		if !res.Resource.Raw.IsNull() {
			t.Errorf("result %d carries a resource without include_resource: %s", i, res.Resource.Raw)
		}
		if want := fmt.Sprintf("n-%04d (%s)", i+1, ids[i]); res.DisplayName != want {
			t.Errorf("result %d display name %q, want %q", i, res.DisplayName, want)
		}
	}
	if got := collect(t, l, listRequest(t, l, nil, false, 3)); len(got) != 3 {
		t.Errorf("limit 3: got %d results, want 3", len(got))
	}
}

// TestInstanceListErrors: every way the listing can fail ends the query with
// an error result, never a short list that looks complete.
func TestInstanceListErrors(t *testing.T) {
	t.Parallel()
	page1 := `{"instances":[{"id":"0198170e-4ca7-7ee4-89a7-fa631843920b","name":"a","state":"running"}],` +
		`"page_info":{"next_marker":"0198170e-4ca7-7ee4-89a7-fa631843920b"}}`
	tests := []struct {
		name  string
		pages []func(w http.ResponseWriter) // answer of the n-th ListInstances call
		want  string                        // in the error detail
		good  int                           // results before the error
	}{
		{"server error on the second page", []func(http.ResponseWriter){
			func(w http.ResponseWriter) { _, _ = io.WriteString(w, page1) },
			func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"error_code":"iMetal.0099","error_msg":"internal error"}`)
			},
		}, "ListInstances failed after 1 results", 1},
		{"malformed body", []func(http.ResponseWriter){
			func(w http.ResponseWriter) { _, _ = io.WriteString(w, `{"instances":[{"id":`) },
		}, "ListInstances failed after 0 results", 0},
		{"same instance twice", []func(http.ResponseWriter){
			func(w http.ResponseWriter) { _, _ = io.WriteString(w, page1) },
			func(w http.ResponseWriter) {
				_, _ = io.WriteString(w, `{"instances":[{"id":"0198170e-4ca7-7ee4-89a7-fa631843920b","name":"a","state":"running"}]}`)
			},
		}, "listed instance 0198170e-4ca7-7ee4-89a7-fa631843920b twice", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				w.Header().Set("Content-Type", "application/json")
				if n >= len(tt.pages) {
					w.WriteHeader(http.StatusTeapot)
					return
				}
				tt.pages[n](w)
			}))
			t.Cleanup(api.Close)
			c, err := clouddc.NewClient(clouddc.Config{
				Endpoint: api.URL, ProjectID: emulatortest.DefaultProjectID, AuthToken: "t",
				MaxRetries: clouddc.NoRetries, UserAgent: "test",
			})
			if err != nil {
				t.Fatal(err)
			}
			l := &instanceListResource{data: &providerData{client: c, projectID: emulatortest.DefaultProjectID}}
			results := collect(t, l, listRequest(t, l, nil, false, 100))
			if len(results) != tt.good+1 {
				t.Fatalf("got %d results, want %d and an error", len(results), tt.good+1)
			}
			for _, r := range results[:tt.good] {
				if r.Diagnostics.HasError() {
					t.Errorf("unexpected error before the failure: %v", r.Diagnostics)
				}
			}
			last := results[len(results)-1]
			if !last.Diagnostics.HasError() || !strings.Contains(diagText(last.Diagnostics), tt.want) {
				t.Errorf("last result diagnostics %v, want an error containing %q", last.Diagnostics, tt.want)
			}
		})
	}
}

func TestInstanceListUnconfigured(t *testing.T) {
	t.Parallel()
	l := &instanceListResource{}
	results := collect(t, l, listRequest(t, l, nil, false, 100))
	if len(results) != 1 || !results[0].Diagnostics.HasError() ||
		!strings.Contains(diagText(results[0].Diagnostics), "has no API client") {
		t.Fatalf("results %v, want one error saying the provider is not configured", results)
	}
}

func TestInstanceListQuery(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, b := "0198170e-4ca7-7ee4-89a7-fa631843920b", "0198170e-4ca7-7ee4-89a7-fa631843920c"
	ids, _ := types.ListValueFrom(ctx, types.StringType, []string{b, a, b})
	q, prefix, diags := instanceListModel{IDs: ids, State: types.StringValue("running"),
		ServerIDs: types.ListNull(types.StringType), NamePrefix: types.StringValue("web-")}.query(ctx)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !slices.Equal(q.InstanceIDs, []string{a, b}) || q.ServerIDs != nil || q.InstanceState != "running" ||
		q.Limit != clouddc.MaxFilterIDs || prefix != "web-" {
		t.Errorf("query %+v prefix %q", q, prefix)
	}
}

// diagText joins the summaries and details of the errors in diags.
func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags.Errors() {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}
