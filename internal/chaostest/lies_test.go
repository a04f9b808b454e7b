// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package chaostest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/e2e"
)

// lyingProxy is a reverse proxy to the emulator that misbehaves like a
// broken API gateway, on demand: intercept answers a request itself without
// passing it on (a route the gateway does not know), rewrite replaces the
// answer the emulator gave. Both are nil while it is honest.
type lyingProxy struct {
	URL string

	mu        sync.Mutex
	intercept func(r *http.Request) (status int, body string, ok bool)
	rewrite   func(r *http.Request, status int, body []byte) (int, []byte, bool)
	lies      atomic.Int64 // answers intercepted or rewritten
}

func newLyingProxy(t *testing.T, target string) *lyingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &lyingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		p.mu.Lock()
		rewrite := p.rewrite
		p.mu.Unlock()
		if rewrite == nil {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		status, out, lied := rewrite(resp.Request, resp.StatusCode, body)
		if lied {
			p.lies.Add(1)
		}
		resp.StatusCode = status
		resp.Body = io.NopCloser(bytes.NewReader(out))
		resp.ContentLength = int64(len(out))
		resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		intercept := p.intercept
		p.mu.Unlock()
		if intercept != nil {
			if status, body, ok := intercept(r); ok {
				p.lies.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// set changes how the proxy lies (nil, nil: honest) and resets the count.
func (p *lyingProxy) set(intercept func(*http.Request) (int, string, bool), rewrite func(*http.Request, int, []byte) (int, []byte, bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.intercept, p.rewrite = intercept, rewrite
	p.lies.Store(0)
}

// isListInstances reports a ListInstances request.
func isListInstances(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/v1/"+projectID+"/instances")
}

// perInstanceRE matches the per-instance routes: ShowInstanceStatus and DeleteInstance.
var perInstanceRE = regexp.MustCompile(`/v1/[0-9a-f]+/instances/[0-9a-f-]{36}(/status)?$`)

const gatewayNotFoundBody = `{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published in the environment","request_id":"gw-0101"}`

// instanceHCL is a clouddc_instance named name.
func instanceHCL(name, extra string) string {
	return fmt.Sprintf(`
resource "clouddc_instance" %[1]q {
  name               = %[1]q
  image_id           = %[2]q
  vpc_id             = %[3]q
  password           = %[4]q
  network_interfaces = [{ subnet_id = %[5]q }]
%[6]s
}
`, name, e2e.SeedImageID, e2e.SeedVpcID, e2e.SeedPassword, e2e.SeedSubnetID, extra)
}

// instancesInState returns every instance ID the state tracks: a fleet's
// ids, a batch's remaining_ids, an instance's id.
func instancesInState(ctx context.Context, t *testing.T, ws *e2e.Workspace) map[string]string {
	t.Helper()
	shown, err := ws.Show(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for addr, r := range shown {
		switch r.Type {
		case "clouddc_instances":
			for _, id := range r.MapKeys("instances") {
				out[id] = addr
			}
		case "clouddc_instances_batch_delete":
			for _, id := range r.StringSet("remaining_ids") {
				out[id] = addr
			}
		case "clouddc_instance":
			if id, ok := r.Values["id"].(string); ok {
				out[id] = addr
			}
		}
	}
	return out
}

// assertLiveInState fails for every instance of all that is alive in the
// emulator (not terminated) but no longer in Terraform's state: the broken
// promise this suite is about.
func assertLiveInState(ctx context.Context, t *testing.T, emu *e2e.Emulator, ws *e2e.Workspace, all []string, when string) {
	t.Helper()
	tracked := instancesInState(ctx, t, ws)
	for state, ids := range byState(ctx, t, emu) {
		if state == "terminated" {
			continue
		}
		for _, id := range ids {
			if _, ok := tracked[id]; !ok && slices.Contains(all, id) {
				t.Errorf("%s: instance %s is %s in CloudDC but no longer in Terraform's state", when, id, state)
			}
		}
	}
}

// TestLyingGateway puts a gateway that lies between terraform and the
// emulator. Through it, a refresh and a destroy never remove a live instance
// from state, and a destroy never reports success while an instance is
// alive; once the gateway is honest again, destroy completes.
//
//   - "ListInstances answers {}": every 2xx ListInstances answer is {} (no
//     instances array). The refresh fails; a destroy fails at its refresh,
//     and with -refresh=false fails its wait, keeping every instance.
//   - "per-instance calls answer APIGW.0101": ShowInstanceStatus and
//     DeleteInstance get the gateway's own 404 (route not found), with
//     optimize_api_calls = false so that the provider makes them. Refresh
//     (ListInstances) works; the destroy fails and keeps what is alive.
func TestLyingGateway(t *testing.T) {
	precheck(t)
	t.Run("ListInstances answers {}", func(t *testing.T) {
		t.Parallel()
		ctx := suiteCtx(t, 3*time.Minute)
		emu := startEmulator(t, "--servers", "4", "--delete-duration", "6s")
		proxy := newLyingProxy(t, emu.URL)
		p := tokenProvider(emu)
		p.Endpoint = proxy.URL
		ws := newWorkspace(t, p.HCL()+fleetHCL("liar", 3)+`
resource "clouddc_instances_batch_delete" "all" {
  instance_ids = keys(clouddc_instances.liar.instances)
}
`+instanceHCL("single", ""))
		tf(ctx, t, ws, applyArgs...)
		all := byState(ctx, t, emu)["running"]
		before := instancesInState(ctx, t, ws)
		if len(all) != 4 || len(before) != 4 {
			t.Fatalf("after apply: %d running instances, %d in state; want 4 and 4", len(all), len(before))
		}

		proxy.set(nil, func(r *http.Request, status int, body []byte) (int, []byte, bool) {
			if isListInstances(r) && status < 300 {
				return status, []byte(`{}`), true
			}
			return status, body, false
		})
		out := tfFails(ctx, t, ws, "apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
		if !strings.Contains(flatten(out), `no "instances" array`) {
			t.Errorf("the refresh error does not say what was odd:\n%s", errorSection(out))
		}
		if got := instancesInState(ctx, t, ws); len(got) != len(before) {
			t.Errorf("after the refresh through the lie the state tracks %v, want %v", got, before)
		}
		tfFails(ctx, t, ws, destroyArgs...)
		assertLiveInState(ctx, t, emu, ws, all, "after a destroy through the lie")

		// Without the refresh, the deletes go out and the wait sees only lies.
		out = tfFails(ctx, t, ws, append(slices.Clone(destroyArgs), "-refresh=false")...)
		t.Logf("destroy -refresh=false through the lie failed as it should:\n%s", errorSection(out))
		assertLiveInState(ctx, t, emu, ws, all, "after a destroy -refresh=false through the lie")
		if shutting := byState(ctx, t, emu)["shutting-down"]; len(shutting) == 0 {
			t.Error("no instance was shutting down after the destroy: the lie was not exercised during a wait")
		}
		if proxy.lies.Load() == 0 {
			t.Fatal("the proxy told no lie; the test proved nothing")
		}

		proxy.set(nil, nil)
		tf(ctx, t, ws, destroyArgs...)
		assertOnlyState(t, byState(ctx, t, emu), "terminated", 4)
		assertStateEmpty(ctx, t, ws)
	})

	t.Run("per-instance calls answer APIGW.0101", func(t *testing.T) {
		t.Parallel()
		ctx := suiteCtx(t, 3*time.Minute)
		emu := startEmulator(t, "--servers", "3", "--delete-duration", "4s")
		proxy := newLyingProxy(t, emu.URL)
		p := tokenProvider(emu)
		p.Endpoint = proxy.URL
		p.OptimizeAPICalls = "false"
		ws := newWorkspace(t, p.HCL()+strings.Replace(fleetHCL("gw", 2), "instance_count", "timeouts {\n    delete = \"3s\"\n  }\n  instance_count", 1)+instanceHCL("single", ""))
		tf(ctx, t, ws, applyArgs...)
		all := byState(ctx, t, emu)["running"]
		before := instancesInState(ctx, t, ws)
		if len(all) != 3 || len(before) != 3 {
			t.Fatalf("after apply: %d running instances, %d in state; want 3 and 3", len(all), len(before))
		}

		proxy.set(func(r *http.Request) (int, string, bool) {
			if perInstanceRE.MatchString(r.URL.Path) {
				return http.StatusNotFound, gatewayNotFoundBody, true
			}
			return 0, "", false
		}, nil)
		tf(ctx, t, ws, "apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
		if got := instancesInState(ctx, t, ws); len(got) != len(before) {
			t.Errorf("after the refresh the state tracks %v, want %v", got, before)
		}
		out := tfFails(ctx, t, ws, destroyArgs...)
		t.Logf("destroy through the gateway's 404s failed as it should:\n%s", errorSection(out))
		if !strings.Contains(flatten(out), "APIGW.0101") {
			t.Errorf("the destroy error does not name the gateway's error:\n%s", errorSection(out))
		}
		assertLiveInState(ctx, t, emu, ws, all, "after a destroy through the gateway's 404s")
		if proxy.lies.Load() == 0 {
			t.Fatal("the proxy told no lie; the test proved nothing")
		}
		if got := byState(ctx, t, emu)["running"]; len(got) != 1 {
			t.Errorf("%d instances running after the destroy, want 1 (the clouddc_instance, whose DeleteInstance the gateway refused)", len(got))
		}

		// The fleet's deletions went out (batch-delete is not a per-instance
		// route); let them finish within its 3s delete timeout's reach.
		waitInstances(ctx, t, emu, "terminated", 2, time.Minute)
		proxy.set(nil, nil)
		tf(ctx, t, ws, destroyArgs...)
		assertOnlyState(t, byState(ctx, t, emu), "terminated", 3)
		assertStateEmpty(ctx, t, ws)
	})
}
