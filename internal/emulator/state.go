package emulator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// timeFormat is how timestamps appear on the wire: ISO-8601 in UTC, the
// format of the documentation's examples.
const timeFormat = time.RFC3339

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

// transition is a state change that happens by itself at a point in
// wall-clock time (end of provisioning, of deletion, of a power change).
// It is stored with its record, so it resumes after a restart; nothing
// runs in the background to make it happen: readers apply it when due.
type transition struct {
	At             time.Time    `json:"at"`
	State          string       `json:"state"`
	OperationState string       `json:"operation_state"`
	Error          *ErrorStatus `json:"error,omitempty"`
	// Launch sets launched_at when the transition happens.
	Launch bool `json:"launch,omitempty"`
}

// instanceRecord is an instance as stored. Slices and maps in it are never
// modified in place once stored: writers replace them.
type instanceRecord struct {
	ID             string             `json:"id"`
	Name           string             `json:"name"`
	VpcID          string             `json:"vpc_id"`
	NICs           []NetworkInterface `json:"nics,omitempty"`
	Image          Image              `json:"image"`
	Description    string             `json:"description,omitempty"`
	Metadata       map[string]string  `json:"metadata,omitempty"`
	ServerID       string             `json:"server_id"`
	State          string             `json:"state"`
	OperationState string             `json:"operation_state,omitempty"`
	Error          *ErrorStatus       `json:"error,omitempty"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	LaunchedAt     time.Time          `json:"launched_at,omitzero"`
	Next           *transition        `json:"next,omitempty"`
}

// at returns the record as it is at now: a due transition applied.
func (r instanceRecord) at(now time.Time) instanceRecord {
	if r.Next == nil || now.Before(r.Next.At) {
		return r
	}
	n := r.Next
	r.State = n.State
	r.OperationState = n.OperationState
	r.Error = n.Error
	r.UpdatedAt = n.At
	if n.Launch {
		r.LaunchedAt = n.At
	}
	r.Next = nil
	return r
}

// expired reports whether a terminated instance has outlived ttl at now
// (lookups then answer 404 and the record is purged).
func (r instanceRecord) expired(now time.Time, ttl time.Duration) bool {
	return r.State == stateTerminated && !now.Before(r.UpdatedAt.Add(ttl))
}

// busy reports whether a transition is still in progress at now.
func (r instanceRecord) busy(now time.Time) bool {
	return r.Next != nil && now.Before(r.Next.At)
}

func (r instanceRecord) wire() Instance {
	nics := r.NICs
	if nics == nil {
		nics = []NetworkInterface{}
	}
	return Instance{
		ID:                r.ID,
		Name:              r.Name,
		VpcID:             r.VpcID,
		NetworkInterfaces: nics,
		Tags:              []Tag{},
		Image:             r.Image,
		Description:       r.Description,
		State:             r.State,
		OperationState:    r.OperationState,
		Metadata:          r.Metadata,
		ServerID:          r.ServerID,
		CreatedAt:         formatTime(r.CreatedAt),
		UpdatedAt:         formatTime(r.UpdatedAt),
		LaunchedAt:        formatTime(r.LaunchedAt),
		Error:             r.Error,
	}
}

// powerTransition is a server power change in progress: power_state and
// operation_state become PowerState and OperationState at At. Via, when
// set, is a step on the way (a reboot's off), due before At.
type powerTransition struct {
	At             time.Time  `json:"at"`
	PowerState     string     `json:"power_state"`
	OperationState string     `json:"operation_state"`
	Via            *powerStep `json:"via,omitempty"`
}

// powerStep is an intermediate power_state of a change in progress.
type powerStep struct {
	At         time.Time `json:"at"`
	PowerState string    `json:"power_state"`
}

// serverRecord is a physical server as stored.
type serverRecord struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	DomainID       string           `json:"domain_id"`
	OnboardTime    time.Time        `json:"onboard_time"`
	Location       Location         `json:"location"`
	Hardware       HardwareSummary  `json:"hardware"`
	ManageState    string           `json:"manage_state"`
	FrozenState    int              `json:"frozen_state,omitempty"`
	PowerState     string           `json:"power_state"`
	OperationState string           `json:"operation_state,omitempty"`
	HealthState    string           `json:"health_state"`
	InstanceID     string           `json:"instance_id,omitempty"`
	Next           *powerTransition `json:"next,omitempty"`
}

// powerBusy reports whether a power change is in progress at now.
func (s serverRecord) powerBusy(now time.Time) bool {
	return s.Next != nil && now.Before(s.Next.At)
}

// placementProblem says why no instance can be placed on s at now, or ""
// when one can: the server must be ready, not frozen, and not in the
// middle of a power change.
func (s serverRecord) placementProblem(now time.Time) string {
	switch {
	case s.ManageState != manageReady:
		return "manage_state is " + s.ManageState
	case s.FrozenState != 0:
		return frozenReason(s.FrozenState)
	case s.powerBusy(now):
		return "a power change is in progress"
	}
	return ""
}

// operableProblem says why the customer may not change s (power,
// reinstall, IP change), or "" when they may: it must not be frozen and
// must be delivered and not under repair, that is ready or in-use. The
// SDK describes onboard and os-ready as stages of delivery, maintain as
// "faulty, under repair" and offboarding as being removed: none of them
// is the customer's to change (see the package documentation).
func (s serverRecord) operableProblem() string {
	switch {
	case s.FrozenState != 0:
		return frozenReason(s.FrozenState)
	case s.ManageState != manageReady && s.ManageState != manageInUse:
		return "manage_state is " + s.ManageState
	}
	return ""
}

// frozenReason describes a frozen_state, e.g. "frozen_state is 5 (police, arrears)".
func frozenReason(f int) string {
	var why []string
	for _, b := range []struct {
		bit  int
		name string
	}{{frozenPolice, "police"}, {frozenViolation, "violation"}, {frozenArrears, "arrears"}} {
		if f&b.bit != 0 {
			why = append(why, b.name)
		}
	}
	return fmt.Sprintf("frozen_state is %d (%s)", f, strings.Join(why, ", "))
}

func (s serverRecord) wire(projectID string) PhysicalServer {
	return PhysicalServer{
		ID:                 s.ID,
		Name:               s.Name,
		ProjectID:          projectID,
		DomainID:           s.DomainID,
		ManageState:        s.ManageState,
		FrozenState:        s.FrozenState,
		PowerState:         s.PowerState,
		OperationState:     s.OperationState,
		HealthState:        s.HealthState,
		OnboardTime:        formatTime(s.OnboardTime),
		Location:           s.Location,
		HardwareAttributes: s.Hardware,
		Tags:               []Tag{},
	}
}

// upgradeLegacyPower rewrites a record stored by an emulator that spoke the
// model before SDK 0.1.190, where power_state itself showed a change in
// progress: the server keeps the power_state it had before the change
// (on while powering off or rebooting, off while powering on).
func upgradeLegacyPower(s serverRecord) serverRecord {
	switch s.PowerState {
	case legacyPoweringOn:
		s.PowerState = powerOff
	case legacyPoweringOff, legacyRebooting:
		s.PowerState = powerOn
	}
	return s
}

// state is the emulator's data: instances and servers, each with its IDs
// kept sorted (UUIDv7 IDs sort by creation time) for paging.
type state struct {
	instances   map[string]instanceRecord
	instanceIDs []string
	servers     map[string]serverRecord
	serverIDs   []string
}

func newState() *state {
	return &state{instances: map[string]instanceRecord{}, servers: map[string]serverRecord{}}
}

// instance returns the instance id as it is at now; ok is false when it
// does not exist or has expired.
func (s *state) instance(id string, now time.Time, ttl time.Duration) (instanceRecord, bool) {
	r, ok := s.instances[id]
	if !ok {
		return instanceRecord{}, false
	}
	r = r.at(now)
	if r.expired(now, ttl) {
		return instanceRecord{}, false
	}
	return r, true
}

// server returns the server id as it is at now: a due power change applied,
// and released (ready) when its instance has terminated or is gone.
func (s *state) server(id string, now time.Time) (serverRecord, bool) {
	sr, ok := s.servers[id]
	if !ok {
		return serverRecord{}, false
	}
	if n := sr.Next; n != nil {
		switch {
		case !now.Before(n.At):
			sr.PowerState = n.PowerState
			sr.OperationState = n.OperationState
			sr.Next = nil
		case n.Via != nil && !now.Before(n.Via.At):
			sr.PowerState = n.Via.PowerState
		}
	}
	if sr.InstanceID != "" {
		inst, ok := s.instances[sr.InstanceID]
		if !ok || inst.at(now).State == stateTerminated {
			sr.InstanceID = ""
			// A server in maintenance or being offboarded stays so.
			if sr.ManageState == manageInUse {
				sr.ManageState = manageReady
			}
		}
	}
	return sr, true
}

func (s *state) putInstance(r instanceRecord) {
	if _, ok := s.instances[r.ID]; !ok {
		i, _ := slices.BinarySearch(s.instanceIDs, r.ID)
		s.instanceIDs = slices.Insert(s.instanceIDs, i, r.ID)
	}
	s.instances[r.ID] = r
}

func (s *state) deleteInstance(id string) {
	if _, ok := s.instances[id]; !ok {
		return
	}
	delete(s.instances, id)
	if i, found := slices.BinarySearch(s.instanceIDs, id); found {
		s.instanceIDs = slices.Delete(s.instanceIDs, i, i+1)
	}
}

func (s *state) putServer(r serverRecord) {
	if _, ok := s.servers[r.ID]; !ok {
		i, _ := slices.BinarySearch(s.serverIDs, r.ID)
		s.serverIDs = slices.Insert(s.serverIDs, i, r.ID)
	}
	s.servers[r.ID] = r
}

// readyServers returns the IDs of servers that can take an instance at now.
func (s *state) readyServers(now time.Time) []string {
	var ids []string
	for _, id := range s.serverIDs {
		if sr, _ := s.server(id, now); sr.placementProblem(now) == "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// expiredInstances returns the IDs of terminated instances past ttl.
func (s *state) expiredInstances(now time.Time, ttl time.Duration) []string {
	var ids []string
	for _, id := range s.instanceIDs {
		if s.instances[id].at(now).expired(now, ttl) {
			ids = append(ids, id)
		}
	}
	return ids
}

// changes is what one write operation stores: records to put and
// instance IDs to delete, applied to the store and then to memory. With
// reset, everything stored before is dropped first.
type changes struct {
	reset           bool
	instances       []instanceRecord
	servers         []serverRecord
	deleteInstances []string
}

func (c *changes) empty() bool {
	return !c.reset && len(c.instances) == 0 && len(c.servers) == 0 && len(c.deleteInstances) == 0
}

func (s *state) apply(c *changes) {
	if c.reset {
		*s = *newState()
	}
	for _, r := range c.instances {
		s.putInstance(r)
	}
	for _, r := range c.servers {
		s.putServer(r)
	}
	for _, id := range c.deleteInstances {
		s.deleteInstance(id)
	}
}
