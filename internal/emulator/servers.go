package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// manageStates are the values the ListServers manage_state filter accepts
// (the SDK's ManageState enum plus the documented frozen).
var manageStates = []string{"onboard", "os-ready", "ready", "in-use", "maintain", "frozen", "offboarding"}

// listServers serves ListServers: GET /v1/{project_id}/physicalservers.
// Servers come in ID order; marker is the ID of the last server of the
// previous page; count is the number of all matches.
func (e *Emulator) listServers(c *call) (result, *apiError) {
	q := c.r.URL.Query()
	limit, apiErr := parseLimit(q.Get("limit"))
	if apiErr != nil {
		return result{}, apiErr
	}
	marker := q.Get("marker")
	if marker != "" && !isUUID(marker) {
		return result{}, errInvalid("marker %s is not a server ID", quoteIDs([]string{marker}))
	}
	filter := q.Get("manage_state")
	if filter != "" && !slices.Contains(manageStates, filter) {
		return result{}, errInvalid("manage_state %s is not one of %s", quoteIDs([]string{filter}), strings.Join(manageStates, ", "))
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	resp := listServersResponse{Servers: []PhysicalServer{}, PageInfo: PageInfo{PreviousMarker: marker}}
	more := false
	for _, id := range e.st.serverIDs {
		s, _ := e.st.server(id, c.now)
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
		resp.Servers = append(resp.Servers, s.wire(e.cfg.ProjectID))
	}
	resp.PageInfo.CurrentCount = len(resp.Servers)
	if more {
		resp.PageInfo.NextMarker = resp.Servers[len(resp.Servers)-1].ID
	}
	return result{status: http.StatusOK, body: resp}, nil
}

// showServer serves ShowServer: GET /v1/{project_id}/physicalservers/{id}.
func (e *Emulator) showServer(c *call) (result, *apiError) {
	id, apiErr := pathID(c, "physical server")
	if apiErr != nil {
		return result{}, apiErr
	}
	e.mu.RLock()
	s, ok := e.st.server(id, c.now)
	e.mu.RUnlock()
	if !ok {
		return result{}, errServersNotFound([]string{id})
	}
	return result{status: http.StatusOK, body: s.wire(e.cfg.ProjectID)}, nil
}

// changeServerPowerState serves ChangeServerPowerState: PUT
// /v1/{project_id}/physicalservers/power-state. All or nothing: unknown
// servers give 404 iMetal.0100, servers in the middle of a power change
// 400 iMetal.0101, and servers whose instance is busy (pending,
// shutting-down, error or changing) 400 iMetal.0201.
func (e *Emulator) changeServerPowerState(c *call) (result, *apiError) {
	var req powerStateRequest
	if err := decodeBody(c.body, &req); err != nil {
		return result{}, err
	}
	if req.Action == nil || *req.Action == "" {
		return result{}, errMissing("action")
	}
	action := *req.Action
	if action != actionPowerOn && action != actionPowerOff && action != actionReboot {
		return result{}, errInvalid("action %s is not one of \"power on\", \"power off\", \"rebooting\"", quoteIDs([]string{action}))
	}
	if err := checkIDSet("server_id_set", req.ServerIDSet, maxBatchIDs); err != nil {
		return result{}, err
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	now := c.now
	var unknown, busy, busyInstances []string
	servers := make([]serverRecord, 0, len(req.ServerIDSet))
	instances := make([]*instanceRecord, 0, len(req.ServerIDSet))
	for _, id := range req.ServerIDSet {
		s, ok := e.st.server(id, now)
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		if s.powerBusy(now) {
			busy = append(busy, id)
		}
		var inst *instanceRecord
		if s.InstanceID != "" {
			if r, ok := e.st.instance(s.InstanceID, now, e.cfg.TerminatedTTL); ok {
				if !idle(r, now, stateRunning, stateStopped) {
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
		return result{}, errServersNotFound(unknown)
	case len(busy) > 0:
		return result{}, errServersNotReady(busy, "a power change is in progress")
	case len(busyInstances) > 0:
		return result{}, errInstancesState(busyInstances, "the instances on these servers are not running or stopped")
	}
	ch := &changes{}
	resp := powerStateResponse{PhysicalServers: make([]idItem, 0, len(servers))}
	for i, s := range servers {
		ns, inst, changed := startPower(s, instances[i], action, now, e.timings)
		if changed {
			ch.servers = append(ch.servers, ns)
			if inst != nil {
				ch.instances = append(ch.instances, *inst)
			}
		}
		resp.PhysicalServers = append(resp.PhysicalServers, idItem{ID: s.ID})
	}
	if err := e.commit(ch); err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: resp}, nil
}
