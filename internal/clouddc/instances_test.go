package clouddc

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// TestRequestShapes checks method, path, query and JSON body of every
// operation, and that the answer is decoded.
func TestRequestShapes(t *testing.T) {
	base := "/v1/" + testProject
	tests := []struct {
		name      string
		call      func(ctx context.Context, c *Client) (any, error)
		reply     reply
		method    string
		path      string
		query     url.Values
		body      string
		wantOut   any
		wantNoCT  bool
		wantCType string
	}{
		{
			name: "CreateInstance",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateInstance(ctx, &CreateInstanceRequest{
					Name: "bm-01", ImageID: "img", VpcID: "vpc",
					NetworkInterfaces: []NetworkInterface{{SubnetID: "sn", IPv4Address: "192.168.0.10"}},
					Password:          "Passw0rd!x", Description: "demo", Metadata: map[string]string{"k": "v"},
					Placement: &CreateInstancePlacement{ServerID: "srv1"},
				})
			},
			reply:  reply{status: http.StatusAccepted, body: `{"instance_id":"0198170e-4ca7-7ee4-89a7-fa631843920b"}`},
			method: http.MethodPost, path: base + "/instances",
			body: `{"name":"bm-01","image_id":"img","vpc_id":"vpc","network_interfaces":[{"subnet_id":"sn","ipv4_address":"192.168.0.10"}],
				"password":"Passw0rd!x","metadata":{"k":"v"},"description":"demo","placement":{"server_id":"srv1"}}`,
			wantOut:   &CreateInstanceResponse{InstanceID: "0198170e-4ca7-7ee4-89a7-fa631843920b"},
			wantCType: "application/json;charset=UTF-8",
		},
		{
			name: "CreateInstance 201",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateInstance(ctx, &CreateInstanceRequest{Name: "a", ImageID: "i", VpcID: "v", Password: "p"})
			},
			reply:  reply{status: http.StatusCreated, body: `{"instance_id":"0198170e-4ca7-7ee4-89a7-fa631843920c"}`},
			method: http.MethodPost, path: base + "/instances",
			body:    `{"name":"a","image_id":"i","vpc_id":"v","network_interfaces":null,"password":"p"}`,
			wantOut: &CreateInstanceResponse{InstanceID: "0198170e-4ca7-7ee4-89a7-fa631843920c"},
		},
		{
			name: "RunInstances",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RunInstances(ctx, &RunInstancesRequest{
					Name: "bm", ImageID: "img", VpcID: "vpc", Password: "pw",
					NetworkInterfaces: []RunInstancesNetworkInterface{{SubnetID: "sn"}},
					Placement:         &RunInstancesPlacement{ServerIDSet: []string{"s1", "s2"}},
					MinCount:          ptr(int32(1)), MaxCount: ptr(int32(2)),
				})
			},
			reply:  reply{status: http.StatusOK, body: `{"instances":[{"id":"0198170e-4ca7-7ee4-89a7-00000000000a"},{"id":"0198170e-4ca7-7ee4-89a7-00000000000b"}]}`},
			method: http.MethodPost, path: base + "/instances/batch-create",
			body: `{"name":"bm","image_id":"img","vpc_id":"vpc","network_interfaces":[{"subnet_id":"sn"}],"password":"pw",
				"placement":{"server_id_set":["s1","s2"]},"min_count":1,"max_count":2}`,
			wantOut: &InstancesResponse{Instances: []InstanceID{{ID: "0198170e-4ca7-7ee4-89a7-00000000000a"}, {ID: "0198170e-4ca7-7ee4-89a7-00000000000b"}}},
		},
		{
			name: "ListInstances",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListInstances(ctx, &ListInstancesRequest{
					Limit: 50, Marker: "m1", InstanceState: StateRunning, InstanceIDs: []string{"a", "b"},
				})
			},
			reply: reply{status: http.StatusOK, body: `{"instances":[{"id":"a","state":"running","server_id":"s"}],
				"page_info":{"next_marker":"m2","current_count":1},"count":7}`},
			method: http.MethodGet, path: base + "/instances",
			query: url.Values{"limit": {"50"}, "marker": {"m1"}, "instance_state": {"running"}, "instance_id": {"a,b"}},
			wantOut: &ListInstancesResponse{
				Instances: []Instance{{ID: "a", State: "running", ServerID: "s"}},
				PageInfo:  &PageInfo{NextMarker: "m2", CurrentCount: 1}, Count: ptr(7),
			},
			wantCType: "application/json",
		},
		{
			name: "ListInstances by server",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListInstances(ctx, &ListInstancesRequest{ServerIDs: []string{"s1", "s2"}})
			},
			reply:  reply{status: http.StatusOK, body: `{"instances":[],"count":0}`},
			method: http.MethodGet, path: base + "/instances",
			query:   url.Values{"server_id": {"s1,s2"}},
			wantOut: &ListInstancesResponse{Instances: []Instance{}, Count: ptr(0)},
		},
		{
			name: "ListInstances nil request",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListInstances(ctx, nil)
			},
			reply:  reply{status: http.StatusOK, body: `{"instances":[],"count":0}`},
			method: http.MethodGet, path: base + "/instances",
			query:   url.Values{},
			wantOut: &ListInstancesResponse{Instances: []Instance{}, Count: ptr(0)},
		},
		{
			name: "ShowInstanceStatus",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ShowInstanceStatus(ctx, "i-1")
			},
			reply: reply{status: http.StatusOK, body: `{"state":"error","operation_state":"uninstall-failed",
				"error":{"error_code":"iMetal.0299","error_msg":"disk busy","error_type":"delete_instance_error"}}`},
			method: http.MethodGet, path: base + "/instances/i-1/status",
			wantOut: &InstanceStatus{State: "error", OperationState: "uninstall-failed",
				Error: &ErrorStatus{ErrorCode: "iMetal.0299", ErrorMsg: "disk busy", ErrorType: ErrorTypeDeleteInstance}},
		},
		{
			name: "DeleteInstance",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteInstance(ctx, "i-1")
			},
			reply:  reply{status: http.StatusNoContent},
			method: http.MethodDelete, path: base + "/instances/i-1",
		},
		{
			name: "DeleteInstances",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.DeleteInstances(ctx, []string{"a", "b"})
			},
			reply:  reply{status: http.StatusAccepted, body: `{"instances":[{"id":"a"},{"id":"b"}]}`},
			method: http.MethodPost, path: base + "/instances/batch-delete",
			body:    `{"instance_id_set":["a","b"]}`,
			wantOut: &InstancesResponse{Instances: []InstanceID{{ID: "a"}, {ID: "b"}}},
		},
		{
			name: "ReinstallOS",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ReinstallOS(ctx, &ReinstallOSRequest{ImageID: "img2", Password: "pw", InstanceIDSet: []string{"a"}})
			},
			reply:  reply{status: http.StatusAccepted, body: `{"instances":[{"id":"a"}]}`},
			method: http.MethodPut, path: base + "/instances/reinstall",
			body:    `{"image_id":"img2","password":"pw","instance_id_set":["a"]}`,
			wantOut: &InstancesResponse{Instances: []InstanceID{{ID: "a"}}},
		},
		{
			name: "ChangeInstancePassword",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ChangeInstancePassword(ctx, &ChangeInstancePasswordRequest{NewPassword: "pw", InstanceIDSet: []string{"a"}})
			},
			reply:  reply{status: http.StatusOK, body: `{"instances":[{"id":"a"}]}`},
			method: http.MethodPut, path: base + "/instances/password",
			body:    `{"new_password":"pw","instance_id_set":["a"]}`,
			wantOut: &InstancesResponse{Instances: []InstanceID{{ID: "a"}}},
		},
		{
			name: "ModifyInstanceIP",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.ModifyInstanceIP(ctx, "i-1", &ModifyInstanceIPRequest{
					VpcID: "vpc", Nics: []ModifyInstanceIPNic{{SubnetID: "sn", IPAddress: "10.0.0.5"}},
				})
			},
			reply:  reply{status: http.StatusAccepted},
			method: http.MethodPut, path: base + "/instances/i-1/ip",
			body: `{"vpc_id":"vpc","nics":[{"subnet_id":"sn","ip_address":"10.0.0.5"}]}`,
		},
		{
			name: "ListServers",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListServers(ctx, &ListServersRequest{ManageState: ManageStateReady, Marker: "s9", Limit: 100})
			},
			reply: reply{status: http.StatusOK, body: `{"servers":[{"id":"s10","name":"n","manage_state":"ready","onboard_time":"t",
				"location":{"dc":"dc1","rack":"r1","unit":"u1"},"hardware_attributes":{"sn":"SN1","manufacturer":"H","model":"M"}}],
				"page_info":{"next_marker":"s10"},"count":1}`},
			method: http.MethodGet, path: base + "/physicalservers",
			query: url.Values{"manage_state": {"ready"}, "marker": {"s9"}, "limit": {"100"}},
			wantOut: &ListServersResponse{
				Servers: []PhysicalServer{{ID: "s10", Name: "n", ManageState: "ready", OnboardTime: "t",
					Location:           &Location{DC: "dc1", Rack: "r1", Unit: "u1"},
					HardwareAttributes: &HardwareSummary{SN: "SN1", Manufacturer: "H", Model: "M"}}},
				PageInfo: &PageInfo{NextMarker: "s10"}, Count: ptr(1),
			},
		},
		{
			name: "ShowServer",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ShowServer(ctx, "s1")
			},
			reply:  reply{status: http.StatusOK, body: `{"id":"s1","manage_state":"in-use","power_state":"on"}`},
			method: http.MethodGet, path: base + "/physicalservers/s1",
			wantOut: &PhysicalServer{ID: "s1", ManageState: "in-use", PowerState: "on"},
		},
		{
			name: "ChangeServerPowerState",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ChangeServerPowerState(ctx, &ChangeServerPowerStateRequest{Action: PowerActionOff, ServerIDSet: []string{"s1"}})
			},
			reply:  reply{status: http.StatusOK, body: `{"physical_servers":[{"id":"s1"}]}`},
			method: http.MethodPut, path: base + "/physicalservers/power-state",
			body:    `{"action":"power off","server_id_set":["s1"]}`,
			wantOut: &ChangeServerPowerStateResponse{PhysicalServers: []InstanceID{{ID: "s1"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{replies: []reply{tt.reply}}
			c, _ := newTestClient(t, rec)
			out, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests sent, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			gotQuery, err := url.ParseQuery(r.Query)
			if err != nil {
				t.Fatal(err)
			}
			if tt.query == nil {
				tt.query = url.Values{}
			}
			if !reflect.DeepEqual(gotQuery, tt.query) {
				t.Errorf("query = %v, want %v", gotQuery, tt.query)
			}
			if !jsonEqual(t, r.Body, tt.body) {
				t.Errorf("body = %s\nwant   %s", r.Body, tt.body)
			}
			if tt.wantCType != "" && r.Header.Get("Content-Type") != tt.wantCType {
				t.Errorf("Content-Type = %q, want %q", r.Header.Get("Content-Type"), tt.wantCType)
			}
			if tt.wantOut != nil && !reflect.DeepEqual(out, tt.wantOut) {
				t.Errorf("answer = %#v\nwant     %#v", out, tt.wantOut)
			}
		})
	}
}

// TestBatchLimits checks that batch calls over MaxBatchIDs (or empty, or
// with bad input) fail without a request.
func TestBatchLimits(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("id-%d", i)
		}
		return out
	}
	tests := []struct {
		name    string
		call    func(ctx context.Context, c *Client) error
		wantErr string
	}{
		{"DeleteInstances 51", func(ctx context.Context, c *Client) error {
			_, err := c.DeleteInstances(ctx, ids(51))
			return err
		}, "at most 50 instance IDs per call, got 51"},
		{"DeleteInstances empty", func(ctx context.Context, c *Client) error {
			_, err := c.DeleteInstances(ctx, nil)
			return err
		}, "no instance IDs"},
		{"DeleteInstances blank ID", func(ctx context.Context, c *Client) error {
			_, err := c.DeleteInstances(ctx, []string{"a", ""})
			return err
		}, "#2 is empty"},
		{"ReinstallOS 51", func(ctx context.Context, c *Client) error {
			_, err := c.ReinstallOS(ctx, &ReinstallOSRequest{Password: "p", InstanceIDSet: ids(51)})
			return err
		}, "at most 50"},
		{"ReinstallOS nil", func(ctx context.Context, c *Client) error {
			_, err := c.ReinstallOS(ctx, nil)
			return err
		}, "nil"},
		{"ChangeInstancePassword 51", func(ctx context.Context, c *Client) error {
			_, err := c.ChangeInstancePassword(ctx, &ChangeInstancePasswordRequest{NewPassword: "p", InstanceIDSet: ids(51)})
			return err
		}, "at most 50"},
		{"ChangeServerPowerState 51", func(ctx context.Context, c *Client) error {
			_, err := c.ChangeServerPowerState(ctx, &ChangeServerPowerStateRequest{Action: PowerActionOn, ServerIDSet: ids(51)})
			return err
		}, "at most 50 server IDs"},
		{"ChangeServerPowerState bad action", func(ctx context.Context, c *Client) error {
			_, err := c.ChangeServerPowerState(ctx, &ChangeServerPowerStateRequest{Action: "off", ServerIDSet: ids(1)})
			return err
		}, `action "off"`},
		{"ListInstances 101 IDs", func(ctx context.Context, c *Client) error {
			_, err := c.ListInstances(ctx, &ListInstancesRequest{InstanceIDs: ids(101)})
			return err
		}, "at most 100 IDs"},
		{"ListInstances both filters", func(ctx context.Context, c *Client) error {
			_, err := c.ListInstances(ctx, &ListInstancesRequest{InstanceIDs: ids(1), ServerIDs: ids(1)})
			return err
		}, "cannot be combined"},
		{"ShowInstanceStatus empty", func(ctx context.Context, c *Client) error {
			_, err := c.ShowInstanceStatus(ctx, "")
			return err
		}, "empty"},
		{"DeleteInstance empty", func(ctx context.Context, c *Client) error {
			return c.DeleteInstance(ctx, "")
		}, "empty"},
		{"ModifyInstanceIP empty", func(ctx context.Context, c *Client) error {
			return c.ModifyInstanceIP(ctx, "", nil)
		}, "empty"},
		{"ShowServer empty", func(ctx context.Context, c *Client) error {
			_, err := c.ShowServer(ctx, "")
			return err
		}, "empty"},
		{"CreateInstance nil", func(ctx context.Context, c *Client) error {
			_, err := c.CreateInstance(ctx, nil)
			return err
		}, "nil"},
		{"RunInstances nil", func(ctx context.Context, c *Client) error {
			_, err := c.RunInstances(ctx, nil)
			return err
		}, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			c, _ := newTestClient(t, rec)
			err := tt.call(t.Context(), c)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if n := len(rec.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
	t.Run("DeleteInstances 50 is allowed", func(t *testing.T) {
		items := make([]string, 50)
		for i, id := range ids(50) {
			items[i] = `{"id":"` + id + `"}`
		}
		rec := &recorder{replies: []reply{{status: http.StatusAccepted, body: `{"instances":[` + strings.Join(items, ",") + `]}`}}}
		c, _ := newTestClient(t, rec)
		if _, err := c.DeleteInstances(t.Context(), ids(50)); err != nil {
			t.Fatal(err)
		}
		if n := len(rec.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}
