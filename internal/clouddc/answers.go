package clouddc

import (
	"fmt"
	"regexp"
)

// This file checks the 2xx answers that create and delete: they are read as
// strictly as error answers, because a wrong one would either lose track of
// an instance that was created (an ID "" in state) or take a deletion for
// started when nothing says it was.

// instanceIDPattern is the form of every CloudDC instance ID: a lower-case
// UUID (the API's own regex for QueryInstanceResponseBody.id).
var instanceIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// IsInstanceID reports whether id has the form of a CloudDC instance ID.
func IsInstanceID(id string) bool { return instanceIDPattern.MatchString(id) }

// instancesWire is the {"instances":[{"id":...}]} answer as it came: a nil
// Instances means the array was missing or null.
type instancesWire struct {
	Instances *[]InstanceID `json:"instances"`
}

// checkRunInstances says what is wrong with a RunInstances answer, or "":
// it must list distinct lower-case UUIDs, at least min_count (default 1)
// and at most max_count (or the number of servers named in placement).
func checkRunInstances(req *RunInstancesRequest, got *[]InstanceID) string {
	if got == nil {
		return `no "instances" array of the created instance IDs`
	}
	lo, hi := 1, -1
	if req.MinCount != nil {
		lo = int(*req.MinCount)
	}
	switch {
	case req.MaxCount != nil:
		hi = int(*req.MaxCount)
	case req.Placement != nil && len(req.Placement.ServerIDSet) > 0:
		hi = len(req.Placement.ServerIDSet)
	}
	seen := make(map[string]struct{}, len(*got))
	for i, in := range *got {
		if !IsInstanceID(in.ID) {
			return fmt.Sprintf("item %d of the instances array has the ID %q, not a lower-case UUID", i+1, in.ID)
		}
		if _, dup := seen[in.ID]; dup {
			return fmt.Sprintf("it lists instance %s twice", in.ID)
		}
		seen[in.ID] = struct{}{}
	}
	n := len(*got)
	if n < lo || (hi >= 0 && n > hi) {
		want := fmt.Sprintf("at least %d", lo)
		if hi >= 0 {
			want = fmt.Sprintf("between %d and %d", lo, hi)
		}
		return fmt.Sprintf("it lists %d instances, want %s (min_count/max_count)", n, want)
	}
	return ""
}

// checkDeleteInstances says what is wrong with a DeleteInstances answer, or
// "": it must list exactly the IDs sent, each once.
func checkDeleteInstances(sent []string, got *[]InstanceID) string {
	if got == nil {
		return `no "instances" array of the instances whose deletion started`
	}
	want := make(map[string]bool, len(sent))
	for _, id := range sent {
		want[id] = false
	}
	for i, in := range *got {
		listed, asked := want[in.ID]
		switch {
		case in.ID == "":
			return fmt.Sprintf("item %d of the instances array has no id", i+1)
		case !asked:
			return fmt.Sprintf("it lists instance %s, which was not sent", in.ID)
		case listed:
			return fmt.Sprintf("it lists instance %s twice", in.ID)
		}
		want[in.ID] = true
	}
	var missing []string
	for _, id := range sent {
		if !want[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("it does not list %d of the instances sent (%v), so it cannot tell whether their deletion started", len(missing), missing)
	}
	return ""
}
