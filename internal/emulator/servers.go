package emulator

import (
	"fmt"
	"slices"
	"strings"
)

// manageStates are the values the ListServers manage_state filter accepts:
// the SDK's ManageState enum plus frozen, the manage state of a frozen
// server before SDK 0.1.190, which matches servers whose frozen_state is
// not 0.
var manageStates = append(slices.Clone(manageStatesAll), manageFrozen)

// matchesManageState reports whether s passes the manage_state filter.
func matchesManageState(s serverRecord, filter string) bool {
	switch filter {
	case "":
		return true
	case manageFrozen:
		return s.FrozenState != 0
	}
	return s.ManageState == filter
}

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
			if !matchesManageState(s, filter) {
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

// serverProblems collects why servers cannot be used, in request order, for
// one 400 iMetal.0101 that names them all.
type serverProblems struct {
	ids     []string
	reasons []string
}

func (p *serverProblems) add(id, reason string) {
	p.ids = append(p.ids, id)
	p.reasons = append(p.reasons, id+": "+reason)
}

// err returns the 400 iMetal.0101 naming every server, or nil when there is none.
func (p *serverProblems) err() error {
	if len(p.ids) == 0 {
		return nil
	}
	return errServersNotReady(p.ids, strings.Join(p.reasons, "; "))
}

// changeServerPowerState is ChangeServerPowerState. All or nothing:
// unknown servers give 404 iMetal.0100; frozen servers, servers that are
// not the customer's to change (onboard, os-ready, maintain, offboarding) and
// servers in the middle of a power change 400 iMetal.0101; servers whose
// instance is busy (pending, shutting-down, error or changing) 400
// iMetal.0201.
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
		var unknown, busyInstances []string
		var refused serverProblems
		servers := make([]serverRecord, 0, len(req.ServerIDSet))
		instances := make([]*instanceRecord, 0, len(req.ServerIDSet))
		for _, id := range req.ServerIDSet {
			s, ok := w.server(id)
			if !ok {
				unknown = append(unknown, id)
				continue
			}
			switch p := s.operableProblem(); {
			case p != "":
				refused.add(id, p)
			case s.powerBusy(w.now):
				refused.add(id, "a power change is in progress")
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
		if len(unknown) > 0 {
			return errServersNotFound(unknown)
		}
		if err := refused.err(); err != nil {
			return err
		}
		if len(busyInstances) > 0 {
			return errInstancesState(busyInstances, "the instances on these servers are not running or stopped")
		}
		resp.PhysicalServers = make([]idItem, 0, len(servers))
		for i, s := range servers {
			ns, inst, changed := startPower(s, instances[i], action, w.now, b.timings, b.chaos.powerFails())
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

// showServerStatus is ShowServerStatus: the project's servers counted by
// health, power and manage state. Per-DC counts list every equipment room
// that has servers, with zeros, and server_manage_state every manage
// state of the SDK's enum, so the keys do not come and go.
func (b *backend) showServerStatus(showServerStatusRequest) (serverStatusResponse, error) {
	var resp serverStatusResponse
	err := b.view(func(r reader) error {
		var dcs []string
		for _, id := range r.serverIDs() {
			s, _ := r.server(id)
			if !slices.Contains(dcs, s.Location.DC) {
				dcs = append(dcs, s.Location.DC)
			}
		}
		slices.Sort(dcs)
		count := func() serverCount {
			c := serverCount{DCStats: make(map[string]int, len(dcs))}
			for _, dc := range dcs {
				c.DCStats[dc] = 0
			}
			return c
		}
		st := &resp.ServerStatus
		for _, c := range []*serverCount{&st.Total, &st.OK, &st.Warning, &st.Unknown, &st.Critical, &st.Health, &st.UnHealth, &st.Isolation} {
			*c = count()
		}
		resp.ServerManageState = make(map[string]int, len(manageStatesAll))
		for _, m := range manageStatesAll {
			resp.ServerManageState[m] = 0
		}
		for _, id := range r.serverIDs() {
			s, _ := r.server(id)
			add := func(c *serverCount) {
				c.Count++
				c.DCStats[s.Location.DC]++
			}
			add(&st.Total)
			switch s.HealthState {
			case healthOK:
				add(&st.OK)
				add(&st.Health)
			case healthWarning:
				add(&st.Warning)
			case healthCritical:
				add(&st.Critical)
			default:
				add(&st.Unknown)
			}
			if s.HealthState != healthOK {
				add(&st.UnHealth)
			}
			if s.FrozenState != 0 || s.ManageState == manageMaintain {
				add(&st.Isolation)
			}
			switch s.PowerState {
			case powerOn:
				resp.ServerPowerStatus.On++
			case powerOff:
				resp.ServerPowerStatus.Off++
			default:
				resp.ServerPowerStatus.Unknown++
			}
			resp.ServerManageState[s.ManageState]++
		}
		return nil
	})
	return resp, err
}

// setServerState is the admin endpoint PUT /_emulator/servers/{id}: it
// sets a server's manage_state, frozen_state and health_state, as the
// operator of the real service (or a billing or legal freeze) would.
// manage_state in-use is reserved for a server that hosts an instance, and
// ready for one that does not: every other state can be set either way.
func (b *backend) setServerState(req setServerStateRequest) (PhysicalServer, error) {
	if err := checkID("physical server", req.ID); err != nil {
		return PhysicalServer{}, err
	}
	if req.ManageState == nil && req.FrozenState == nil && req.HealthState == nil {
		return PhysicalServer{}, errMissing("manage_state, frozen_state or health_state")
	}
	if m := req.ManageState; m != nil && !slices.Contains(manageStatesAll, *m) {
		hint := ""
		if *m == manageFrozen {
			hint = " (since SDK 0.1.190 a frozen server keeps its manage_state: set frozen_state instead)"
		}
		return PhysicalServer{}, errInvalid("manage_state %s is not one of %s%s", quoteIDs([]string{*m}), strings.Join(manageStatesAll, ", "), hint)
	}
	if f := req.FrozenState; f != nil && (*f < 0 || *f > maxFrozenState) {
		return PhysicalServer{}, errInvalid("frozen_state %d is not a bit mask from 0 to %d (1 police, 2 violation, 4 arrears)", *f, maxFrozenState)
	}
	if h := req.HealthState; h != nil && !slices.Contains(healthStates, *h) {
		return PhysicalServer{}, errInvalid("health_state %s is not one of %s", quoteIDs([]string{*h}), strings.Join(healthStates, ", "))
	}
	var resp PhysicalServer
	err := b.update(func(w *writer) error {
		s, ok := w.server(req.ID)
		if !ok {
			return errServersNotFound([]string{req.ID})
		}
		// A server's instance is released when it terminates, so a server
		// that still names one hosts it.
		hosting := s.InstanceID != ""
		if m := req.ManageState; m != nil {
			switch {
			case *m == manageInUse && !hosting:
				return errInvalid("manage_state in-use: server %s hosts no instance (in-use comes from creating one on it)", req.ID)
			case *m == manageReady && hosting:
				return errInvalid("manage_state ready: server %s hosts instance %s (delete it first)", req.ID, s.InstanceID)
			}
			s.ManageState = *m
		}
		if req.FrozenState != nil {
			s.FrozenState = *req.FrozenState
		}
		if req.HealthState != nil {
			s.HealthState = *req.HealthState
		}
		w.putServer(s)
		resp = s.wire(b.projectID)
		return nil
	})
	return resp, err
}

// checkServersOperable returns 400 iMetal.0101 naming the servers of recs
// that the customer may not change (frozen, or neither ready nor in-use),
// or nil.
func checkServersOperable(r reader, recs []instanceRecord, op string) error {
	var p serverProblems
	for _, rec := range recs {
		s, ok := r.server(rec.ServerID)
		if !ok {
			continue
		}
		if why := s.operableProblem(); why != "" {
			p.add(s.ID, fmt.Sprintf("%s, so %s cannot change instance %s", why, op, rec.ID))
		}
	}
	return p.err()
}
