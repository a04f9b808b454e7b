package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// newInstanceID mints a time-ordered UUIDv7, as the real service does (§3.6).
func newInstanceID() (string, *apiError) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", errInternal("could not generate an instance ID")
	}
	return id.String(), nil
}

// autoIPv4 assigns a private address to a NIC created without one, derived
// from the instance ID so it is stable.
func autoIPv4(id string, nic int) string {
	n, _ := strconv.ParseUint(id[len(id)-4:], 16, 16)
	return fmt.Sprintf("192.168.%d.%d", (int(n>>8)+nic*16)%250, int(n&0xff)%250+2)
}

// instanceSpec is the validated part of a create request that every
// instance it makes shares.
type instanceSpec struct {
	name, imageID, vpcID, description string
	nics                              []NetworkInterface
	metadata                          map[string]string
}

func checkCommon(name, imageID, vpcID, password, description *string, md map[string]string) (instanceSpec, *apiError) {
	var s instanceSpec
	var err *apiError
	if s.name, err = requiredString("name", name); err != nil {
		return s, err
	}
	if err := checkName("name", s.name); err != nil {
		return s, err
	}
	if s.imageID, err = requiredString("image_id", imageID); err != nil {
		return s, err
	}
	if s.vpcID, err = requiredString("vpc_id", vpcID); err != nil {
		return s, err
	}
	if password == nil || *password == "" {
		return s, errMissing("password")
	}
	if err := checkPassword("password", *password); err != nil {
		return s, err
	}
	if err := checkDescription(description); err != nil {
		return s, err
	}
	if description != nil {
		s.description = *description
	}
	if err := checkMetadata(md); err != nil {
		return s, err
	}
	s.metadata = md
	return s, nil
}

func checkNICCount(n int) *apiError {
	if n == 0 {
		return errMissing("network_interfaces")
	}
	if n > 2 {
		return errInvalid("network_interfaces has %d NICs, at most 2 are allowed", n)
	}
	return nil
}

func (s instanceSpec) record(id, name, serverID string) instanceRecord {
	nics := make([]NetworkInterface, len(s.nics))
	for i, n := range s.nics {
		if n.IPv4Address == "" {
			n.IPv4Address = autoIPv4(id, i)
		}
		nics[i] = n
	}
	return instanceRecord{
		ID:          id,
		Name:        name,
		VpcID:       s.vpcID,
		NICs:        nics,
		Image:       imageFor(s.imageID),
		Description: s.description,
		Metadata:    s.metadata,
		ServerID:    serverID,
	}
}

// createInstance serves CreateInstance: POST /v1/{project_id}/instances.
func (e *Emulator) createInstance(c *call) (result, *apiError) {
	var req createInstanceRequest
	if err := decodeBody(c.body, &req); err != nil {
		return result{}, err
	}
	spec, apiErr := checkCommon(req.Name, req.ImageID, req.VpcID, req.Password, req.Description, req.Metadata)
	if apiErr != nil {
		return result{}, apiErr
	}
	if err := checkNICCount(len(req.NetworkInterfaces)); err != nil {
		return result{}, err
	}
	for i, n := range req.NetworkInterfaces {
		if strings.TrimSpace(n.SubnetID) == "" {
			return result{}, errMissing(fmt.Sprintf("network_interfaces[%d].subnet_id", i))
		}
		if err := checkIPv4(fmt.Sprintf("network_interfaces[%d].ipv4_address", i), n.IPv4Address); err != nil {
			return result{}, err
		}
	}
	spec.nics = req.NetworkInterfaces
	var serverID string
	if req.Placement != nil && req.Placement.ServerID != nil && *req.Placement.ServerID != "" {
		serverID = *req.Placement.ServerID
		if !isUUID(serverID) {
			return result{}, errInvalid("placement.server_id %s is not a lowercase UUID", quoteIDs([]string{serverID}))
		}
	}

	e.wmu.Lock()
	defer e.wmu.Unlock()
	now := c.now
	var srv serverRecord
	if serverID != "" {
		s, ok := e.st.server(serverID, now)
		if !ok {
			return result{}, errServersNotFound([]string{serverID})
		}
		if s.ManageState != manageReady || s.powerBusy(now) {
			return result{}, errServersNotReady([]string{serverID}, "manage_state is "+s.ManageState)
		}
		srv = s
	} else {
		ready := e.st.readyServers(now)
		if len(ready) == 0 {
			return result{}, errServersNotReady(nil, "no physical server is ready to take an instance")
		}
		srv, _ = e.st.server(ready[int(e.chaos.uint64()%uint64(len(ready)))], now)
	}
	id, apiErr := newInstanceID()
	if apiErr != nil {
		return result{}, apiErr
	}
	rec := provision(spec.record(id, spec.name, srv.ID), now, e.timings)
	srv = poweredOn(srv, now, e.timings.create)
	srv.ManageState, srv.InstanceID = manageInUse, id
	if err := e.commit(&changes{instances: []instanceRecord{rec}, servers: []serverRecord{srv}}); err != nil {
		return result{}, err
	}
	return result{status: http.StatusAccepted, body: createInstanceResponse{InstanceID: id}}, nil
}

// runCounts resolves min_count/max_count: both default to the other, or to
// the number of named servers (1 without placement), and the whole request
// fails unless at least min can be created.
func runCounts(minCount, maxCount *int32, named int) (lo, hi int, err *apiError) {
	def := 1
	if named > 0 {
		def = named
	}
	switch {
	case minCount == nil && maxCount == nil:
		lo, hi = def, def
	case minCount == nil:
		lo, hi = int(*maxCount), int(*maxCount)
	case maxCount == nil:
		lo, hi = int(*minCount), int(*minCount)
	default:
		lo, hi = int(*minCount), int(*maxCount)
	}
	if lo < 1 || hi < 1 {
		return 0, 0, errInvalid("min_count and max_count must be at least 1")
	}
	if lo > hi {
		return 0, 0, errInvalid("min_count %d is greater than max_count %d", lo, hi)
	}
	if named > 0 && hi > named {
		return 0, 0, errInvalid("max_count %d exceeds the %d servers named in placement.server_id_set", hi, named)
	}
	return lo, hi, nil
}

// runInstances serves RunInstances: POST /v1/{project_id}/instances/batch-create.
func (e *Emulator) runInstances(c *call) (result, *apiError) {
	var req runInstancesRequest
	if err := decodeBody(c.body, &req); err != nil {
		return result{}, err
	}
	spec, apiErr := checkCommon(req.Name, req.ImageID, req.VpcID, req.Password, req.Description, req.Metadata)
	if apiErr != nil {
		return result{}, apiErr
	}
	if err := checkNICCount(len(req.NetworkInterfaces)); err != nil {
		return result{}, err
	}
	for i, n := range req.NetworkInterfaces {
		if n.SubnetID == nil || strings.TrimSpace(*n.SubnetID) == "" {
			return result{}, errMissing(fmt.Sprintf("network_interfaces[%d].subnet_id", i))
		}
		spec.nics = append(spec.nics, NetworkInterface{SubnetID: *n.SubnetID})
	}
	var named []string
	if req.Placement != nil && req.Placement.ServerIDSet != nil {
		named = req.Placement.ServerIDSet
		if err := checkIDSet("placement.server_id_set", named, 1000); err != nil {
			return result{}, err
		}
	}
	lo, hi, apiErr := runCounts(req.MinCount, req.MaxCount, len(named))
	if apiErr != nil {
		return result{}, apiErr
	}

	e.wmu.Lock()
	defer e.wmu.Unlock()
	now := c.now
	var candidates, notReady []string
	if len(named) > 0 {
		var unknown []string
		for _, id := range named {
			s, ok := e.st.server(id, now)
			switch {
			case !ok:
				unknown = append(unknown, id)
			case s.ManageState != manageReady || s.powerBusy(now):
				notReady = append(notReady, id)
			default:
				candidates = append(candidates, id)
			}
		}
		if len(unknown) > 0 {
			return result{}, errServersNotFound(unknown)
		}
	} else {
		candidates = e.chaos.shuffle(e.st.readyServers(now))
	}
	n := min(hi, len(candidates))
	if n < lo {
		return result{}, errServersNotReady(notReady,
			fmt.Sprintf("min_count %d needs %d ready physical servers, %d are ready; nothing was created", lo, lo, len(candidates)))
	}
	ch := &changes{}
	resp := instancesResponse{Instances: make([]idItem, 0, n)}
	for i := range n {
		id, apiErr := newInstanceID()
		if apiErr != nil {
			return result{}, apiErr
		}
		name := spec.name
		if n > 1 {
			name = fmt.Sprintf("%s-%04d", spec.name, i+1)
		}
		srv, _ := e.st.server(candidates[i], now)
		ch.instances = append(ch.instances, provision(spec.record(id, name, srv.ID), now, e.timings))
		srv = poweredOn(srv, now, e.timings.create)
		srv.ManageState, srv.InstanceID = manageInUse, id
		ch.servers = append(ch.servers, srv)
		resp.Instances = append(resp.Instances, idItem{ID: id})
	}
	if err := e.commit(ch); err != nil {
		return result{}, err
	}
	return result{status: http.StatusAccepted, body: resp}, nil
}

// knownStates are the values the instance_state filter accepts: the eight
// of the documentation plus the newest SDK's "error". "failed" matches
// instances in state error (its newer name).
var knownStates = []string{"pending", "running", "stopping", "stopped", "reinstalling", "shutting-down", "terminated", "failed", "error"}

// parseLimit reads a page size: unset or below 10 gives 10, above 1000
// gives 1000, as the ListInstances documentation says.
func parseLimit(v string) (int, *apiError) {
	if v == "" {
		return 10, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, errInvalid("limit %s is not an integer", quoteIDs([]string{v}))
	}
	return min(max(n, 10), 1000), nil
}

// parseIDFilter reads a comma-separated ID filter of at most maxFilterIDs IDs.
func parseIDFilter(name, v string) ([]string, *apiError) {
	if v == "" {
		return nil, nil
	}
	var ids []string
	for id := range strings.SplitSeq(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxFilterIDs {
		return nil, errInvalid("%s has %d IDs, at most %d are allowed", name, len(ids), maxFilterIDs)
	}
	var bad []string
	for _, id := range ids {
		if !isUUID(id) {
			bad = append(bad, id)
		}
	}
	if len(bad) > 0 {
		return nil, errInvalid("%s contains IDs that are not lowercase UUIDs: %s", name, quoteIDs(bad))
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// listInstances serves ListInstances: GET /v1/{project_id}/instances.
// Instances come in ID order (creation order); marker is the ID of the last
// instance of the previous page; count is the number of all matches.
func (e *Emulator) listInstances(c *call) (result, *apiError) {
	q := c.r.URL.Query()
	limit, apiErr := parseLimit(q.Get("limit"))
	if apiErr != nil {
		return result{}, apiErr
	}
	marker := q.Get("marker")
	if marker != "" && !isUUID(marker) {
		return result{}, errInvalid("marker %s is not an instance ID", quoteIDs([]string{marker}))
	}
	stateFilter := q.Get("instance_state")
	if stateFilter != "" && !slices.Contains(knownStates, stateFilter) {
		return result{}, errInvalid("instance_state %s is not one of %s", quoteIDs([]string{stateFilter}), strings.Join(knownStates, ", "))
	}
	if stateFilter == "failed" {
		stateFilter = stateError
	}
	idFilter, apiErr := parseIDFilter("instance_id", q.Get("instance_id"))
	if apiErr != nil {
		return result{}, apiErr
	}
	serverFilter, apiErr := parseIDFilter("server_id", q.Get("server_id"))
	if apiErr != nil {
		return result{}, apiErr
	}
	if idFilter != nil && serverFilter != nil {
		return result{}, errInvalid("instance_id and server_id are mutually exclusive")
	}

	e.mu.RLock()
	defer e.mu.RUnlock()
	ids := e.st.instanceIDs
	if idFilter != nil {
		ids = idFilter
	}
	resp := listInstancesResponse{Instances: []Instance{}, PageInfo: PageInfo{PreviousMarker: marker}}
	more := false
	for _, id := range ids {
		r, ok := e.st.instance(id, c.now, e.cfg.TerminatedTTL)
		if !ok || (stateFilter != "" && r.State != stateFilter) ||
			(serverFilter != nil && !slices.Contains(serverFilter, r.ServerID)) {
			continue
		}
		resp.Count++
		if marker != "" && id <= marker {
			continue
		}
		if len(resp.Instances) == limit {
			more = true
			continue
		}
		resp.Instances = append(resp.Instances, r.wire())
	}
	resp.PageInfo.CurrentCount = len(resp.Instances)
	if more {
		resp.PageInfo.NextMarker = resp.Instances[len(resp.Instances)-1].ID
	}
	return result{status: http.StatusOK, body: resp}, nil
}

// pathID reads and validates the {id} path segment.
func pathID(c *call, what string) (string, *apiError) {
	id := c.r.PathValue("id")
	if !isUUID(id) {
		return "", errInvalid("%s ID %s is not a lowercase UUID", what, quoteIDs([]string{id}))
	}
	return id, nil
}

// showInstanceStatus serves ShowInstanceStatus: GET /v1/{project_id}/instances/{id}/status.
func (e *Emulator) showInstanceStatus(c *call) (result, *apiError) {
	id, apiErr := pathID(c, "instance")
	if apiErr != nil {
		return result{}, apiErr
	}
	e.mu.RLock()
	r, ok := e.st.instance(id, c.now, e.cfg.TerminatedTTL)
	e.mu.RUnlock()
	if !ok {
		return result{}, errInstancesNotFound([]string{id})
	}
	return result{status: http.StatusOK, body: instanceStatusResponse{State: r.State, OperationState: r.OperationState, Error: r.Error}}, nil
}

// lookupAll returns the instances ids at now, or 404 naming every unknown one.
// The caller holds e.wmu or e.mu.
func (e *Emulator) lookupAll(ids []string, now time.Time) ([]instanceRecord, *apiError) {
	recs := make([]instanceRecord, 0, len(ids))
	var unknown []string
	for _, id := range ids {
		r, ok := e.st.instance(id, now, e.cfg.TerminatedTTL)
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		recs = append(recs, r)
	}
	if len(unknown) > 0 {
		return nil, errInstancesNotFound(unknown)
	}
	return recs, nil
}

// deleteInstances serves DeleteInstances: POST /v1/{project_id}/instances/batch-delete.
// All or nothing: one unknown ID fails the call with 404 naming every
// unknown ID, and nothing changes.
func (e *Emulator) deleteInstances(c *call) (result, *apiError) {
	var req idSetRequest
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := decodeBody(c.body, &req); err != nil {
			return result{}, err
		}
	}
	if err := checkIDSet("instance_id_set", req.InstanceIDSet, maxBatchIDs); err != nil {
		return result{}, err
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	recs, apiErr := e.lookupAll(req.InstanceIDSet, c.now)
	if apiErr != nil {
		return result{}, apiErr
	}
	ch := &changes{}
	resp := instancesResponse{Instances: make([]idItem, 0, len(recs))}
	for _, r := range recs {
		if deletable(r) {
			ch.instances = append(ch.instances, startDelete(r, c.now, e.timings, e.chaos.deleteFails()))
		}
		resp.Instances = append(resp.Instances, idItem{ID: r.ID})
	}
	if err := e.commit(ch); err != nil {
		return result{}, err
	}
	return result{status: http.StatusAccepted, body: resp}, nil
}

// deleteInstance serves DeleteInstance: DELETE /v1/{project_id}/instances/{id}.
func (e *Emulator) deleteInstance(c *call) (result, *apiError) {
	id, apiErr := pathID(c, "instance")
	if apiErr != nil {
		return result{}, apiErr
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	r, ok := e.st.instance(id, c.now, e.cfg.TerminatedTTL)
	if !ok {
		return result{}, errInstancesNotFound([]string{id})
	}
	if deletable(r) {
		if err := e.commit(&changes{instances: []instanceRecord{startDelete(r, c.now, e.timings, e.chaos.deleteFails())}}); err != nil {
			return result{}, err
		}
	}
	return result{status: http.StatusNoContent}, nil
}

// idle reports whether r is in one of states with no transition in progress.
func idle(r instanceRecord, now time.Time, states ...string) bool {
	return !r.busy(now) && slices.Contains(states, r.State)
}

// notIdle returns the IDs of recs that are not idle in one of states.
func notIdle(recs []instanceRecord, now time.Time, states ...string) []string {
	var bad []string
	for _, r := range recs {
		if !idle(r, now, states...) {
			bad = append(bad, r.ID)
		}
	}
	return bad
}

// reinstallOS serves ReinstallOS: PUT /v1/{project_id}/instances/reinstall.
// Instances must be running or stopped with nothing in progress; all or nothing.
func (e *Emulator) reinstallOS(c *call) (result, *apiError) {
	var req reinstallRequest
	if err := decodeBody(c.body, &req); err != nil {
		return result{}, err
	}
	if req.Password == nil || *req.Password == "" {
		return result{}, errMissing("password")
	}
	if err := checkPassword("password", *req.Password); err != nil {
		return result{}, err
	}
	imageID := ""
	if req.ImageID != nil {
		imageID = strings.TrimSpace(*req.ImageID)
		if len(imageID) > 255 {
			return result{}, errInvalid("image_id is longer than 255 characters")
		}
	}
	if err := checkIDSet("instance_id_set", req.InstanceIDSet, maxBatchIDs); err != nil {
		return result{}, err
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	recs, apiErr := e.lookupAll(req.InstanceIDSet, c.now)
	if apiErr != nil {
		return result{}, apiErr
	}
	if bad := notIdle(recs, c.now, stateRunning, stateStopped); len(bad) > 0 {
		return result{}, errInstancesState(bad, "ReinstallOS needs running or stopped instances")
	}
	ch := &changes{}
	resp := instancesResponse{Instances: make([]idItem, 0, len(recs))}
	for _, r := range recs {
		if r.State == stateStopped {
			if srv, ok := e.st.server(r.ServerID, c.now); ok && srv.PowerState != powerOn {
				ch.servers = append(ch.servers, poweredOn(srv, c.now, e.timings.create))
			}
		}
		ch.instances = append(ch.instances, startReinstall(r, c.now, e.timings, imageID))
		resp.Instances = append(resp.Instances, idItem{ID: r.ID})
	}
	if err := e.commit(ch); err != nil {
		return result{}, err
	}
	return result{status: http.StatusAccepted, body: resp}, nil
}

// changeInstancePassword serves ChangeInstancePassword: PUT
// /v1/{project_id}/instances/password. Synchronous and all or nothing. As
// documented, the password's complexity is not checked here.
func (e *Emulator) changeInstancePassword(c *call) (result, *apiError) {
	var req changePasswordRequest
	if err := decodeBody(c.body, &req); err != nil {
		return result{}, err
	}
	if req.NewPassword == nil || *req.NewPassword == "" {
		return result{}, errMissing("new_password")
	}
	if len(*req.NewPassword) > 255 {
		return result{}, errInvalid("new_password is longer than 255 characters")
	}
	if err := checkIDSet("instance_id_set", req.InstanceIDSet, maxBatchIDs); err != nil {
		return result{}, err
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	recs, apiErr := e.lookupAll(req.InstanceIDSet, c.now)
	if apiErr != nil {
		return result{}, apiErr
	}
	if bad := notIdle(recs, c.now, stateRunning, stateStopped); len(bad) > 0 {
		return result{}, errInstancesState(bad, "ChangeInstancePassword needs running or stopped instances")
	}
	ch := &changes{}
	resp := instancesResponse{Instances: make([]idItem, 0, len(recs))}
	for _, r := range recs {
		r.UpdatedAt = c.now
		ch.instances = append(ch.instances, r)
		resp.Instances = append(resp.Instances, idItem{ID: r.ID})
	}
	if err := e.commit(ch); err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: resp}, nil
}

// modifyInstanceIP serves ModifyInstanceIp: PUT /v1/{project_id}/instances/{id}/ip.
func (e *Emulator) modifyInstanceIP(c *call) (result, *apiError) {
	id, apiErr := pathID(c, "instance")
	if apiErr != nil {
		return result{}, apiErr
	}
	var req modifyIPRequest
	if err := decodeBody(c.body, &req); err != nil {
		return result{}, err
	}
	if req.VpcID == nil && len(req.Nics) == 0 {
		return result{}, errMissing("nics")
	}
	if req.VpcID != nil && strings.TrimSpace(*req.VpcID) == "" {
		return result{}, errInvalid("vpc_id must not be empty")
	}
	if len(req.Nics) > 2 {
		return result{}, errInvalid("nics has %d NICs, at most 2 are allowed", len(req.Nics))
	}
	nics := make([]NetworkInterface, 0, len(req.Nics))
	for i, n := range req.Nics {
		if n.SubnetID == nil || strings.TrimSpace(*n.SubnetID) == "" {
			return result{}, errMissing(fmt.Sprintf("nics[%d].subnet_id", i))
		}
		ip := ""
		if n.IPAddress != nil {
			ip = *n.IPAddress
		}
		if err := checkIPv4(fmt.Sprintf("nics[%d].ip_address", i), ip); err != nil {
			return result{}, err
		}
		if ip == "" {
			ip = autoIPv4(id, i+2)
		}
		nics = append(nics, NetworkInterface{SubnetID: *n.SubnetID, IPv4Address: ip})
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	r, ok := e.st.instance(id, c.now, e.cfg.TerminatedTTL)
	if !ok {
		return result{}, errInstancesNotFound([]string{id})
	}
	if !idle(r, c.now, stateRunning) {
		return result{}, errInstancesState([]string{id}, "ModifyInstanceIp needs a running instance")
	}
	if req.VpcID != nil {
		r.VpcID = *req.VpcID
	}
	if len(nics) > 0 {
		r.NICs = nics
	}
	if err := e.commit(&changes{instances: []instanceRecord{startModifyIP(r, c.now, e.timings)}}); err != nil {
		return result{}, err
	}
	return result{status: http.StatusAccepted}, nil
}
