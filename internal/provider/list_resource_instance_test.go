// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
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
	if err := testAccEngine(t, srv).DeleteInstance(ctx, gone); err != nil {
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
