package emulator

// Wire types of the CloudDC v1 API as the emulator speaks it. They are the
// emulator's own (it does not import the provider's client) and follow the
// JSON names of the official SDK's models (services/clouddc/v1/model).

// Instance states the emulator reports: the newest SDK's set
// (CLOUDDC-API.md at the repository root, "Instances: States").
const (
	statePending      = "pending"
	stateRunning      = "running"
	stateStopped      = "stopped"
	stateShuttingDown = "shutting-down"
	stateTerminated   = "terminated"
	stateError        = "error"
)

// Instance operation states (CLOUDDC-API.md, "Instances: States").
const (
	opInstallProcessing   = "install-processing"
	opInstallSucceed      = "install-succeed"
	opReinstallProcessing = "reinstall-processing"
	opReinstallSucceed    = "reinstall-succeed"
	opModifyIPProcessing  = "modify-ip-processing"
	opModifyIPSucceed     = "modify-ip-succeed"
	opUninstallProcessing = "uninstall-processing"
	opUninstallSucceed    = "uninstall-succeed"
	opUninstallFailed     = "uninstall-failed"
)

// Physical server states (CLOUDDC-API.md, "Physical servers"): the
// model of SDK 0.1.190 and later.
const (
	manageOnboard     = "onboard"
	manageOSReady     = "os-ready"
	manageReady       = "ready"
	manageInUse       = "in-use"
	manageMaintain    = "maintain"
	manageOffboarding = "offboarding"
	// manageFrozen is the manage_state of a frozen server before SDK 0.1.190;
	// the ListServers filter still accepts it and matches frozen_state != 0.
	manageFrozen = "frozen"

	powerOn  = "on"
	powerOff = "off"

	srvOpPowerOnProcessing  = "power-on-processing"
	srvOpPowerOnSucceed     = "power-on-succeed"
	srvOpPowerOnFailed      = "power-on-failed"
	srvOpPowerOffProcessing = "power-off-processing"
	srvOpPowerOffSucceed    = "power-off-succeed"
	srvOpPowerOffFailed     = "power-off-failed"
	srvOpRebootProcessing   = "reboot-processing"
	srvOpRebootSucceed      = "reboot-succeed"
	srvOpRebootFailed       = "reboot-failed"

	actionPowerOn  = "power on"
	actionPowerOff = "power off"
	actionReboot   = "rebooting"

	healthOK       = "OK"
	healthWarning  = "Warning"
	healthCritical = "Critical"
	healthUnknown  = "Unknown"
)

// The power_state values of a change in progress before SDK 0.1.190. The
// emulator never reports them; it reads them only in old state files.
const (
	legacyPoweringOn  = "powering-on"
	legacyPoweringOff = "powering-off"
	legacyRebooting   = "rebooting"
)

// manageStatesAll are the manage states of SDK 0.1.189 and later, in the
// order of the SDK's enum.
var manageStatesAll = []string{manageOnboard, manageOSReady, manageReady, manageInUse, manageMaintain, manageOffboarding}

// healthStates are the values of health_state.
var healthStates = []string{healthOK, healthWarning, healthCritical, healthUnknown}

// frozen_state bits (SDK FrozenState): 0 is not frozen; the bits combine
// up to maxFrozenState.
const (
	frozenPolice    = 1
	frozenViolation = 2
	frozenArrears   = 4
	maxFrozenState  = frozenPolice | frozenViolation | frozenArrears
)

// errorTypeDeleteInstance is ErrorStatus.error_type of a failed deletion.
const errorTypeDeleteInstance = "delete_instance_error"

// maxBatchIDs is the most IDs a batch body accepts; maxFilterIDs the most a
// ListInstances filter accepts.
const (
	maxBatchIDs  = 50
	maxFilterIDs = 100
)

// ErrorStatus is the "error" object of instances and servers.
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

// Image is an instance's OS image.
type Image struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	OsType string `json:"os_type"`
}

// NetworkInterface is one NIC of an instance.
type NetworkInterface struct {
	SubnetID    string `json:"subnet_id"`
	IPv4Address string `json:"ipv4_address,omitempty"`
}

// Instance is a ListInstances item (QueryInstanceResponseBody).
type Instance struct {
	ID                string             `json:"id"`
	Name              string             `json:"name"`
	VpcID             string             `json:"vpc_id"`
	NetworkInterfaces []NetworkInterface `json:"network_interfaces,omitempty"`
	Tags              []Tag              `json:"tags"`
	Image             Image              `json:"image"`
	Description       string             `json:"description,omitempty"`
	State             string             `json:"state"`
	OperationState    string             `json:"operation_state,omitempty"`
	Metadata          map[string]string  `json:"metadata,omitempty"`
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
	CurrentCount   int    `json:"current_count"`
}

// listInstancesResponse is the ListInstances answer.
type listInstancesResponse struct {
	Instances []Instance `json:"instances"`
	PageInfo  PageInfo   `json:"page_info"`
	Count     int        `json:"count"`
}

// instanceStatusResponse is the ShowInstanceStatus answer.
type instanceStatusResponse struct {
	State          string       `json:"state"`
	OperationState string       `json:"operation_state,omitempty"`
	Error          *ErrorStatus `json:"error,omitempty"`
}

// idItem is an {"id": ...} item of batch answers.
type idItem struct {
	ID string `json:"id"`
}

// instancesResponse is {"instances":[{"id":...}]}.
type instancesResponse struct {
	Instances []idItem `json:"instances"`
}

// createInstanceResponse is the CreateInstance answer.
type createInstanceResponse struct {
	InstanceID string `json:"instance_id"`
}

// createInstanceRequest is the CreateInstance body.
type createInstanceRequest struct {
	Name              *string            `json:"name"`
	ImageID           *string            `json:"image_id"`
	VpcID             *string            `json:"vpc_id"`
	NetworkInterfaces []NetworkInterface `json:"network_interfaces"`
	Password          *string            `json:"password"`
	Metadata          map[string]string  `json:"metadata"`
	Description       *string            `json:"description"`
	Placement         *struct {
		ServerID *string `json:"server_id"`
	} `json:"placement"`
}

// runInstancesRequest is the RunInstances body.
type runInstancesRequest struct {
	Name              *string `json:"name"`
	ImageID           *string `json:"image_id"`
	VpcID             *string `json:"vpc_id"`
	NetworkInterfaces []struct {
		SubnetID *string `json:"subnet_id"`
	} `json:"network_interfaces"`
	Password    *string           `json:"password"`
	Metadata    map[string]string `json:"metadata"`
	Description *string           `json:"description"`
	Placement   *struct {
		ServerIDSet []string `json:"server_id_set"`
	} `json:"placement"`
	MinCount *int32 `json:"min_count"`
	MaxCount *int32 `json:"max_count"`
}

// listInstancesRequest is the ListInstances query.
type listInstancesRequest struct {
	// Limit is the page size; 0 means unset (10).
	Limit         int
	Marker        string
	InstanceState string
	// InstanceIDs and ServerIDs are the comma-separated filters, split.
	InstanceIDs, ServerIDs []string
}

// showInstanceStatusRequest is the ShowInstanceStatus path.
type showInstanceStatusRequest struct {
	ID string
}

// deleteInstancesRequest is the DeleteInstances body.
type deleteInstancesRequest struct {
	InstanceIDSet []string `json:"instance_id_set"`
}

// deleteInstanceRequest is the DeleteInstance path.
type deleteInstanceRequest struct {
	ID string
}

// reinstallOSRequest is the ReinstallOS body.
type reinstallOSRequest struct {
	ImageID       *string  `json:"image_id"`
	Password      *string  `json:"password"`
	InstanceIDSet []string `json:"instance_id_set"`
}

// changeInstancePasswordRequest is the ChangeInstancePassword body.
type changeInstancePasswordRequest struct {
	NewPassword   *string  `json:"new_password"`
	InstanceIDSet []string `json:"instance_id_set"`
}

// modifyInstanceIPRequest is the ModifyInstanceIp path and body.
type modifyInstanceIPRequest struct {
	// ID is the instance ID of the path.
	ID    string  `json:"-"`
	VpcID *string `json:"vpc_id"`
	Nics  []struct {
		SubnetID  *string `json:"subnet_id"`
		IPAddress *string `json:"ip_address"`
	} `json:"nics"`
}

// Location is where a physical server is racked.
type Location struct {
	DC   string `json:"dc"`
	Rack string `json:"rack"`
	Unit string `json:"unit"`
}

// HardwareSummary identifies a server's hardware.
type HardwareSummary struct {
	SN                    string `json:"sn"`
	Manufacturer          string `json:"manufacturer"`
	Model                 string `json:"model"`
	MainBoardManufacturer string `json:"main_board_manufacturer"`
	MainBoardSerialNumber string `json:"main_board_serial_number"`
}

// PhysicalServer is a customer-owned bare-metal server.
type PhysicalServer struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	ProjectID          string          `json:"project_id"`
	DomainID           string          `json:"domain_id"`
	ManageState        string          `json:"manage_state"`
	FrozenState        int             `json:"frozen_state"`
	PowerState         string          `json:"power_state"`
	OperationState     string          `json:"operation_state,omitempty"`
	HealthState        string          `json:"health_state"`
	OnboardTime        string          `json:"onboard_time"`
	Location           Location        `json:"location"`
	HardwareAttributes HardwareSummary `json:"hardware_attributes"`
	Tags               []Tag           `json:"tags"`
	Error              *ErrorStatus    `json:"error,omitempty"`
}

// listServersResponse is the ListServers answer.
type listServersResponse struct {
	Servers  []PhysicalServer `json:"servers"`
	PageInfo PageInfo         `json:"page_info"`
	Count    int              `json:"count"`
}

// listServersRequest is the ListServers query.
type listServersRequest struct {
	// Limit is the page size; 0 means unset (10).
	Limit       int
	Marker      string
	ManageState string
}

// showServerRequest is the ShowServer path.
type showServerRequest struct {
	ID string
}

// changeServerPowerStateRequest is the ChangeServerPowerState body.
type changeServerPowerStateRequest struct {
	Action      *string  `json:"action"`
	ServerIDSet []string `json:"server_id_set"`
}

// powerStateResponse is the ChangeServerPowerState answer.
type powerStateResponse struct {
	PhysicalServers []idItem `json:"physical_servers"`
}

// showServerStatusRequest is the ShowServerStatus request (it has no
// parameters besides the project).
type showServerStatusRequest struct{}

// serverCount is one count of ShowServerStatus (SDK ServerState): the
// number of servers and, per equipment room (location.dc), how many of
// them are there.
type serverCount struct {
	Count   int            `json:"count"`
	DCStats map[string]int `json:"dc_stats"`
}

// serverHealthStatus is the server_status block of ShowServerStatus (SDK
// ServerStatus). unHealth is spelt as SDK 0.1.192 spells it.
type serverHealthStatus struct {
	Total     serverCount `json:"total"`
	OK        serverCount `json:"ok"`
	Warning   serverCount `json:"warning"`
	Unknown   serverCount `json:"unknown"`
	Critical  serverCount `json:"critical"`
	Health    serverCount `json:"health"`
	UnHealth  serverCount `json:"unHealth"`
	Isolation serverCount `json:"isolation"`
}

// serverPowerStatus is the server_power_status block of ShowServerStatus.
type serverPowerStatus struct {
	On      int `json:"on"`
	Off     int `json:"off"`
	Unknown int `json:"unknown"`
}

// serverStatusResponse is the ShowServerStatus answer.
type serverStatusResponse struct {
	ServerStatus      serverHealthStatus `json:"server_status"`
	ServerPowerStatus serverPowerStatus  `json:"server_power_status"`
	// ServerManageState counts servers per manage_state, every state of
	// the SDK's enum present.
	ServerManageState map[string]int `json:"server_manage_state"`
}

// ServerState is what the admin endpoint PUT /_emulator/servers/{id} (and
// Emulator.SetServerState) sets on a server; nil fields are left as they
// are.
type ServerState struct {
	// ManageState is one of onboard, os-ready, ready, in-use, maintain,
	// offboarding. in-use needs a server that hosts an instance, ready one
	// that does not.
	ManageState *string `json:"manage_state,omitempty"`
	// FrozenState is the frozen_state bit mask: 0 not frozen, 1 police,
	// 2 violation, 4 arrears (up to 7).
	FrozenState *int `json:"frozen_state,omitempty"`
	// HealthState is one of OK, Warning, Critical, Unknown.
	HealthState *string `json:"health_state,omitempty"`
}

// setServerStateRequest is the admin endpoint's path and body.
type setServerStateRequest struct {
	// ID is the server ID of the path.
	ID string `json:"-"`
	ServerState
}
