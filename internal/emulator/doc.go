// Package emulator is a local emulator of the Huawei Cloud CloudDC API
// (bare-metal "iMetal" instances on customer-owned physical servers), as an
// http.Handler. Tests use it in-process (package emulatortest), the
// clouddc-emulator binary serves it, and it never imports the provider or
// its API client: it is an independent implementation of the same
// documentation (the project's notes on the API, CLOUDDC-API.md at the
// repository root), so the two check each other.
//
// # What it serves
//
// The instance operations RunInstances, CreateInstance, ListInstances,
// ShowInstanceStatus, DeleteInstances, DeleteInstance, ReinstallOS,
// ChangeInstancePassword and ModifyInstanceIp; the server operations
// ListServers, ShowServer, ChangeServerPowerState and ShowServerStatus;
// and IAM's POST /v3/auth/tokens. Every other documented CloudDC operation (ListIDcs,
// ListIRacks, alarms, events, tags, log export, ...) answers 501 with
// error_code iMetal.0098 naming the operation. Paths that are not CloudDC
// operations answer 404 APIGW.0101, as the API gateway does.
//
// Success codes: CreateInstance 202 {"instance_id"}, RunInstances 202
// {"instances":[{"id"}]}, DeleteInstances 202 {"instances":[{"id"}]},
// DeleteInstance 204 without a body, ReinstallOS 202 {"instances"},
// ChangeInstancePassword 200 {"instances"}, ModifyInstanceIp 202 without a
// body, ChangeServerPowerState 200 {"physical_servers":[{"id"}]},
// ShowServerStatus 200 {"server_status", "server_power_status",
// "server_manage_state"}, token
// issuance 201 with the token in X-Subject-Token. Errors use the API's
// format {"error_code","error_msg"}, except 429, whose body is the bare
// JSON string "Too many requests" (with a Retry-After header in seconds).
// Every response carries an X-Request-Id header.
//
// A request goes through, in order: rate limit (429), body size (more than
// 1 MiB: 413), authentication (401 iMetal.0003), project check (403
// iMetal.0004), injected fault (500 iMetal.0099), validation (400
// iMetal.0001 for invalid values, iMetal.0002 for missing ones), lookups
// (404 iMetal.0200 for instances, iMetal.0100 for servers), state checks
// (400 iMetal.0201 for instances, iMetal.0101 for servers), and only then a
// change. So an error never leaves a side effect behind.
//
// # Life cycle
//
// Instance IDs are UUIDv7. CreateInstance and RunInstances put an instance
// in pending (install-processing) on a ready server, which becomes in-use;
// after CreateDuration it is running (install-succeed) with launched_at
// set. A delete makes it shutting-down (uninstall-processing) and after
// DeleteDuration terminated (uninstall-succeed), and the server is ready
// again; with DeleteFailureRate the deletion may instead end in state error
// (uninstall-failed) with error {error_code iMetal.0299, error_msg naming
// the instance and server, error_type delete_instance_error}, and the
// server stays in-use. Terminated instances stay visible for TerminatedTTL,
// then every lookup answers 404 iMetal.0200 and they are purged. State
// names are the newest SDK's (pending, running, stopped, shutting-down,
// terminated, error), never the older failed.
//
// Transitions are not driven by goroutines or timers: each record stores
// its pending transition with the wall-clock time it is due, and readers
// apply it when that time has passed. So transitions resume exactly after
// a restart, cost nothing while idle, and scale to any number of instances.
// One background sweep only frees the memory and disk of terminated
// instances past their TTL, which lookups already hide.
//
// # Choices where the documentation is silent
//
//   - Batch-delete or delete of an instance that is already shutting-down or
//     terminated (but still visible) is accepted and changes nothing: delete
//     is idempotent, as a retrying client needs it to be, and the documented
//     diagrams have no error edge for it. The instance is still listed in
//     the 202 answer.
//   - An instance in state error is deleted again (error → shutting-down),
//     as the newest diagram documents ("Retry DeleteInstance").
//   - A pending instance can be deleted (the diagrams' "abort by
//     DeleteInstance").
//   - DeleteInstances is all or nothing: if any ID is unknown the call
//     fails with 404 iMetal.0200 naming every unknown ID, and nothing
//     changes. Empty lists are 400 iMetal.0002; more than 50 IDs, IDs that
//     are not lowercase UUIDs, and duplicate IDs are 400 iMetal.0001. The
//     same rules hold for the other batch bodies.
//   - ReinstallOS accepts running and stopped instances (the documentation
//     says running, the SDK diagram stopped); the instance goes pending
//     (reinstall-processing) and is running (reinstall-succeed) after
//     CreateDuration, the newest generation's way of showing a reinstall.
//     Reinstalling a stopped instance powers its server on, as does
//     creating an instance on a server that was left powered off.
//   - ModifyInstanceIp needs a running instance; it goes pending
//     (modify-ip-processing) and is running (modify-ip-succeed) after
//     CreateDuration. The newest state set has no modifyIping, so the
//     emulator reports the change like a reinstall.
//   - ChangeInstancePassword accepts running and stopped instances and,
//     as documented, does not check the new password's complexity;
//     CreateInstance, RunInstances and ReinstallOS enforce the API's
//     password rule.
//   - Any operation on an instance whose transition is still in progress
//     (other than delete) is 400 iMetal.0201.
//   - Servers speak the model of SDK 0.1.190 and later. power_state is only
//     on or off; a change in progress shows in operation_state
//     (power-on-processing, power-off-processing, reboot-processing) for
//     PowerDuration, then power_state flips and operation_state ends in
//     -succeed. A reboot of a server that is on goes on → off (half-way
//     through) → on. Every server carries frozen_state (0 unless set
//     through the admin endpoint). The older powering-on, powering-off and
//     rebooting power states are never reported; a state file written by
//     an emulator that reported them is read into the new model.
//   - ChangeServerPowerState: "power off" keeps the instance running until
//     the server is off, then stopped; "power on" makes a stopped instance
//     running once the server is on; "rebooting" stops the instance at once
//     and runs it again when the server is back on. Powering on a server
//     that is on (or off one that is off) is accepted and changes nothing;
//     rebooting a server that is off powers it on. With PowerFailureRate
//     a change may end in -failed instead: a failed power on leaves the
//     server off, a failed power off leaves it on, a failed reboot leaves
//     it off (it went down and did not come back), and the instance stays
//     as the server is left (stopped on a server that is off). No error
//     object is set: ErrorStatus.error_type has no power value.
//   - Frozen and maintained servers. The reference documents no rule, so
//     the emulator infers one: only a server that is ready or in-use and
//     not frozen (frozen_state 0) is the customer's to change. Refused with
//     400 iMetal.0101 ("Physical servers state is not ready", naming each
//     server and why, e.g. "frozen_state is 4 (arrears)" or "manage_state
//     is maintain"): CreateInstance and RunInstances placed on it (random
//     placement skips such servers; RunInstances skips named ones as long
//     as min_count can still be met), ChangeServerPowerState, and
//     ReinstallOS and ModifyInstanceIp of the instance on it. iMetal.0101
//     is the documented code for a server whose state does not allow the
//     request and the only one that names servers; iMetal.0004 is about
//     the caller's permissions, which a freeze does not change. The SDK
//     describes onboard and os-ready as stages of delivery, maintain as
//     "faulty, under repair" and offboarding as being removed, so none of
//     them is the customer's. Still allowed: reads, ChangeInstancePassword
//     (it changes nothing on the server until its next boot) and deleting
//     the instance (so a frozen or broken server can always be emptied).
//     Freezing powers nothing off. health_state gates nothing.
//   - The admin endpoint PUT /_emulator/servers/{id} (no credentials, like
//     every /_emulator/ endpoint) sets manage_state, frozen_state (0–7) and
//     health_state; omitted fields stay. in-use is kept for a server that
//     hosts an instance and ready for one that does not; the other states
//     can be set either way. A server whose instance is deleted goes back
//     to ready only from in-use; one put in maintain or offboarding
//     meanwhile stays there.
//   - Servers in the middle of a power change are 400 iMetal.0101 for
//     another power change and for placement; servers whose instance is not
//     idle in running or stopped are 400 iMetal.0201 naming the instances.
//   - ListServers filters on each manage state of the SDK's enum (onboard,
//     os-ready, ready, in-use, maintain, offboarding) and on frozen, the
//     manage state of a frozen server before SDK 0.1.190, which matches
//     servers whose frozen_state is not 0 (as instance_state failed
//     matches error). A frozen server keeps its manage_state.
//   - ShowServerStatus counts every server: server_status by health_state
//     (total, ok, warning, critical, unknown; health is the OK ones and
//     unHealth, as SDK 0.1.192 spells it, all others, so the two add up to
//     total; isolation the servers that are frozen or in maintain), each
//     {count, dc_stats} with a count per location.dc for every DC that has
//     servers (zeros included); server_power_status {on, off, unknown};
//     server_manage_state a count for each of the six manage states
//     (zeros included). What health, unHealth and isolation count is
//     inferred: the SDK names them only.
//   - RunInstances: min_count and max_count default to each other, or both
//     to the number of servers in placement.server_id_set (1 without
//     placement). With named servers, unknown ones fail the call with 404
//     iMetal.0100 and unready ones are skipped; if fewer than min_count
//     servers can be used the call fails with 400 iMetal.0101 and nothing
//     is created. Names get a -0001, -0002, ... suffix when more than one
//     instance is created. Without placement, servers are picked at random
//     (repeatable with Seed).
//   - ListInstances returns terminated instances until TerminatedTTL has
//     passed. limit: unset or below 10 gives 10, above 1000 gives 1000 (the
//     documentation's text); results are in ID (creation) order; marker is
//     the ID of the last item of the previous page and next_marker is set
//     when more follow; previous_marker echoes the request's marker; count
//     is the number of all matches. The instance_state filter accepts the
//     documented values plus error; failed matches error. instance_id and
//     server_id take at most 100 comma-separated IDs and exclude each
//     other. ListServers pages the same way.
//   - The emulator accepts any non-empty image_id, vpc_id and subnet_id
//     (CloudDC has no image or VPC APIs of its own). NICs created without
//     an address get a stable private 192.168.x.y address.
//   - A path with another project ID is 403 iMetal.0004: the credentials
//     are valid but not for that project (a token is project-scoped).
//   - POST /v3/auth/tokens has no user database: any non-empty user name
//     and password are accepted; a scope naming another project ID is 401.
//     Tokens are valid for TokenTTL (24 hours by default), are HMAC-signed
//     with a key kept in the state file (so they survive a restart), and
//     are rejected once expired. Token issuance belongs to IAM, not
//     CloudDC, so it is exempt from the rate limit and injected faults.
//   - AK/SK: the signature is recomputed over the headers the client lists
//     in SignedHeaders with the official SDK's canonicalisation
//     (SDK-HMAC-SHA256) and compared in constant time; X-Sdk-Date must be
//     within 15 minutes of the emulator's clock. X-Security-Token is
//     accepted and not checked. A request carrying X-Auth-Token is checked
//     as a token request only.
//   - Injected faults (FaultRate) apply to every API operation, the 501
//     ones included, after authentication and before anything changes.
//   - Timestamps are ISO-8601 in UTC, second precision (2025-03-20T02:48:06Z).
//
// # Persistence and concurrency
//
// With Config.StateFile the state lives in a bbolt file; each write is
// committed (with fsync) before its response is sent, so an acknowledged
// write survives kill -9, and pending transitions resume by wall clock
// after a restart. Without a state file everything is in memory. Writes
// are serialised and become visible only once stored; reads (status,
// lists) share a read lock and never wait for a write's fsync.
//
// A write that cannot be stored (disk full, I/O error, file made
// unusable) answers 500 iMetal.0099 and changes nothing: bbolt rolls the
// transaction back, and memory is updated only after the store succeeded,
// so the file and every later answer still hold the state from before the
// request. New refuses a state file it cannot use, with an error naming
// the file and what is wrong: a directory, a path it cannot create or
// open for writing, a file locked by another emulator, a file that is not
// a bbolt file or is cut short or damaged, a record that does not decode.
// A refused file is left untouched.
//
// Config values are checked by New: shares (FaultRate, DeleteFailureRate,
// PowerFailureRate) in [0, 1], RateLimit from 0 to MaxRateLimit, durations from 0 to
// MaxDuration, Servers from 0 to MaxServers, NaN and infinities refused.
//
// # Code layout
//
// The emulator is a backend (the model of CloudDC) behind a thin HTTP
// front end, as moto splits models from responses:
//
//   - backend.go: the backend, its locks and its commit. view runs a read
//     under the read lock; update runs an operation under the write lock,
//     collects what it stages (writer.putInstance, putServer,
//     deleteInstance), stores it and only then applies it to memory. No
//     operation takes a lock or writes the store itself.
//   - instances.go, servers.go, tokens.go: the operations, one method each,
//     taking a typed request and returning a typed result (wire.go) or an
//     *apiError. They check IDs, states and limits; they know no HTTP.
//   - state.go, lifecycle.go: the records and their pure state machine;
//     store.go: memory and bbolt stores; validate.go: field rules.
//   - errors.go: the kinds of API error, each with its error_code and HTTP
//     status in one table.
//   - router.go: the operations table (name, route, success status,
//     adapter) and what every request goes through; handlers.go: the
//     adapters, which decode the request (JSON shape, query syntax) into
//     the typed request and hand the result back to encode; auth.go and
//     aksk.go: credentials; admin.go, faults.go, stats.go: the admin
//     endpoints (health, stats, reset, faults, and
//     PUT /_emulator/servers/{id}, which sets a server's manage_state,
//     frozen_state and health_state, as the service's operator, billing or
//     a freeze would), injected faults and counters.
//
// A new operation is a request and result type in wire.go, a backend
// method built on view or update, an adapter in handlers.go and a line in
// the operations table; a new admin endpoint that changes state is a
// backend method on update and a handler in admin.go.
package emulator
