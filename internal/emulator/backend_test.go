package emulator

import (
	"go/parser"
	"go/token"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock for Config.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a backend with three servers and one running instance on
// the first of them, driven without HTTP.
type fixture struct {
	b       *backend
	clock   *testClock
	running string // a running instance
	server  string // the server it runs on
	free    string // a ready server
}

const backendTestPassword = "Passw0rd!x"

func ptr[T any](v T) *T { return &v }

func createReq(name string) createInstanceRequest {
	return createInstanceRequest{
		Name: ptr(name), ImageID: ptr("img-1"), VpcID: ptr("vpc-1"), Password: ptr(backendTestPassword),
		NetworkInterfaces: []NetworkInterface{{SubnetID: "subnet-1"}},
	}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := &testClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	e, err := New(Config{Servers: 3, CreateDuration: time.Minute, DeleteDuration: time.Minute, Seed: 7, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	f := &fixture{b: e.backend, clock: clock}
	res, err := f.b.createInstance(createReq("first"))
	if err != nil {
		t.Fatal(err)
	}
	f.running = res.InstanceID
	clock.Advance(time.Minute)
	st, err := f.b.showInstanceStatus(showInstanceStatusRequest{ID: f.running})
	if err != nil || st.State != stateRunning {
		t.Fatalf("fixture instance: %+v %v, want running", st, err)
	}
	_ = f.b.view(func(r reader) error {
		rec, _ := r.instance(f.running)
		f.server = rec.ServerID
		for _, id := range r.serverIDs() {
			if id != f.server && f.free == "" {
				f.free = id
			}
		}
		return nil
	})
	return f
}

// state returns the instance's state, or "" when it is unknown.
func (f *fixture) state(t *testing.T, id string) string {
	t.Helper()
	st, err := f.b.showInstanceStatus(showInstanceStatusRequest{ID: id})
	if err != nil {
		return ""
	}
	return st.State
}

func (f *fixture) countInstances() int {
	n := 0
	for _, c := range f.b.countInstances() {
		n += int(c)
	}
	return n
}

// as returns res as a T, failing the test when it is something else.
func as[T any](t *testing.T, res any) T {
	t.Helper()
	v, ok := res.(T)
	if !ok {
		t.Fatalf("result %T, want %T", res, v)
	}
	return v
}

const unknownID = "0198170e-0000-7000-8000-000000000001"

// TestBackendOperations calls every operation of the backend directly,
// without HTTP, and checks the outcome: the typed result and the state
// after it, or the error's code, HTTP status and message, and that a
// refused call changed nothing.
func TestBackendOperations(t *testing.T) {
	for _, tt := range []struct {
		name string
		call func(f *fixture) (any, error)
		// On success, check looks at the result and the state.
		check func(t *testing.T, f *fixture, res any)
		// On failure: the error_code, the HTTP status and parts of the message.
		code   string
		status int
		msg    []string
		// creates is the number of instances a failing case makes before
		// its refused call.
		creates int
	}{
		{
			name: "CreateInstance on a named ready server",
			call: func(f *fixture) (any, error) {
				req := createReq("second")
				req.Placement = &struct {
					ServerID *string `json:"server_id"`
				}{ServerID: ptr(f.free)}
				return f.b.createInstance(req)
			},
			check: func(t *testing.T, f *fixture, res any) {
				id := as[createInstanceResponse](t, res).InstanceID
				if f.state(t, id) != statePending {
					t.Fatalf("new instance is %q, want pending", f.state(t, id))
				}
				srv, _ := f.b.showServer(showServerRequest{ID: f.free})
				if srv.ManageState != manageInUse {
					t.Fatalf("server is %q, want in-use", srv.ManageState)
				}
			},
		},
		{
			name: "CreateInstance without a password",
			call: func(f *fixture) (any, error) {
				req := createReq("x")
				req.Password = nil
				return f.b.createInstance(req)
			},
			code: codeMissingParam, status: 400, msg: []string{"password"},
		},
		{
			name: "CreateInstance with a weak password",
			call: func(f *fixture) (any, error) {
				req := createReq("x")
				req.Password = ptr("password")
				return f.b.createInstance(req)
			},
			code: codeInvalidParam, status: 400, msg: []string{"password"},
		},
		{
			name: "CreateInstance on an unknown server",
			call: func(f *fixture) (any, error) {
				req := createReq("x")
				req.Placement = &struct {
					ServerID *string `json:"server_id"`
				}{ServerID: ptr(unknownID)}
				return f.b.createInstance(req)
			},
			code: codeServerNotFound, status: 404, msg: []string{unknownID},
		},
		{
			name: "CreateInstance on a server in use",
			call: func(f *fixture) (any, error) {
				req := createReq("x")
				req.Placement = &struct {
					ServerID *string `json:"server_id"`
				}{ServerID: ptr(f.server)}
				return f.b.createInstance(req)
			},
			code: codeServerNotReady, status: 400, msg: []string{"in-use"},
		},
		{
			name: "RunInstances on the two ready servers",
			call: func(f *fixture) (any, error) {
				c := createReq("fleet")
				return f.b.runInstances(runInstancesRequest{
					Name: c.Name, ImageID: c.ImageID, VpcID: c.VpcID, Password: c.Password,
					NetworkInterfaces: []struct {
						SubnetID *string `json:"subnet_id"`
					}{{SubnetID: ptr("subnet-1")}},
					MinCount: ptr[int32](2), MaxCount: ptr[int32](2),
				})
			},
			check: func(t *testing.T, f *fixture, res any) {
				got := as[instancesResponse](t, res).Instances
				if len(got) != 2 {
					t.Fatalf("%d instances, want 2", len(got))
				}
				list, err := f.b.listInstances(listInstancesRequest{InstanceState: statePending})
				if err != nil || list.Count != 2 || list.Instances[0].Name != "fleet-0001" {
					t.Fatalf("pending instances %+v %v: want fleet-0001 and fleet-0002", list, err)
				}
			},
		},
		{
			name: "RunInstances asking for more than are ready",
			call: func(f *fixture) (any, error) {
				c := createReq("fleet")
				return f.b.runInstances(runInstancesRequest{
					Name: c.Name, ImageID: c.ImageID, VpcID: c.VpcID, Password: c.Password,
					NetworkInterfaces: []struct {
						SubnetID *string `json:"subnet_id"`
					}{{SubnetID: ptr("subnet-1")}},
					MinCount: ptr[int32](3),
				})
			},
			code: codeServerNotReady, status: 400, msg: []string{"nothing was created"},
		},
		{
			name: "ListInstances by server",
			call: func(f *fixture) (any, error) {
				return f.b.listInstances(listInstancesRequest{ServerIDs: []string{f.server, f.server}})
			},
			check: func(t *testing.T, f *fixture, res any) {
				l := as[listInstancesResponse](t, res)
				if l.Count != 1 || len(l.Instances) != 1 || l.Instances[0].ID != f.running || l.PageInfo.CurrentCount != 1 {
					t.Fatalf("list %+v: want the running instance", l)
				}
			},
		},
		{
			name: "ListInstances with both ID filters",
			call: func(f *fixture) (any, error) {
				return f.b.listInstances(listInstancesRequest{InstanceIDs: []string{f.running}, ServerIDs: []string{f.server}})
			},
			code: codeInvalidParam, status: 400, msg: []string{"mutually exclusive"},
		},
		{
			name: "ListInstances with an unknown state filter",
			call: func(f *fixture) (any, error) {
				return f.b.listInstances(listInstancesRequest{InstanceState: "sleeping"})
			},
			code: codeInvalidParam, status: 400, msg: []string{"instance_state", "sleeping"},
		},
		{
			name: "ShowInstanceStatus of an unknown instance",
			call: func(f *fixture) (any, error) {
				return f.b.showInstanceStatus(showInstanceStatusRequest{ID: unknownID})
			},
			code: codeInstNotFound, status: 404, msg: []string{unknownID},
		},
		{
			name: "ShowInstanceStatus with an upper-case ID",
			call: func(f *fixture) (any, error) {
				return f.b.showInstanceStatus(showInstanceStatusRequest{ID: strings.ToUpper(f.running)})
			},
			code: codeInvalidParam, status: 400, msg: []string{"lowercase UUID"},
		},
		{
			name: "DeleteInstances with one unknown ID changes nothing",
			call: func(f *fixture) (any, error) {
				return f.b.deleteInstances(deleteInstancesRequest{InstanceIDSet: []string{f.running, unknownID}})
			},
			code: codeInstNotFound, status: 404, msg: []string{unknownID},
		},
		{
			name: "DeleteInstances with 51 IDs",
			call: func(f *fixture) (any, error) {
				ids := make([]string, 51)
				for i := range ids {
					ids[i] = "0198170e-0000-7000-8000-0000000000" + strconv.Itoa(10+i)
				}
				return f.b.deleteInstances(deleteInstancesRequest{InstanceIDSet: ids})
			},
			code: codeInvalidParam, status: 400, msg: []string{"at most 50"},
		},
		{
			name: "DeleteInstances starts the deletion",
			call: func(f *fixture) (any, error) {
				return f.b.deleteInstances(deleteInstancesRequest{InstanceIDSet: []string{f.running}})
			},
			check: func(t *testing.T, f *fixture, res any) {
				if got := as[instancesResponse](t, res).Instances; len(got) != 1 || got[0].ID != f.running {
					t.Fatalf("answer %+v: want the instance", got)
				}
				if s := f.state(t, f.running); s != stateShuttingDown {
					t.Fatalf("state %q, want shutting-down", s)
				}
				f.clock.Advance(time.Minute)
				if s := f.state(t, f.running); s != stateTerminated {
					t.Fatalf("state %q after the delete duration, want terminated", s)
				}
			},
		},
		{
			name: "DeleteInstance twice is accepted and changes nothing the second time",
			call: func(f *fixture) (any, error) {
				if err := f.b.deleteInstance(deleteInstanceRequest{ID: f.running}); err != nil {
					return nil, err
				}
				f.clock.Advance(30 * time.Second)
				return nil, f.b.deleteInstance(deleteInstanceRequest{ID: f.running})
			},
			check: func(t *testing.T, f *fixture, _ any) {
				// The second delete did not restart the deletion: it ends a
				// minute after the first.
				f.clock.Advance(30 * time.Second)
				if s := f.state(t, f.running); s != stateTerminated {
					t.Fatalf("state %q a minute after the first delete, want terminated", s)
				}
			},
		},
		{
			name: "ReinstallOS of a pending instance",
			call: func(f *fixture) (any, error) {
				res, err := f.b.createInstance(createReq("young"))
				if err != nil {
					return nil, err
				}
				return f.b.reinstallOS(reinstallOSRequest{Password: ptr(backendTestPassword), InstanceIDSet: []string{res.InstanceID}})
			},
			code: codeInstBadState, status: 400, msg: []string{"ReinstallOS"}, creates: 1,
		},
		{
			name: "ChangeInstancePassword of a running instance",
			call: func(f *fixture) (any, error) {
				return f.b.changeInstancePassword(changeInstancePasswordRequest{NewPassword: ptr("anything"), InstanceIDSet: []string{f.running}})
			},
			check: func(t *testing.T, f *fixture, res any) {
				if got := as[instancesResponse](t, res).Instances; len(got) != 1 || got[0].ID != f.running {
					t.Fatalf("answer %+v: want the instance", got)
				}
			},
		},
		{
			name: "ModifyInstanceIp with a bad address",
			call: func(f *fixture) (any, error) {
				return nil, f.b.modifyInstanceIP(modifyInstanceIPRequest{ID: f.running, Nics: []struct {
					SubnetID  *string `json:"subnet_id"`
					IPAddress *string `json:"ip_address"`
				}{{SubnetID: ptr("subnet-2"), IPAddress: ptr("10.0.0.300")}}})
			},
			code: codeInvalidParam, status: 400, msg: []string{"IPv4"},
		},
		{
			name: "ModifyInstanceIp of a running instance",
			call: func(f *fixture) (any, error) {
				return nil, f.b.modifyInstanceIP(modifyInstanceIPRequest{ID: f.running, Nics: []struct {
					SubnetID  *string `json:"subnet_id"`
					IPAddress *string `json:"ip_address"`
				}{{SubnetID: ptr("subnet-2"), IPAddress: ptr("10.0.0.7")}}})
			},
			check: func(t *testing.T, f *fixture, _ any) {
				l, _ := f.b.listInstances(listInstancesRequest{InstanceIDs: []string{f.running}})
				i := l.Instances[0]
				if i.State != statePending || i.OperationState != opModifyIPProcessing || i.NetworkInterfaces[0].IPv4Address != "10.0.0.7" {
					t.Fatalf("instance %+v: want pending modify-ip-processing with 10.0.0.7", i)
				}
			},
		},
		{
			name: "ListServers by manage state",
			call: func(f *fixture) (any, error) {
				return f.b.listServers(listServersRequest{ManageState: manageReady})
			},
			check: func(t *testing.T, f *fixture, res any) {
				if l := as[listServersResponse](t, res); l.Count != 2 || len(l.Servers) != 2 {
					t.Fatalf("ready servers %+v: want 2", l)
				}
			},
		},
		{
			name: "ListServers with an unknown manage state",
			call: func(f *fixture) (any, error) {
				return f.b.listServers(listServersRequest{ManageState: "asleep"})
			},
			code: codeInvalidParam, status: 400, msg: []string{"manage_state"},
		},
		{
			name: "ShowServer of an unknown server",
			call: func(f *fixture) (any, error) {
				return f.b.showServer(showServerRequest{ID: unknownID})
			},
			code: codeServerNotFound, status: 404, msg: []string{unknownID},
		},
		{
			name: "ChangeServerPowerState with an unknown action",
			call: func(f *fixture) (any, error) {
				return f.b.changeServerPowerState(changeServerPowerStateRequest{Action: ptr("hibernate"), ServerIDSet: []string{f.server}})
			},
			code: codeInvalidParam, status: 400, msg: []string{"hibernate"},
		},
		{
			name: "ChangeServerPowerState powers a server off and stops its instance",
			call: func(f *fixture) (any, error) {
				return f.b.changeServerPowerState(changeServerPowerStateRequest{Action: ptr(actionPowerOff), ServerIDSet: []string{f.server}})
			},
			check: func(t *testing.T, f *fixture, res any) {
				if got := as[powerStateResponse](t, res).PhysicalServers; len(got) != 1 || got[0].ID != f.server {
					t.Fatalf("answer %+v: want the server", got)
				}
				f.clock.Advance(time.Minute)
				srv, _ := f.b.showServer(showServerRequest{ID: f.server})
				if srv.PowerState != powerOff || f.state(t, f.running) != stateStopped {
					t.Fatalf("server %s, instance %s: want off and stopped", srv.PowerState, f.state(t, f.running))
				}
			},
		},
		{
			name: "ChangeServerPowerState while a power change is in progress",
			call: func(f *fixture) (any, error) {
				if _, err := f.b.changeServerPowerState(changeServerPowerStateRequest{Action: ptr(actionReboot), ServerIDSet: []string{f.free}}); err != nil {
					return nil, err
				}
				return f.b.changeServerPowerState(changeServerPowerStateRequest{Action: ptr(actionPowerOff), ServerIDSet: []string{f.free}})
			},
			code: codeServerNotReady, status: 400, msg: []string{"in progress"},
		},
		{
			name: "ChangeServerPowerState reboots a powered-off server without an off step",
			call: func(f *fixture) (any, error) {
				off := changeServerPowerStateRequest{Action: ptr(actionPowerOff), ServerIDSet: []string{f.free}}
				if _, err := f.b.changeServerPowerState(off); err != nil {
					return nil, err
				}
				f.clock.Advance(time.Minute)
				return f.b.changeServerPowerState(changeServerPowerStateRequest{Action: ptr(actionReboot), ServerIDSet: []string{f.free}})
			},
			check: func(t *testing.T, f *fixture, _ any) {
				for _, step := range []struct {
					after     time.Duration
					power, op string
				}{{0, powerOff, srvOpRebootProcessing}, {30 * time.Second, powerOff, srvOpRebootProcessing}, {30 * time.Second, powerOn, srvOpRebootSucceed}} {
					f.clock.Advance(step.after)
					srv, _ := f.b.showServer(showServerRequest{ID: f.free})
					if srv.PowerState != step.power || srv.OperationState != step.op {
						t.Fatalf("%v into the reboot: %s/%s, want %s/%s", step.after, srv.PowerState, srv.OperationState, step.power, step.op)
					}
				}
			},
		},
		{
			name: "ChangeServerPowerState on a frozen server",
			call: func(f *fixture) (any, error) {
				if _, err := f.b.setServerState(setServerStateRequest{ID: f.free, ServerState: ServerState{FrozenState: ptr(frozenPolice | frozenArrears)}}); err != nil {
					return nil, err
				}
				return f.b.changeServerPowerState(changeServerPowerStateRequest{Action: ptr(actionPowerOff), ServerIDSet: []string{f.free}})
			},
			code: codeServerNotReady, status: 400, msg: []string{"frozen_state is 5 (police, arrears)"},
		},
		{
			name: "ShowServerStatus counts the fixture's servers",
			call: func(f *fixture) (any, error) {
				return f.b.showServerStatus(showServerStatusRequest{})
			},
			check: func(t *testing.T, _ *fixture, res any) {
				st := as[serverStatusResponse](t, res)
				if st.ServerStatus.Total.Count != 3 || st.ServerStatus.Health.Count != 3 || st.ServerStatus.UnHealth.Count != 0 ||
					st.ServerPowerStatus.On != 3 || st.ServerManageState[manageInUse] != 1 || st.ServerManageState[manageReady] != 2 {
					t.Fatalf("ShowServerStatus = %+v", st)
				}
			},
		},
		{
			name: "setServerState of an unknown server",
			call: func(f *fixture) (any, error) {
				return f.b.setServerState(setServerStateRequest{ID: unknownID, ServerState: ServerState{HealthState: ptr(healthCritical)}})
			},
			code: codeServerNotFound, status: 404, msg: []string{unknownID},
		},
		{
			name: "createToken issues a token the backend accepts",
			call: func(f *fixture) (any, error) {
				var req createTokenRequest
				req.Auth.Identity.Methods = []string{"password"}
				req.Auth.Identity.Password.User.Name = "alice"
				req.Auth.Identity.Password.User.Password = "secret"
				return f.b.createToken(req)
			},
			check: func(t *testing.T, f *fixture, res any) {
				tok := as[createTokenResult](t, res)
				if err := f.b.verifyToken(tok.Token, f.clock.Now()); err != nil {
					t.Fatalf("issued token refused: %v", err)
				}
				if err := f.b.verifyToken(tok.Token, f.clock.Now().Add(DefaultTokenTTL)); err == nil {
					t.Fatal("token accepted after its TTL")
				}
				if tok.Body.Token.User.Name != "alice" || tok.Body.Token.Project.ID != DefaultProjectID {
					t.Fatalf("token body %+v", tok.Body)
				}
			},
		},
		{
			name: "createToken for another project",
			call: func(f *fixture) (any, error) {
				var req createTokenRequest
				req.Auth.Identity.Methods = []string{"password"}
				req.Auth.Identity.Password.User.Name = "alice"
				req.Auth.Identity.Password.User.Password = "secret"
				req.Auth.Scope.Project.ID = "ffffffffffffffffffffffffffffffff"
				return f.b.createToken(req)
			},
			code: codeUnauthorized, status: 401, msg: []string{"only project"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.countInstances()
			runningBefore := f.state(t, f.running)
			res, err := tt.call(f)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("failed: %v", err)
				}
				tt.check(t, f, res)
				return
			}
			ae, ok := err.(*apiError)
			if !ok {
				t.Fatalf("error %v (%T), want an *apiError %s", err, err, tt.code)
			}
			if ae.Code() != tt.code || ae.Status() != tt.status {
				t.Fatalf("error %v, want %d %s", ae, tt.status, tt.code)
			}
			for _, part := range tt.msg {
				if !strings.Contains(ae.msg, part) {
					t.Fatalf("message %q does not contain %q", ae.msg, part)
				}
			}
			// A refused call changes nothing.
			if after := f.countInstances(); after != before+tt.creates {
				t.Fatalf("%d instances after a refused call, want %d", after, before+tt.creates)
			}
			if s := f.state(t, f.running); s != runningBefore {
				t.Fatalf("running instance is %q after a refused call, was %q", s, runningBefore)
			}
		})
	}
}

// TestErrorKinds checks that every kind of API error has an error_code and
// an HTTP error status, so a new kind cannot be answered as 200 or with an
// empty code.
func TestErrorKinds(t *testing.T) {
	for k := kindInvalid; k <= kindBodyTooLarge; k++ {
		e := &apiError{kind: k}
		if !strings.Contains(e.Code(), ".") || e.Status() < 400 || http.StatusText(e.Status()) == "" {
			t.Errorf("kind %d: code %q status %d", k, e.Code(), e.Status())
		}
	}
	if len(errorKinds) != int(kindBodyTooLarge)+1 {
		t.Errorf("errorKinds has %d entries, want one per kind (%d)", len(errorKinds), kindBodyTooLarge+1)
	}
	if got := asAPIError(errTestPlain); got.Code() != codeInternal || got.Status() != 500 {
		t.Errorf("a plain error is answered as %v, want 500 %s", got, codeInternal)
	}
}

var errTestPlain = &plainError{}

type plainError struct{}

func (*plainError) Error() string { return "plain" }

// TestOperationsTable checks the operations table: every implemented
// operation has a success status, every route is unique, and the 501 ones
// have none.
func TestOperationsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, op := range operations() {
		if seen[op.pattern] || seen[op.name] {
			t.Errorf("%s %s: listed twice", op.name, op.pattern)
		}
		seen[op.pattern], seen[op.name] = true, true
		switch {
		case op.handle != nil && (op.status < 200 || op.status > 299):
			t.Errorf("%s: success status %d", op.name, op.status)
		case op.handle == nil && op.status != 0:
			t.Errorf("%s: not implemented but has success status %d", op.name, op.status)
		}
	}
}

// backendFiles are the files of the backend: the models, which must not
// know HTTP (the front end is router.go, handlers.go, auth.go, aksk.go,
// admin.go, stats.go, emulator.go; errors.go maps error kinds to statuses).
var backendFiles = []string{
	"backend.go", "instances.go", "servers.go", "tokens.go", "state.go", "lifecycle.go",
	"store.go", "validate.go", "seed.go", "wire.go", "limits.go", "faults.go",
}

func TestBackendKnowsNoHTTP(t *testing.T) {
	fset := token.NewFileSet()
	for _, name := range backendFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "net/http") {
				t.Errorf("%s imports %s: the backend must not know HTTP", name, p)
			}
		}
	}
}
