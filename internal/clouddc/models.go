package clouddc

import "encoding/json"

// This file holds the wire models of the CloudDC v1 API. JSON names follow the
// official Huawei Cloud SDK (huaweicloud-sdk-go-v3, services/clouddc/v1/model)
// exactly; CLOUDDC-API.md at the repository root gives the source of every field.

// Instance states. The newest SDK (v0.1.207) settles on pending, running,
// stopped, shutting-down, terminated and error; older API generations also
// report stopping, reinstalling, failed, modifyIping and switch-installing,
// and the first SDK spelled terminated as "teminated". Clients accept all.
const (
	StatePending          = "pending"
	StateRunning          = "running"
	StateStopping         = "stopping"
	StateStopped          = "stopped"
	StateReinstalling     = "reinstalling"
	StateShuttingDown     = "shutting-down"
	StateTerminated       = "terminated"
	StateTerminatedTypo   = "teminated"
	StateError            = "error"
	StateFailed           = "failed"
	StateModifyingIP      = "modifyIping"
	StateSwitchInstalling = "switch-installing"
)

// IsFailedState reports whether state means the last operation failed
// ("error" in the newest API, "failed" in older generations).
func IsFailedState(state string) bool {
	return state == StateError || state == StateFailed
}

// Error types carried in ErrorStatus.ErrorType.
const (
	ErrorTypeCreateInstance = "create_instance_error"
	ErrorTypeDeleteInstance = "delete_instance_error"
	ErrorTypeReinstall      = "reinstall_error"
	ErrorTypeModifyIP       = "modify_ip_error"
	ErrorTypeVerifyServer   = "verify_server_error"
	ErrorTypeDeleteServer   = "delete_server_error"
)

// Physical server manage states (SDK 0.1.189 and later): onboard and
// os-ready while the server is being delivered, ready once delivered,
// in-use while an instance is on it, maintain while it is faulty and under
// repair, offboarding while it is being removed. Before SDK 0.1.190 a
// frozen server had manage state frozen; since then it keeps its manage
// state and says so in FrozenState. Clients accept both.
const (
	ManageStateOnboard     = "onboard"
	ManageStateOSReady     = "os-ready"
	ManageStateReady       = "ready"
	ManageStateInUse       = "in-use"
	ManageStateMaintain    = "maintain"
	ManageStateOffboarding = "offboarding"
	// ManageStateFrozen is the manage state of a frozen server before SDK 0.1.190.
	ManageStateFrozen = "frozen"
)

// FrozenState bits (PhysicalServer.FrozenState, SDK 0.1.190 and later): 0
// is not frozen; the bits combine.
const (
	FrozenByPolice    = 1
	FrozenByViolation = 2
	FrozenForArrears  = 4
)

// Physical server power states. Since SDK 0.1.190 power_state is only on or
// off and a change in progress shows in OperationState; older deployments
// report powering-on, powering-off and rebooting while a change is in
// progress. Clients accept both.
const (
	PowerStateOn  = "on"
	PowerStateOff = "off"
	// PowerStatePoweringOn, PowerStatePoweringOff and PowerStateRebooting
	// are the power states of a change in progress before SDK 0.1.190.
	PowerStatePoweringOn  = "powering-on"
	PowerStatePoweringOff = "powering-off"
	PowerStateRebooting   = "rebooting"
)

// Physical server operation states (PhysicalServer.OperationState): how the
// last power change is doing or how it ended.
const (
	ServerOpPowerOnProcessing  = "power-on-processing"
	ServerOpPowerOnSucceed     = "power-on-succeed"
	ServerOpPowerOnFailed      = "power-on-failed"
	ServerOpPowerOffProcessing = "power-off-processing"
	ServerOpPowerOffSucceed    = "power-off-succeed"
	ServerOpPowerOffFailed     = "power-off-failed"
	ServerOpRebootProcessing   = "reboot-processing"
	ServerOpRebootSucceed      = "reboot-succeed"
	ServerOpRebootFailed       = "reboot-failed"
)

// Power actions accepted by ChangeServerPowerState.
const (
	PowerActionOn     = "power on"
	PowerActionOff    = "power off"
	PowerActionReboot = "rebooting"
)

// MaxBatchIDs is the most instance or server IDs one batch call accepts
// (DeleteInstances, ReinstallOS, ChangeInstancePassword, ChangeServerPowerState).
const MaxBatchIDs = 50

// MaxFilterIDs is the most IDs the ListInstances instance_id / server_id filters accept.
const MaxFilterIDs = 100

// ErrorStatus describes why an instance or server is in an error state.
type ErrorStatus struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	ErrorType string `json:"error_type"`
}

// Tag is a key/value tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// Image is the OS image an instance runs.
type Image struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	OsType string `json:"os_type"`
}

// NetworkInterface is one NIC of an instance (at most two; the first is primary).
type NetworkInterface struct {
	SubnetID    string `json:"subnet_id"`
	IPv4Address string `json:"ipv4_address,omitempty"`
}

// Instance is one item of ListInstances (QueryInstanceResponseBody in the SDK).
type Instance struct {
	ID                string             `json:"id"`
	Name              string             `json:"name"`
	VpcID             string             `json:"vpc_id"`
	NetworkInterfaces []NetworkInterface `json:"network_interfaces,omitempty"`
	Tags              []Tag              `json:"tags"`
	Image             *Image             `json:"image"`
	Description       string             `json:"description,omitempty"`
	State             string             `json:"state"`
	OperationState    string             `json:"operation_state,omitempty"`
	Metadata          map[string]string  `json:"metadata,omitempty"`
	UserData          string             `json:"user_data,omitempty"`
	ServerID          string             `json:"server_id"`
	CreatedAt         string             `json:"created_at"`
	UpdatedAt         string             `json:"updated_at"`
	LaunchedAt        string             `json:"launched_at"`
	Error             *ErrorStatus       `json:"error,omitempty"`
}

// PageInfo is the pagination block of list responses.
type PageInfo struct {
	NextMarker     string `json:"next_marker,omitempty"`
	PreviousMarker string `json:"previous_marker,omitempty"`
	CurrentCount   int    `json:"current_count,omitempty"`
}

// CreateInstancePlacement names the physical server for CreateInstance.
type CreateInstancePlacement struct {
	ServerID string `json:"server_id,omitempty"`
}

// CreateInstanceRequest is the body of POST /v1/{project_id}/instances.
type CreateInstanceRequest struct {
	Name              string                   `json:"name"`
	ImageID           string                   `json:"image_id"`
	VpcID             string                   `json:"vpc_id"`
	NetworkInterfaces []NetworkInterface       `json:"network_interfaces"`
	Password          string                   `json:"password"`
	Metadata          map[string]string        `json:"metadata,omitempty"`
	Description       string                   `json:"description,omitempty"`
	Placement         *CreateInstancePlacement `json:"placement,omitempty"`
}

// CreateInstanceResponse is the answer to CreateInstance.
type CreateInstanceResponse struct {
	InstanceID string `json:"instance_id"`
}

// RunInstancesNetworkInterface is a NIC of RunInstances (no fixed IP in batch create).
type RunInstancesNetworkInterface struct {
	SubnetID string `json:"subnet_id"`
}

// RunInstancesPlacement names the physical servers for RunInstances.
type RunInstancesPlacement struct {
	ServerIDSet []string `json:"server_id_set,omitempty"`
}

// RunInstancesRequest is the body of POST /v1/{project_id}/instances/batch-create.
type RunInstancesRequest struct {
	Name              string                         `json:"name"`
	ImageID           string                         `json:"image_id"`
	VpcID             string                         `json:"vpc_id"`
	NetworkInterfaces []RunInstancesNetworkInterface `json:"network_interfaces"`
	Password          string                         `json:"password"`
	Metadata          map[string]string              `json:"metadata,omitempty"`
	Description       string                         `json:"description,omitempty"`
	Placement         *RunInstancesPlacement         `json:"placement,omitempty"`
	MinCount          *int32                         `json:"min_count,omitempty"`
	MaxCount          *int32                         `json:"max_count,omitempty"`
}

// InstanceID is an {"id": ...} item of batch responses.
type InstanceID struct {
	ID string `json:"id"`
}

// InstancesResponse is the {"instances":[{"id":...}]} answer of RunInstances,
// DeleteInstances, ReinstallOS and ChangeInstancePassword.
type InstancesResponse struct {
	Instances []InstanceID `json:"instances"`
}

// ListInstancesRequest holds the ListInstances query. InstanceIDs and
// ServerIDs are sent comma-separated (at most MaxFilterIDs each) and are
// mutually exclusive.
type ListInstancesRequest struct {
	Limit         int
	Marker        string
	InstanceState string
	InstanceIDs   []string
	ServerIDs     []string
}

// ListInstancesResponse is one page of ListInstances. Instances is never nil
// in an answer the client returns (an answer without the array is an
// error); Count is nil when the API did not say.
type ListInstancesResponse struct {
	Instances []Instance `json:"instances"`
	PageInfo  *PageInfo  `json:"page_info,omitempty"`
	Count     *int       `json:"count,omitempty"`
	// RequestID is the X-Request-Id of the answer, for error messages.
	RequestID string `json:"-"`
}

// InstanceStatus is the answer of ShowInstanceStatus.
type InstanceStatus struct {
	State          string       `json:"state"`
	OperationState string       `json:"operation_state,omitempty"`
	Error          *ErrorStatus `json:"error,omitempty"`
}

// DeleteInstancesRequest is the body of POST /v1/{project_id}/instances/batch-delete.
type DeleteInstancesRequest struct {
	InstanceIDSet []string `json:"instance_id_set"`
}

// ReinstallOSRequest is the body of PUT /v1/{project_id}/instances/reinstall.
type ReinstallOSRequest struct {
	ImageID       string   `json:"image_id,omitempty"`
	Password      string   `json:"password"`
	InstanceIDSet []string `json:"instance_id_set"`
}

// ChangeInstancePasswordRequest is the body of PUT /v1/{project_id}/instances/password.
type ChangeInstancePasswordRequest struct {
	NewPassword   string   `json:"new_password"`
	InstanceIDSet []string `json:"instance_id_set"`
}

// ModifyInstanceIPNic is a NIC of ModifyInstanceIp.
type ModifyInstanceIPNic struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address,omitempty"`
}

// ModifyInstanceIPRequest is the body of PUT /v1/{project_id}/instances/{id}/ip.
type ModifyInstanceIPRequest struct {
	VpcID string                `json:"vpc_id,omitempty"`
	Nics  []ModifyInstanceIPNic `json:"nics,omitempty"`
}

// Location is where a physical server is racked.
type Location struct {
	DC   string `json:"dc,omitempty"`
	Rack string `json:"rack,omitempty"`
	Unit string `json:"unit,omitempty"`
}

// HardwareSummary identifies a physical server's hardware.
type HardwareSummary struct {
	SN                    string `json:"sn"`
	Manufacturer          string `json:"manufacturer"`
	Model                 string `json:"model"`
	MainBoardManufacturer string `json:"main_board_manufacturer,omitempty"`
	MainBoardSerialNumber string `json:"main_board_serial_number,omitempty"`
}

// PhysicalServer is a customer-owned bare-metal server ("iMetal").
type PhysicalServer struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ProjectID   string `json:"project_id"`
	DomainID    string `json:"domain_id"`
	ManageState string `json:"manage_state"`
	// FrozenState is a bit mask (FrozenByPolice, ...), nil when the API
	// does not report it (before SDK 0.1.190).
	FrozenState        *int             `json:"frozen_state,omitempty"`
	PowerState         string           `json:"power_state,omitempty"`
	OperationState     string           `json:"operation_state,omitempty"`
	HealthState        string           `json:"health_state,omitempty"`
	OnboardTime        string           `json:"onboard_time"`
	Location           *Location        `json:"location"`
	HardwareAttributes *HardwareSummary `json:"hardware_attributes"`
	Tags               []Tag            `json:"tags,omitempty"`
	Error              *ErrorStatus     `json:"error,omitempty"`
}

// Frozen reports whether the server is frozen, in either model: a non-zero
// FrozenState, or manage state frozen from an older deployment.
func (s *PhysicalServer) Frozen() bool {
	return (s.FrozenState != nil && *s.FrozenState != 0) || s.ManageState == ManageStateFrozen
}

// ListServersRequest holds the ListServers query.
type ListServersRequest struct {
	ManageState string
	Marker      string
	Limit       int
}

// ListServersResponse is one page of ListServers. Servers is never nil in
// an answer the client returns; Count is nil when the API did not say.
type ListServersResponse struct {
	Servers  []PhysicalServer `json:"servers"`
	PageInfo *PageInfo        `json:"page_info,omitempty"`
	Count    *int             `json:"count,omitempty"`
	// RequestID is the X-Request-Id of the answer, for error messages.
	RequestID string `json:"-"`
}

// ChangeServerPowerStateRequest is the body of PUT /v1/{project_id}/physicalservers/power-state.
type ChangeServerPowerStateRequest struct {
	Action      string   `json:"action"`
	ServerIDSet []string `json:"server_id_set"`
}

// ChangeServerPowerStateResponse is the answer of ChangeServerPowerState.
type ChangeServerPowerStateResponse struct {
	PhysicalServers []InstanceID `json:"physical_servers"`
}

// ServerCount is one count of ShowServerStatus: how many servers, and how
// many of them per equipment room (location.dc).
type ServerCount struct {
	Count   int            `json:"count"`
	DCStats map[string]int `json:"dc_stats,omitempty"`
}

// ServerHealthStatus is the server_status block of ShowServerStatus: the
// servers counted by health. A count the answer does not carry is nil.
type ServerHealthStatus struct {
	Total     *ServerCount `json:"total,omitempty"`
	OK        *ServerCount `json:"ok,omitempty"`
	Warning   *ServerCount `json:"warning,omitempty"`
	Unknown   *ServerCount `json:"unknown,omitempty"`
	Critical  *ServerCount `json:"critical,omitempty"`
	Health    *ServerCount `json:"health,omitempty"`
	UnHealth  *ServerCount `json:"unHealth,omitempty"`
	Isolation *ServerCount `json:"isolation,omitempty"`
}

// UnmarshalJSON reads server_status with the unhealthy count under either
// name: unHealth (SDK 0.1.192 and later) or unhealth (before). When an
// answer carries both, unHealth wins.
func (s *ServerHealthStatus) UnmarshalJSON(b []byte) error {
	type plain ServerHealthStatus
	var v struct {
		plain
		Unhealth *ServerCount `json:"unhealth"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = ServerHealthStatus(v.plain)
	if s.UnHealth == nil {
		s.UnHealth = v.Unhealth
	}
	return nil
}

// ServerPowerStatus is the server_power_status block of ShowServerStatus.
type ServerPowerStatus struct {
	On      int  `json:"on"`
	Off     int  `json:"off"`
	Unknown *int `json:"unknown,omitempty"`
}

// ServerStatusResponse is the answer of ShowServerStatus
// (GET /v1/{project_id}/physicalservers/status). Blocks the answer does not
// carry are nil (server_manage_state exists since SDK 0.1.190).
type ServerStatusResponse struct {
	ServerStatus      *ServerHealthStatus `json:"server_status,omitempty"`
	ServerPowerStatus *ServerPowerStatus  `json:"server_power_status,omitempty"`
	// ServerManageState counts servers per manage state.
	ServerManageState map[string]int `json:"server_manage_state,omitempty"`
}
