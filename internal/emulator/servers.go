package emulator

import (
	"slices"
	"strings"
)

// manageStates are the values the ListServers manage_state filter accepts
// (the SDK's ManageState enum plus the documented frozen).
var manageStates = []string{"onboard", "os-ready", "ready", "in-use", "maintain", "frozen", "offboarding"}

// listServers is ListServers. Servers come in ID order; marker is the ID
// of the last server of the previous page; count is the number of all
// matches.
func (b *backend) listServers(req listServersRequest) (listServersResponse, error) {
	limit := pageSize(req.Limit)
	marker := req.Marker
	if marker != "" && !isUUID(marker) {
		return listServersResponse{}, errInvalid("marker %s is not a server ID", quoteIDs([]string{marker}))
	}
	filter := req.ManageState
	if filter != "" && !slices.Contains(manageStates, filter) {
		return listServersResponse{}, errInvalid("manage_state %s is not one of %s", quoteIDs([]string{filter}), strings.Join(manageStates, ", "))
	}
	resp := listServersResponse{Servers: []PhysicalServer{}, PageInfo: PageInfo{PreviousMarker: marker}}
	err := b.view(func(r reader) error {
		more := false
		for _, id := range r.serverIDs() {
			s, _ := r.server(id)
			if filter != "" && s.ManageState != filter {
				continue
			}
			resp.Count++
			if marker != "" && id <= marker {
				continue
			}
			if len(resp.Servers) == limit {
				more = true
				continue
			}
			resp.Servers = append(resp.Servers, s.wire(b.projectID))
		}
		resp.PageInfo.CurrentCount = len(resp.Servers)
		if more {
			resp.PageInfo.NextMarker = resp.Servers[len(resp.Servers)-1].ID
		}
		return nil
	})
	return resp, err
}

// showServer is ShowServer.
func (b *backend) showServer(req showServerRequest) (PhysicalServer, error) {
	if err := checkID("physical server", req.ID); err != nil {
		return PhysicalServer{}, err
	}
	var resp PhysicalServer
	err := b.view(func(r reader) error {
		s, ok := r.server(req.ID)
		if !ok {
			return errServersNotFound([]string{req.ID})
		}
		resp = s.wire(b.projectID)
		return nil
	})
	return resp, err
}

// changeServerPowerState is ChangeServerPowerState. All or nothing:
// unknown servers give 404 iMetal.0100, servers in the middle of a power
// change 400 iMetal.0101, and servers whose instance is busy (pending,
// shutting-down, error or changing) 400 iMetal.0201.
func (b *backend) changeServerPowerState(req changeServerPowerStateRequest) (powerStateResponse, error) {
	if req.Action == nil || *req.Action == "" {
		return powerStateResponse{}, errMissing("action")
	}
	action := *req.Action
	if action != actionPowerOn && action != actionPowerOff && action != actionReboot {
		return powerStateResponse{}, errInvalid("action %s is not one of \"power on\", \"power off\", \"rebooting\"", quoteIDs([]string{action}))
	}
	if err := checkIDSet("server_id_set", req.ServerIDSet, maxBatchIDs); err != nil {
		return powerStateResponse{}, err
	}
	var resp powerStateResponse
	err := b.update(func(w *writer) error {
		var unknown, busy, busyInstances []string
		servers := make([]serverRecord, 0, len(req.ServerIDSet))
		instances := make([]*instanceRecord, 0, len(req.ServerIDSet))
		for _, id := range req.ServerIDSet {
			s, ok := w.server(id)
			if !ok {
				unknown = append(unknown, id)
				continue
			}
			if s.powerBusy(w.now) {
				busy = append(busy, id)
			}
			var inst *instanceRecord
			if s.InstanceID != "" {
				if r, ok := w.instance(s.InstanceID); ok {
					if !idle(r, w.now, stateRunning, stateStopped) {
						busyInstances = append(busyInstances, r.ID)
					}
					inst = &r
				}
			}
			servers = append(servers, s)
			instances = append(instances, inst)
		}
		switch {
		case len(unknown) > 0:
			return errServersNotFound(unknown)
		case len(busy) > 0:
			return errServersNotReady(busy, "a power change is in progress")
		case len(busyInstances) > 0:
			return errInstancesState(busyInstances, "the instances on these servers are not running or stopped")
		}
		resp.PhysicalServers = make([]idItem, 0, len(servers))
		for i, s := range servers {
			ns, inst, changed := startPower(s, instances[i], action, w.now, b.timings)
			if changed {
				w.putServer(ns)
				if inst != nil {
					w.putInstance(*inst)
				}
			}
			resp.PhysicalServers = append(resp.PhysicalServers, idItem{ID: s.ID})
		}
		return nil
	})
	return resp, err
}
