package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// newInstanceID mints a time-ordered UUIDv7, as the real service does.
func newInstanceID() (string, error) {
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

func checkCommon(name, imageID, vpcID, password, description *string, md map[string]string) (instanceSpec, error) {
	var s instanceSpec
	var err error
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

func checkNICCount(n int) error {
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

// createInstance is CreateInstance: one instance on the named server or a
// random ready one.
func (b *backend) createInstance(req createInstanceRequest) (createInstanceResponse, error) {
	spec, err := checkCommon(req.Name, req.ImageID, req.VpcID, req.Password, req.Description, req.Metadata)
	if err != nil {
		return createInstanceResponse{}, err
	}
	if err := checkNICCount(len(req.NetworkInterfaces)); err != nil {
		return createInstanceResponse{}, err
	}
	for i, n := range req.NetworkInterfaces {
		if strings.TrimSpace(n.SubnetID) == "" {
			return createInstanceResponse{}, errMissing(fmt.Sprintf("network_interfaces[%d].subnet_id", i))
		}
		if err := checkIPv4(fmt.Sprintf("network_interfaces[%d].ipv4_address", i), n.IPv4Address); err != nil {
			return createInstanceResponse{}, err
		}
	}
	spec.nics = req.NetworkInterfaces
	var serverID string
	if req.Placement != nil && req.Placement.ServerID != nil && *req.Placement.ServerID != "" {
		serverID = *req.Placement.ServerID
		if !isUUID(serverID) {
			return createInstanceResponse{}, errInvalid("placement.server_id %s is not a lowercase UUID", quoteIDs([]string{serverID}))
		}
	}

	var resp createInstanceResponse
	err = b.update(func(w *writer) error {
		var srv serverRecord
		if serverID != "" {
			s, ok := w.server(serverID)
			if !ok {
				return errServersNotFound([]string{serverID})
			}
			if why := s.placementProblem(w.now); why != "" {
				return errServersNotReady([]string{serverID}, why)
			}
			srv = s
		} else {
			ready := w.readyServers()
			if len(ready) == 0 {
				return errServersNotReady(nil, "no physical server is ready to take an instance")
			}
			srv, _ = w.server(ready[int(b.chaos.uint64()%uint64(len(ready)))])
		}
		id, err := newInstanceID()
		if err != nil {
			return err
		}
		w.putInstance(provision(spec.record(id, spec.name, srv.ID), w.now, b.timings))
		srv = poweredOn(srv, w.now, b.timings.create)
		srv.ManageState, srv.InstanceID = manageInUse, id
		w.putServer(srv)
		resp.InstanceID = id
		return nil
	})
	return resp, err
}

// runCounts resolves min_count/max_count: both default to the other, or to
// the number of named servers (1 without placement), and the whole request
// fails unless at least min can be created.
func runCounts(minCount, maxCount *int32, named int) (lo, hi int, err error) {
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

// runInstances is RunInstances: between min_count and max_count instances,
// on the named servers or random ready ones; all or nothing.
func (b *backend) runInstances(req runInstancesRequest) (instancesResponse, error) {
	spec, err := checkCommon(req.Name, req.ImageID, req.VpcID, req.Password, req.Description, req.Metadata)
	if err != nil {
		return instancesResponse{}, err
	}
	if err := checkNICCount(len(req.NetworkInterfaces)); err != nil {
		return instancesResponse{}, err
	}
	for i, n := range req.NetworkInterfaces {
		if n.SubnetID == nil || strings.TrimSpace(*n.SubnetID) == "" {
			return instancesResponse{}, errMissing(fmt.Sprintf("network_interfaces[%d].subnet_id", i))
		}
		spec.nics = append(spec.nics, NetworkInterface{SubnetID: *n.SubnetID})
	}
	var named []string
	if req.Placement != nil && req.Placement.ServerIDSet != nil {
		named = req.Placement.ServerIDSet
		if err := checkIDSet("placement.server_id_set", named, 1000); err != nil {
			return instancesResponse{}, err
		}
	}
	lo, hi, err := runCounts(req.MinCount, req.MaxCount, len(named))
	if err != nil {
		return instancesResponse{}, err
	}

	var resp instancesResponse
	err = b.update(func(w *writer) error {
		var candidates, notReady []string
		if len(named) > 0 {
			var unknown []string
			for _, id := range named {
				s, ok := w.server(id)
				switch {
				case !ok:
					unknown = append(unknown, id)
				case s.placementProblem(w.now) != "":
					notReady = append(notReady, id)
				default:
					candidates = append(candidates, id)
				}
			}
			if len(unknown) > 0 {
				return errServersNotFound(unknown)
			}
		} else {
			candidates = b.chaos.shuffle(w.readyServers())
		}
		n := min(hi, len(candidates))
		if n < lo {
			return errServersNotReady(notReady,
				fmt.Sprintf("min_count %d needs %d ready physical servers, %d are ready; nothing was created", lo, lo, len(candidates)))
		}
		resp.Instances = make([]idItem, 0, n)
		for i := range n {
			id, err := newInstanceID()
			if err != nil {
				return err
			}
			name := spec.name
			if n > 1 {
				name = fmt.Sprintf("%s-%04d", spec.name, i+1)
			}
			srv, _ := w.server(candidates[i])
			w.putInstance(provision(spec.record(id, name, srv.ID), w.now, b.timings))
			srv = poweredOn(srv, w.now, b.timings.create)
			srv.ManageState, srv.InstanceID = manageInUse, id
			w.putServer(srv)
			resp.Instances = append(resp.Instances, idItem{ID: id})
		}
		return nil
	})
	return resp, err
}

// knownStates are the values the instance_state filter accepts: the eight
// of the documentation plus the newest SDK's "error". "failed" matches
// instances in state error (its newer name).
var knownStates = []string{"pending", "running", "stopping", "stopped", "reinstalling", "shutting-down", "terminated", "failed", "error"}

// pageSize clamps a requested page size: unset (0) or below 10 gives 10,
// above 1000 gives 1000, as the ListInstances documentation says.
func pageSize(limit int) int {
	return min(max(limit, 10), 1000)
}

// checkIDFilter validates a list filter of at most maxFilterIDs IDs and
// returns it sorted without duplicates (nil when empty).
func checkIDFilter(name string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
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
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// listInstances is ListInstances. Instances come in ID order (creation
// order); marker is the ID of the last instance of the previous page;
// count is the number of all matches.
func (b *backend) listInstances(req listInstancesRequest) (listInstancesResponse, error) {
	limit := pageSize(req.Limit)
	marker := req.Marker
	if marker != "" && !isUUID(marker) {
		return listInstancesResponse{}, errInvalid("marker %s is not an instance ID", quoteIDs([]string{marker}))
	}
	stateFilter := req.InstanceState
	if stateFilter != "" && !slices.Contains(knownStates, stateFilter) {
		return listInstancesResponse{}, errInvalid("instance_state %s is not one of %s", quoteIDs([]string{stateFilter}), strings.Join(knownStates, ", "))
	}
	if stateFilter == "failed" {
		stateFilter = stateError
	}
	idFilter, err := checkIDFilter("instance_id", req.InstanceIDs)
	if err != nil {
		return listInstancesResponse{}, err
	}
	serverFilter, err := checkIDFilter("server_id", req.ServerIDs)
	if err != nil {
		return listInstancesResponse{}, err
	}
	if idFilter != nil && serverFilter != nil {
		return listInstancesResponse{}, errInvalid("instance_id and server_id are mutually exclusive")
	}

	resp := listInstancesResponse{Instances: []Instance{}, PageInfo: PageInfo{PreviousMarker: marker}}
	err = b.view(func(r reader) error {
		ids := r.instanceIDs()
		if idFilter != nil {
			ids = idFilter
		}
		more := false
		for _, id := range ids {
			rec, ok := r.instance(id)
			if !ok || (stateFilter != "" && rec.State != stateFilter) ||
				(serverFilter != nil && !slices.Contains(serverFilter, rec.ServerID)) {
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
			resp.Instances = append(resp.Instances, rec.wire())
		}
		resp.PageInfo.CurrentCount = len(resp.Instances)
		if more {
			resp.PageInfo.NextMarker = resp.Instances[len(resp.Instances)-1].ID
		}
		return nil
	})
	return resp, err
}

// checkID validates an ID that names one thing (an {id} path segment).
func checkID(what, id string) error {
	if !isUUID(id) {
		return errInvalid("%s ID %s is not a lowercase UUID", what, quoteIDs([]string{id}))
	}
	return nil
}

// showInstanceStatus is ShowInstanceStatus.
func (b *backend) showInstanceStatus(req showInstanceStatusRequest) (instanceStatusResponse, error) {
	if err := checkID("instance", req.ID); err != nil {
		return instanceStatusResponse{}, err
	}
	var resp instanceStatusResponse
	err := b.view(func(r reader) error {
		rec, ok := r.instance(req.ID)
		if !ok {
			return errInstancesNotFound([]string{req.ID})
		}
		resp = instanceStatusResponse{State: rec.State, OperationState: rec.OperationState, Error: rec.Error}
		return nil
	})
	return resp, err
}

// deleteInstances is DeleteInstances. All or nothing: one unknown ID fails
// the call with 404 naming every unknown ID, and nothing changes.
func (b *backend) deleteInstances(req deleteInstancesRequest) (instancesResponse, error) {
	if err := checkIDSet("instance_id_set", req.InstanceIDSet, maxBatchIDs); err != nil {
		return instancesResponse{}, err
	}
	var resp instancesResponse
	err := b.update(func(w *writer) error {
		recs, err := w.instances(req.InstanceIDSet)
		if err != nil {
			return err
		}
		resp.Instances = make([]idItem, 0, len(recs))
		for _, r := range recs {
			if deletable(r) {
				w.putInstance(startDelete(r, w.now, b.timings, b.chaos.deleteFails()))
			}
			resp.Instances = append(resp.Instances, idItem{ID: r.ID})
		}
		return nil
	})
	return resp, err
}

// deleteInstance is DeleteInstance.
func (b *backend) deleteInstance(req deleteInstanceRequest) error {
	if err := checkID("instance", req.ID); err != nil {
		return err
	}
	return b.update(func(w *writer) error {
		r, ok := w.instance(req.ID)
		if !ok {
			return errInstancesNotFound([]string{req.ID})
		}
		if deletable(r) {
			w.putInstance(startDelete(r, w.now, b.timings, b.chaos.deleteFails()))
		}
		return nil
	})
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

// reinstallOS is ReinstallOS. Instances must be running or stopped with
// nothing in progress; all or nothing.
func (b *backend) reinstallOS(req reinstallOSRequest) (instancesResponse, error) {
	if req.Password == nil || *req.Password == "" {
		return instancesResponse{}, errMissing("password")
	}
	if err := checkPassword("password", *req.Password); err != nil {
		return instancesResponse{}, err
	}
	imageID := ""
	if req.ImageID != nil {
		imageID = strings.TrimSpace(*req.ImageID)
		if len(imageID) > 255 {
			return instancesResponse{}, errInvalid("image_id is longer than 255 characters")
		}
	}
	if err := checkIDSet("instance_id_set", req.InstanceIDSet, maxBatchIDs); err != nil {
		return instancesResponse{}, err
	}
	var resp instancesResponse
	err := b.update(func(w *writer) error {
		recs, err := w.instances(req.InstanceIDSet)
		if err != nil {
			return err
		}
		if bad := notIdle(recs, w.now, stateRunning, stateStopped); len(bad) > 0 {
			return errInstancesState(bad, "ReinstallOS needs running or stopped instances")
		}
		if err := checkServersOperable(w.reader, recs, "ReinstallOS"); err != nil {
			return err
		}
		resp.Instances = make([]idItem, 0, len(recs))
		for _, r := range recs {
			if r.State == stateStopped {
				if srv, ok := w.server(r.ServerID); ok && srv.PowerState != powerOn {
					w.putServer(poweredOn(srv, w.now, b.timings.create))
				}
			}
			w.putInstance(startReinstall(r, w.now, b.timings, imageID))
			resp.Instances = append(resp.Instances, idItem{ID: r.ID})
		}
		return nil
	})
	return resp, err
}

// changeInstancePassword is ChangeInstancePassword: synchronous and all or
// nothing. As documented, the password's complexity is not checked here.
func (b *backend) changeInstancePassword(req changeInstancePasswordRequest) (instancesResponse, error) {
	if req.NewPassword == nil || *req.NewPassword == "" {
		return instancesResponse{}, errMissing("new_password")
	}
	if len(*req.NewPassword) > 255 {
		return instancesResponse{}, errInvalid("new_password is longer than 255 characters")
	}
	if err := checkIDSet("instance_id_set", req.InstanceIDSet, maxBatchIDs); err != nil {
		return instancesResponse{}, err
	}
	var resp instancesResponse
	err := b.update(func(w *writer) error {
		recs, err := w.instances(req.InstanceIDSet)
		if err != nil {
			return err
		}
		if bad := notIdle(recs, w.now, stateRunning, stateStopped); len(bad) > 0 {
			return errInstancesState(bad, "ChangeInstancePassword needs running or stopped instances")
		}
		resp.Instances = make([]idItem, 0, len(recs))
		for _, r := range recs {
			r.UpdatedAt = w.now
			w.putInstance(r)
			resp.Instances = append(resp.Instances, idItem{ID: r.ID})
		}
		return nil
	})
	return resp, err
}

// modifyInstanceIP is ModifyInstanceIp.
func (b *backend) modifyInstanceIP(req modifyInstanceIPRequest) error {
	id := req.ID
	if err := checkID("instance", id); err != nil {
		return err
	}
	if req.VpcID == nil && len(req.Nics) == 0 {
		return errMissing("nics")
	}
	if req.VpcID != nil && strings.TrimSpace(*req.VpcID) == "" {
		return errInvalid("vpc_id must not be empty")
	}
	if len(req.Nics) > 2 {
		return errInvalid("nics has %d NICs, at most 2 are allowed", len(req.Nics))
	}
	nics := make([]NetworkInterface, 0, len(req.Nics))
	for i, n := range req.Nics {
		if n.SubnetID == nil || strings.TrimSpace(*n.SubnetID) == "" {
			return errMissing(fmt.Sprintf("nics[%d].subnet_id", i))
		}
		ip := ""
		if n.IPAddress != nil {
			ip = *n.IPAddress
		}
		if err := checkIPv4(fmt.Sprintf("nics[%d].ip_address", i), ip); err != nil {
			return err
		}
		if ip == "" {
			ip = autoIPv4(id, i+2)
		}
		nics = append(nics, NetworkInterface{SubnetID: *n.SubnetID, IPv4Address: ip})
	}
	return b.update(func(w *writer) error {
		r, ok := w.instance(id)
		if !ok {
			return errInstancesNotFound([]string{id})
		}
		if !idle(r, w.now, stateRunning) {
			return errInstancesState([]string{id}, "ModifyInstanceIp needs a running instance")
		}
		if err := checkServersOperable(w.reader, []instanceRecord{r}, "ModifyInstanceIp"); err != nil {
			return err
		}
		if req.VpcID != nil {
			r.VpcID = *req.VpcID
		}
		if len(nics) > 0 {
			r.NICs = nics
		}
		w.putInstance(startModifyIP(r, w.now, b.timings))
		return nil
	})
}
