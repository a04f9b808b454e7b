// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/clouddc"
)

// Helpers shared by the acceptance tests of clouddc_instances and
// clouddc_instances_batch_delete.

// fleetListed asks the emulator, through the API client, for the
// instances of ids it still lists, by ID.
func fleetListed(t *testing.T, client *clouddc.Client, ids []string) (map[string]clouddc.Instance, error) {
	t.Helper()
	listed := make(map[string]clouddc.Instance, len(ids))
	for inst, err := range client.AllInstances(t.Context(), clouddc.ListInstancesRequest{InstanceIDs: ids}) {
		if err != nil {
			return nil, fmt.Errorf("listing instances: %w", err)
		}
		listed[inst.ID] = inst
	}
	return listed, nil
}

// fleetInstanceStates asks the emulator for the state of each of ids. An
// instance that is terminated or no longer listed maps to "gone".
func fleetInstanceStates(t *testing.T, client *clouddc.Client, ids []string) (map[string]string, error) {
	t.Helper()
	listed, err := fleetListed(t, client, ids)
	if err != nil {
		return nil, err
	}
	states := make(map[string]string, len(ids))
	for _, id := range ids {
		states[id] = "gone"
		if inst, ok := listed[id]; ok && !clouddc.IsTerminalState(inst.State) {
			states[id] = inst.State
		}
	}
	return states, nil
}

// fleetCheckStates fails unless each of ids is in state want ("gone" for
// terminated or unknown), as the emulator reports it.
func fleetCheckStates(t *testing.T, client *clouddc.Client, want string, ids ...string) error {
	t.Helper()
	states, err := fleetInstanceStates(t, client, ids)
	if err != nil {
		return err
	}
	var wrong []string
	for _, id := range ids {
		if states[id] != want {
			wrong = append(wrong, fmt.Sprintf("%s is %s", id, states[id]))
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("want every instance %s, but %s", want, strings.Join(wrong, ", "))
	}
	return nil
}

// fleetCheckNames fails unless each of ids has a host name matching
// pattern, as the emulator reports it.
func fleetCheckNames(t *testing.T, client *clouddc.Client, pattern string, ids ...string) error {
	t.Helper()
	listed, err := fleetListed(t, client, ids)
	if err != nil {
		return err
	}
	if len(listed) != len(ids) {
		return fmt.Errorf("the emulator lists %d of the %d instances", len(listed), len(ids))
	}
	re := regexp.MustCompile(pattern)
	for _, inst := range listed {
		if !re.MatchString(inst.Name) {
			return fmt.Errorf("instance %s is named %q, want %s", inst.ID, inst.Name, pattern)
		}
	}
	return nil
}

// fleetCheckServers fails unless ids are placed exactly on servers (one
// each, any order), as the emulator reports it.
func fleetCheckServers(t *testing.T, client *clouddc.Client, ids, servers []string) error {
	t.Helper()
	listed, err := fleetListed(t, client, ids)
	if err != nil {
		return err
	}
	got := make([]string, 0, len(listed))
	for _, inst := range listed {
		got = append(got, inst.ServerID)
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(servers)); !slices.Equal(got, want) {
		return fmt.Errorf("instances are on servers %v, want %v", got, want)
	}
	return nil
}

// fleetWaitGone polls the emulator until every one of ids is terminated or
// gone, failing the test after a generous deadline.
func fleetWaitGone(t *testing.T, client *clouddc.Client, ids ...string) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := fleetCheckStates(t, client, "gone", ids...)
		if err == nil {
			return
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("waiting for %v to terminate: %v", ids, t.Context().Err())
		case <-deadline.C:
			t.Fatalf("waiting for %v to terminate: %v", ids, err)
		case <-tick.C:
		}
	}
}

// fleetHCLStrings renders ids as an HCL list of strings.
func fleetHCLStrings(ids ...string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// fleetFakeUUIDs returns n distinct well-formed lower-case UUIDs that no
// emulator ever mints (their version nibble is 4, the emulator mints v7).
func fleetFakeUUIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012x", i+1)
	}
	return ids
}

// fleetAnyOrder returns a regexp that matches text containing every one of
// words, in any order. A space in a word matches any run of white space,
// since Terraform wraps long diagnostics.
func fleetAnyOrder(words ...string) *regexp.Regexp {
	var alts []string
	for perm := range fleetPermutations(words) {
		quoted := make([]string, len(perm))
		for i, w := range perm {
			quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(w), " ", `\s+`)
		}
		alts = append(alts, strings.Join(quoted, ".*"))
	}
	return regexp.MustCompile("(?s)" + strings.Join(alts, "|"))
}

func fleetPermutations(words []string) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		var rec func(prefix, rest []string) bool
		rec = func(prefix, rest []string) bool {
			if len(rest) == 0 {
				return yield(slices.Clone(prefix))
			}
			for i := range rest {
				next := append(slices.Clone(rest[:i]), rest[i+1:]...)
				if !rec(append(prefix, rest[i]), next) {
					return false
				}
			}
			return true
		}
		rec(nil, words)
	}
}

// fleetStateInstances reads the instances map (instance ID → state) of the
// fleet addr from a Terraform state.
func fleetStateInstances(s *terraform.State, addr string) (map[string]string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s not in state", addr)
	}
	n, err := strconv.Atoi(rs.Primary.Attributes["instances.%"])
	if err != nil {
		return nil, fmt.Errorf("%s.instances has no count: %w", addr, err)
	}
	states := make(map[string]string, n)
	for k, v := range rs.Primary.Attributes {
		if id, ok := strings.CutPrefix(k, "instances."); ok && id != "%" {
			states[id] = v
		}
	}
	if len(states) != n {
		return nil, fmt.Errorf("%s.instances counts %d elements but has %d", addr, n, len(states))
	}
	return states, nil
}

// fleetStateIDs returns the IDs of the fleet fleetAddr in state, sorted.
func fleetStateIDs(s *terraform.State) ([]string, error) {
	states, err := fleetStateInstances(s, fleetAddr)
	return slices.Sorted(maps.Keys(states)), err
}

// fleetCheckStateInstances checks that the fleet's instances in state are
// exactly ids (any order), each in state want.
func fleetCheckStateInstances(s *terraform.State, want string, ids ...string) error {
	states, err := fleetStateInstances(s, fleetAddr)
	if err != nil {
		return err
	}
	got := slices.Sorted(maps.Keys(states))
	if wantIDs := slices.Sorted(slices.Values(ids)); !slices.Equal(got, wantIDs) {
		return fmt.Errorf("instances in state = %v, want exactly %v", got, wantIDs)
	}
	for id, state := range states {
		if state != want {
			return fmt.Errorf("instance %s is %q in state, want %q", id, state, want)
		}
	}
	return nil
}

// stateStrings reads a set or list attribute of strings (e.g.
// "instance_ids") of resource addr from a Terraform state, in index order.
func stateStrings(s *terraform.State, addr, attr string) ([]string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s not in state", addr)
	}
	n, err := strconv.Atoi(rs.Primary.Attributes[attr+".#"])
	if err != nil {
		return nil, fmt.Errorf("%s.%s has no count: %w", addr, attr, err)
	}
	ids := make([]string, n)
	for i := range ids {
		v, ok := rs.Primary.Attributes[fmt.Sprintf("%s.%d", attr, i)]
		if !ok {
			return nil, fmt.Errorf("%s.%s has %d elements but no element %d", addr, attr, n, i)
		}
		ids[i] = v
	}
	return ids, nil
}

// fleetClock is an emulator clock (emulator.Config.Now) that a test can
// pause, so that instances stay shutting-down for as long as it needs,
// however slow the machine, and then resume where it stopped.
type fleetClock struct {
	mu       sync.Mutex
	behind   time.Duration // how far the clock is behind the wall clock
	paused   bool
	pausedAt time.Time
}

func (c *fleetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused {
		return c.pausedAt
	}
	return time.Now().Add(-c.behind)
}

func (c *fleetClock) Pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.paused {
		c.pausedAt, c.paused = time.Now().Add(-c.behind), true
	}
}

func (c *fleetClock) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused {
		c.behind, c.paused = time.Since(c.pausedAt), false
	}
}
