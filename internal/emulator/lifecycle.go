package emulator

import (
	"fmt"
	"time"
)

// timings are the durations of the instance and server life cycle.
type timings struct {
	create, delete, power time.Duration
}

// provision returns a new instance record: pending (install-processing)
// until create has passed, then running (install-succeed) with launched_at.
func provision(r instanceRecord, now time.Time, t timings) instanceRecord {
	r.State = statePending
	r.OperationState = opInstallProcessing
	r.Error = nil
	r.CreatedAt = now
	r.UpdatedAt = now
	r.Next = &transition{At: now.Add(t.create), State: stateRunning, OperationState: opInstallSucceed, Launch: true}
	return r
}

// startDelete moves r to shutting-down (uninstall-processing); after the
// delete duration it becomes terminated (uninstall-succeed), or, when fail
// is set, error (uninstall-failed) with a delete_instance_error.
func startDelete(r instanceRecord, now time.Time, t timings, fail bool) instanceRecord {
	r.State = stateShuttingDown
	r.OperationState = opUninstallProcessing
	r.Error = nil
	r.UpdatedAt = now
	next := &transition{At: now.Add(t.delete), State: stateTerminated, OperationState: opUninstallSucceed}
	if fail {
		next.State = stateError
		next.OperationState = opUninstallFailed
		next.Error = &ErrorStatus{
			ErrorCode: codeDeleteFailed,
			ErrorMsg: fmt.Sprintf("Failed to delete instance %s: physical server %s did not finish erasing its disks "+
				"(failure injected by clouddc-emulator --delete-failure-rate); delete the instance again to retry",
				r.ID, r.ServerID),
			ErrorType: errorTypeDeleteInstance,
		}
	}
	r.Next = next
	return r
}

// deletable reports whether a delete request changes r: pending, running,
// stopped and error instances start shutting down; shutting-down and
// terminated ones are left as they are (the request is accepted and is a
// no-op, see the package documentation).
func deletable(r instanceRecord) bool {
	switch r.State {
	case statePending, stateRunning, stateStopped, stateError:
		return true
	default:
		return false
	}
}

// startReinstall moves r to pending (reinstall-processing) and back to
// running (reinstall-succeed) after the create duration.
func startReinstall(r instanceRecord, now time.Time, t timings, imageID string) instanceRecord {
	if imageID != "" && imageID != r.Image.ID {
		r.Image = imageFor(imageID)
	}
	r.State = statePending
	r.OperationState = opReinstallProcessing
	r.Error = nil
	r.UpdatedAt = now
	r.Next = &transition{At: now.Add(t.create), State: stateRunning, OperationState: opReinstallSucceed, Launch: true}
	return r
}

// startModifyIP moves r to pending (modify-ip-processing) and back to
// running (modify-ip-succeed) after the create duration.
func startModifyIP(r instanceRecord, now time.Time, t timings) instanceRecord {
	r.State = statePending
	r.OperationState = opModifyIPProcessing
	r.Error = nil
	r.UpdatedAt = now
	r.Next = &transition{At: now.Add(t.create), State: stateRunning, OperationState: opModifyIPSucceed}
	return r
}

// startPower applies a power action to a server and to the instance it
// hosts (inst is nil when it hosts none). It returns the new records and
// whether anything changed (powering on a server that is on is a no-op).
//
// As since SDK 0.1.190, power_state stays on or off: the change shows in
// operation_state (power-on-processing, ...) until it is done after
// t.power, when power_state flips and operation_state says how it ended.
// A reboot of a server that is on goes on → off (half-way) → on. With
// fail the change ends in *-failed: a failed power on leaves the server
// off, a failed power off leaves it on, and a failed reboot leaves it off
// (it went down and did not come back); the instance stays as the server
// is left.
func startPower(s serverRecord, inst *instanceRecord, action string, now time.Time, t timings, fail bool) (serverRecord, *instanceRecord, bool) {
	due := now.Add(t.power)
	next := &powerTransition{At: due}
	// instState is the instance's state once the change is done.
	var instState string
	switch action {
	case actionPowerOn:
		if s.PowerState == powerOn {
			return s, inst, false
		}
		s.OperationState = srvOpPowerOnProcessing
		next.PowerState, next.OperationState, instState = powerOn, srvOpPowerOnSucceed, stateRunning
		if fail {
			next.PowerState, next.OperationState, instState = powerOff, srvOpPowerOnFailed, stateStopped
		}
	case actionPowerOff:
		if s.PowerState == powerOff {
			return s, inst, false
		}
		s.OperationState = srvOpPowerOffProcessing
		next.PowerState, next.OperationState, instState = powerOff, srvOpPowerOffSucceed, stateStopped
		if fail {
			next.PowerState, next.OperationState, instState = powerOn, srvOpPowerOffFailed, stateRunning
		}
	case actionReboot:
		if s.PowerState == powerOn {
			next.Via = &powerStep{At: now.Add(t.power / 2), PowerState: powerOff}
		}
		s.OperationState = srvOpRebootProcessing
		next.PowerState, next.OperationState, instState = powerOn, srvOpRebootSucceed, stateRunning
		if fail {
			next.PowerState, next.OperationState, instState = powerOff, srvOpRebootFailed, stateStopped
		}
	default:
		return s, inst, false
	}
	s.Next = next
	if inst != nil {
		ni := *inst
		ni.UpdatedAt = now
		if action == actionReboot {
			// A reboot stops the instance at once (its OS shuts down); it
			// runs again when the server is back on.
			ni.State = stateStopped
		}
		// The instance is busy until the change is done, even when it ends
		// in the state it has now.
		ni.Next = &transition{At: due, State: instState, OperationState: ni.OperationState, Error: ni.Error}
		inst = &ni
	}
	return s, inst, true
}

// poweredOn returns s powering on for d when it is off: provisioning an
// instance (create, or a reinstall of a stopped one) boots its server.
// This power on never fails.
func poweredOn(s serverRecord, now time.Time, d time.Duration) serverRecord {
	if s.PowerState == powerOn {
		return s
	}
	s.OperationState = srvOpPowerOnProcessing
	s.Next = &powerTransition{At: now.Add(d), PowerState: powerOn, OperationState: srvOpPowerOnSucceed}
	return s
}

// imageFor describes the IMS image an instance runs. CloudDC has no image
// API of its own, so the emulator accepts any image ID and names it after
// the ID.
func imageFor(id string) Image {
	short := id
	if len(short) > 8 {
		short = short[:8]
	}
	return Image{ID: id, Name: "image-" + short, OsType: "Linux"}
}
