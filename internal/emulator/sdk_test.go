package emulator_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	clouddc "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/clouddc/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/clouddc/v1/model"
	clouddcregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/clouddc/v1/region"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

const (
	testAK = "EMULATORTESTAK0000001"
	testSK = "emulator-test-secret-key-0123456789abcdef"
)

// sdkClient returns the official SDK's CloudDC client for srv, signing
// with AK/SK.
func sdkClient(t *testing.T, srv *emulatortest.Server, ak, sk string) *clouddc.CloudDCClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(srv.Config.ProjectID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := clouddc.CloudDCClientBuilder().
		WithEndpoints([]string{srv.URL}).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(10 * time.Second)).
		SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return clouddc.NewCloudDCClient(hc)
}

func ptr[T any](v T) *T { return &v }

// sdkWait polls ShowInstanceStatus through the SDK until state is reached.
func sdkWait(t *testing.T, c *clouddc.CloudDCClient, id, state string) *model.ShowInstanceStatusResponse {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := c.ShowInstanceStatus(&model.ShowInstanceStatusRequest{Id: id})
		if err != nil {
			t.Fatalf("ShowInstanceStatus %s: %v", id, err)
		}
		if resp.State != nil && resp.State.Value() == state {
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s never reached %s (last %v)", id, state, resp.State)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-tick.C:
		}
	}
}

// TestOfficialSDK drives the emulator with the official Huawei Cloud Go
// SDK's CloudDC client (AK/SK signing) through create → list → status →
// batch-delete → terminated, decoding every answer with the SDK's models.
func TestOfficialSDK(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{AccessKey: testAK, SecretKey: testSK, Servers: 5})
	c := sdkClient(t, srv, testAK, testSK)

	servers, err := c.ListServers(&model.ListServersRequest{Limit: ptr(int32(10))})
	if err != nil {
		t.Fatalf("ListServers: %v", err)
	}
	if servers.Count == nil || *servers.Count != 5 || len(*servers.Servers) != 5 {
		t.Fatalf("ListServers: count %v, %d servers; want 5", servers.Count, len(*servers.Servers))
	}
	first := (*servers.Servers)[0]
	if first.ManageState == nil || first.ManageState.Value() != "ready" || first.Location == nil || first.HardwareAttributes == nil {
		t.Fatalf("ListServers: first server %v lacks ready state, location or hardware", first)
	}

	created, err := c.CreateInstance(&model.CreateInstanceRequest{Body: &model.CreateInstanceOpitons{
		Name: "sdk-bm-01", ImageId: "0198170e-0000-7000-8000-00000000abcd", VpcId: "vpc-1",
		NetworkInterfaces: []model.NetworkInterface{{SubnetId: "subnet-1", Ipv4Address: ptr("192.168.0.10")}},
		Password:          testPassword,
		Metadata:          map[string]string{"team": "platform"},
		Description:       ptr("made by the SDK"),
		Placement:         &model.CreateInstanceOpitonsPlacement{ServerId: &first.Id},
	}})
	if err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	if created.HttpStatusCode != http.StatusAccepted || created.InstanceId == nil {
		t.Fatalf("CreateInstance: status %d, id %v; want 202 with an id", created.HttpStatusCode, created.InstanceId)
	}
	id := *created.InstanceId

	run, err := c.RunInstances(&model.RunInstancesRequest{Body: &model.RunInstancesOptions{
		Name: "sdk-batch", ImageId: "img", VpcId: "vpc-1",
		NetworkInterfaces: []model.RunInstancesOptionsNetworkInterfaces{{SubnetId: "subnet-1"}},
		Password:          testPassword, MinCount: ptr(int32(2)), MaxCount: ptr(int32(2)),
	}})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	if run.HttpStatusCode != http.StatusAccepted || run.Instances == nil || len(*run.Instances) != 2 {
		t.Fatalf("RunInstances: status %d, %v; want 202 with 2 instances", run.HttpStatusCode, run.Instances)
	}
	ids := []string{id, *(*run.Instances)[0].Id, *(*run.Instances)[1].Id}

	st := sdkWait(t, c, id, "running")
	if st.OperationState == nil || st.OperationState.Value() != "install-succeed" {
		t.Fatalf("ShowInstanceStatus: operation_state %v, want install-succeed", st.OperationState)
	}

	list, err := c.ListInstances(&model.ListInstancesRequest{InstanceId: ptr(id)})
	if err != nil {
		t.Fatalf("ListInstances: %v", err)
	}
	if list.Count == nil || *list.Count != 1 || len(*list.Instances) != 1 {
		t.Fatalf("ListInstances: %v, want exactly the created instance", list)
	}
	inst := (*list.Instances)[0]
	if inst.Id != id || inst.Name != "sdk-bm-01" || inst.ServerId != first.Id || inst.LaunchedAt == "" ||
		inst.NetworkInterfaces == nil || *(*inst.NetworkInterfaces)[0].Ipv4Address != "192.168.0.10" ||
		inst.Metadata["team"] != "platform" || inst.Image == nil {
		t.Fatalf("ListInstances item %v does not match the created instance", inst)
	}
	all, err := c.ListInstances(&model.ListInstancesRequest{Limit: ptr("10")})
	if err != nil {
		t.Fatalf("ListInstances (all): %v", err)
	}
	if *all.Count != 3 {
		t.Fatalf("ListInstances (all): count %d, want 3", *all.Count)
	}

	pw, err := c.ChangeInstancePassword(&model.ChangeInstancePasswordRequest{Body: &model.ChangeInstancePasswordOptions{
		NewPassword: "An0ther!pass", InstanceIdSet: &[]string{id},
	}})
	if err != nil || pw.HttpStatusCode != http.StatusOK {
		t.Fatalf("ChangeInstancePassword: %v (status %v)", err, pw)
	}

	del, err := c.DeleteInstances(&model.DeleteInstancesRequest{Body: &model.BatchDeleteOptions{InstanceIdSet: &ids}})
	if err != nil {
		t.Fatalf("DeleteInstances: %v", err)
	}
	if del.HttpStatusCode != http.StatusAccepted || del.Instances == nil || len(*del.Instances) != 3 {
		t.Fatalf("DeleteInstances: status %d, %v; want 202 naming 3 instances", del.HttpStatusCode, del.Instances)
	}
	for _, i := range ids {
		sdkWait(t, c, i, "terminated")
	}
	term, err := c.ListInstances(&model.ListInstancesRequest{InstanceState: ptr(model.GetListInstancesRequestInstanceStateEnum().TERMINATED)})
	if err != nil || *term.Count != 3 {
		t.Fatalf("ListInstances (terminated): %v, %v; want 3", term, err)
	}

	srvResp, err := c.ShowServer(&model.ShowServerRequest{Id: first.Id})
	if err != nil {
		t.Fatalf("ShowServer: %v", err)
	}
	if srvResp.ManageState.Value() != "ready" {
		t.Fatalf("ShowServer after deletion: %v, want ready", srvResp.ManageState)
	}

	_, err = c.ShowInstanceStatus(&model.ShowInstanceStatusRequest{Id: "0198170e-4ca7-7ee4-89a7-fa631843920b"})
	var sre *sdkerr.ServiceResponseError
	if !errors.As(err, &sre) || sre.StatusCode != http.StatusNotFound || sre.ErrorCode != "iMetal.0200" || sre.RequestId == "" {
		t.Fatalf("ShowInstanceStatus of an unknown ID: %v, want 404 iMetal.0200 with a request ID", err)
	}
}

// TestOfficialSDKOtherOperations covers the SDK's view of the operations
// the main flow does not: DeleteInstance, ReinstallOS, ModifyInstanceIp
// and ChangeServerPowerState.
func TestOfficialSDKOtherOperations(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{AccessKey: testAK, SecretKey: testSK, Servers: 2,
		CreateDuration: 20 * time.Millisecond, DeleteDuration: 20 * time.Millisecond})
	c := sdkClient(t, srv, testAK, testSK)
	created, err := c.CreateInstance(&model.CreateInstanceRequest{Body: &model.CreateInstanceOpitons{
		Name: "sdk-ops", ImageId: "img-1", VpcId: "vpc-1",
		NetworkInterfaces: []model.NetworkInterface{{SubnetId: "subnet-1"}}, Password: testPassword,
	}})
	if err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	id := *created.InstanceId
	sdkWait(t, c, id, "running")

	re, err := c.ReinstallOs(&model.ReinstallOsRequest{Body: &model.ReinstallOsOptions{
		ImageId: ptr("img-2"), Password: testPassword, InstanceIdSet: &[]string{id},
	}})
	if err != nil || re.HttpStatusCode != http.StatusAccepted || len(*re.Instances) != 1 {
		t.Fatalf("ReinstallOS: %v, %v; want 202", re, err)
	}
	st := sdkWait(t, c, id, "running")
	if st.OperationState.Value() != "reinstall-succeed" {
		t.Fatalf("after reinstall: %v, want reinstall-succeed", st.OperationState)
	}

	ip, err := c.ModifyInstanceIp(&model.ModifyInstanceIpRequest{Id: id, Body: &model.ModifyInstanceIpRequestBody{
		Nics: &[]model.ModifyInstanceIpRequestBodyNics{{SubnetId: "subnet-2", IpAddress: ptr("10.0.0.7")}},
	}})
	if err != nil || ip.HttpStatusCode != http.StatusAccepted {
		t.Fatalf("ModifyInstanceIp: %v, %v; want 202", ip, err)
	}
	sdkWait(t, c, id, "running")

	list, err := c.ListInstances(&model.ListInstancesRequest{InstanceId: ptr(id)})
	if err != nil {
		t.Fatal(err)
	}
	inst := (*list.Instances)[0]
	if *(*inst.NetworkInterfaces)[0].Ipv4Address != "10.0.0.7" || inst.Image.Id != "img-2" {
		t.Fatalf("after reinstall and IP change: %v, want image img-2 and address 10.0.0.7", inst)
	}

	power, err := c.ChangeServerPowerState(&model.ChangeServerPowerStateRequest{Body: &model.PowerAction{
		Action: model.GetPowerActionActionEnum().POWER_OFF, ServerIdSet: &[]string{inst.ServerId},
	}})
	if err != nil || power.HttpStatusCode != http.StatusOK || len(*power.PhysicalServers) != 1 {
		t.Fatalf("ChangeServerPowerState: %v, %v; want 200 naming the server", power, err)
	}
	sdkWait(t, c, id, "stopped")

	del, err := c.DeleteInstance(&model.DeleteInstanceRequest{Id: id})
	if err != nil || del.HttpStatusCode != http.StatusNoContent {
		t.Fatalf("DeleteInstance: %v, %v; want 204", del, err)
	}
	sdkWait(t, c, id, "terminated")
}

// TestOfficialSDKWrongSecret checks that a request signed with the wrong
// secret key is refused with 401 iMetal.0003.
func TestOfficialSDKWrongSecret(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{AccessKey: testAK, SecretKey: testSK})
	c := sdkClient(t, srv, testAK, "not-the-secret")
	_, err := c.ListInstances(&model.ListInstancesRequest{})
	var sre *sdkerr.ServiceResponseError
	if !errors.As(err, &sre) || sre.StatusCode != http.StatusUnauthorized || sre.ErrorCode != "iMetal.0003" {
		t.Fatalf("wrong secret: %v, want 401 iMetal.0003", err)
	}
	if got := srv.Emulator.Stats().Responses["401"]; got != 1 {
		t.Fatalf("401 responses: %d, want 1", got)
	}
}

// sdkRegionRuns counts the runs of TestOfficialSDKThroughRegionEnv in this
// process. The SDK caches the endpoint it read from the environment for a
// region for the life of the process, so only the first run can use a real
// region ID; later runs (go test -count=N) use a fresh ID the same way.
var sdkRegionRuns atomic.Int32

// TestOfficialSDKThroughRegionEnv reaches the emulator the way a user of
// the official SDK does: HUAWEICLOUD_SDK_REGION_CLOUDDC_<REGION> names the
// endpoint of a region, and the client is built with that region and no
// endpoint of its own. Through it the SDK's 0.1.207 models read the server
// model of SDK 0.1.190 and later: frozen_state, power_state on/off only
// with the change in operation_state, ShowServerStatus with unHealth.
func TestOfficialSDKThroughRegionEnv(t *testing.T) {
	clock := emulatortest.NewStepClock()
	srv := emulatortest.Start(t, emulator.Config{AccessKey: testAK, SecretKey: testSK, Servers: 3,
		PowerDuration: time.Minute, Now: clock.Now})

	regionID := "cn-east-3"
	if n := sdkRegionRuns.Add(1); n > 1 {
		regionID = fmt.Sprintf("emulator-run-%d", n)
	}
	// The user's line: export HUAWEICLOUD_SDK_REGION_CLOUDDC_CN_EAST_3=http://127.0.0.1:8787
	t.Setenv("HUAWEICLOUD_SDK_REGION_CLOUDDC_"+strings.ToUpper(strings.ReplaceAll(regionID, "-", "_")), srv.URL)
	reg, err := clouddcregion.SafeValueOf(regionID)
	if err != nil {
		t.Fatalf("region %s: %v", regionID, err)
	}
	if len(reg.Endpoints) != 1 || reg.Endpoints[0] != srv.URL {
		t.Fatalf("region %s resolves to %v, want the emulator at %s", regionID, reg.Endpoints, srv.URL)
	}
	cred, err := basic.NewCredentialsBuilder().WithAk(testAK).WithSk(testSK).WithProjectId(srv.Config.ProjectID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := clouddc.CloudDCClientBuilder().WithRegion(reg).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(10 * time.Second)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	c := clouddc.NewCloudDCClient(hc)

	servers, err := c.ListServers(&model.ListServersRequest{ManageState: ptr(model.GetListServersRequestManageStateEnum().READY)})
	if err != nil {
		t.Fatalf("ListServers: %v", err)
	}
	if len(*servers.Servers) != 3 {
		t.Fatalf("ListServers: %d ready servers, want 3", len(*servers.Servers))
	}
	a, b := (*servers.Servers)[0], (*servers.Servers)[1]
	if a.FrozenState == nil || a.FrozenState.Value() != 0 || a.PowerState == nil || a.PowerState.Value() != "on" {
		t.Fatalf("ListServers: server %v, want frozen_state 0 and power on", a)
	}
	if err := srv.Emulator.SetServerState(b.Id, emulator.ServerState{FrozenState: ptr(4), HealthState: ptr("Critical")}); err != nil {
		t.Fatal(err)
	}
	shown, err := c.ShowServer(&model.ShowServerRequest{Id: b.Id})
	if err != nil {
		t.Fatalf("ShowServer: %v", err)
	}
	if shown.FrozenState.Value() != 4 || shown.HealthState.Value() != "Critical" || shown.ManageState.Value() != "ready" {
		t.Fatalf("ShowServer of the frozen server: %v", shown)
	}

	power, err := c.ChangeServerPowerState(&model.ChangeServerPowerStateRequest{Body: &model.PowerAction{
		Action: model.GetPowerActionActionEnum().POWER_OFF, ServerIdSet: &[]string{a.Id},
	}})
	if err != nil || power.HttpStatusCode != http.StatusOK {
		t.Fatalf("ChangeServerPowerState: %v, %v", power, err)
	}
	ops := model.GetPhysicalServerOperationStatusEnum()
	shown, err = c.ShowServer(&model.ShowServerRequest{Id: a.Id})
	if err != nil || shown.PowerState.Value() != "on" || *shown.OperationState != ops.POWER_OFF_PROCESSING {
		t.Fatalf("ShowServer during the power off: %v, %v; want on and power-off-processing", shown, err)
	}
	clock.Advance(time.Minute)
	shown, err = c.ShowServer(&model.ShowServerRequest{Id: a.Id})
	if err != nil || shown.PowerState.Value() != "off" || *shown.OperationState != ops.POWER_OFF_SUCCEED {
		t.Fatalf("ShowServer after the power off: %v, %v; want off and power-off-succeed", shown, err)
	}

	_, err = c.ChangeServerPowerState(&model.ChangeServerPowerStateRequest{Body: &model.PowerAction{
		Action: model.GetPowerActionActionEnum().POWER_ON, ServerIdSet: &[]string{b.Id},
	}})
	var sre *sdkerr.ServiceResponseError
	if !errors.As(err, &sre) || sre.StatusCode != http.StatusBadRequest || sre.ErrorCode != "iMetal.0101" || !strings.Contains(sre.ErrorMessage, b.Id) {
		t.Fatalf("power on a frozen server: %v, want 400 iMetal.0101 naming it", err)
	}

	st, err := c.ShowServerStatus(&model.ShowServerStatusRequest{})
	if err != nil {
		t.Fatalf("ShowServerStatus: %v", err)
	}
	ss := st.ServerStatus
	if ss == nil || ss.Total.Count != 3 || ss.UnHealth == nil || ss.UnHealth.Count != 1 || ss.Critical.Count != 1 ||
		ss.Health.Count != 2 || ss.Isolation.Count != 1 || ss.UnHealth.DcStats[*b.Location.Dc] != 1 {
		t.Fatalf("ShowServerStatus server_status: %v", ss)
	}
	if p := st.ServerPowerStatus; p == nil || p.On != 2 || p.Off != 1 {
		t.Fatalf("ShowServerStatus server_power_status: %v", p)
	}
	if st.ServerManageState == nil {
		t.Fatal("ShowServerStatus: no server_manage_state")
	}
}
