package emulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

const testPassword = "Passw0rd!x"

// api is a tiny token-auth client for tests.
type api struct {
	t   testing.TB
	srv *emulatortest.Server
}

func newAPI(t testing.TB, cfg emulator.Config) *api {
	t.Helper()
	return &api{t: t, srv: emulatortest.Start(t, cfg)}
}

func (a *api) path(p string) string {
	return a.srv.URL + "/v1/" + a.srv.Config.ProjectID + p
}

// do sends a request with the test token and returns status, headers and body.
func (a *api) do(method, path string, body any) (int, http.Header, []byte) {
	a.t.Helper()
	return a.doWith(method, path, body, map[string]string{"X-Auth-Token": a.srv.Config.Token})
}

func (a *api) doWith(method, path string, body any, headers map[string]string) (int, http.Header, []byte) {
	a.t.Helper()
	status, hdr, data, err := a.send(method, path, body, headers)
	if err != nil {
		a.t.Fatal(err)
	}
	return status, hdr, data
}

// send is doWith without failing the test: it is safe in any goroutine.
func (a *api) send(method, path string, body any, headers map[string]string) (int, http.Header, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(data)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = a.path(path)
	}
	req, err := http.NewRequestWithContext(a.t.Context(), method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, data, nil
}

// mustDo is do that fails the test unless the status is want; it decodes
// the body into out when out is not nil.
func (a *api) mustDo(method, path string, body any, want int, out any) {
	a.t.Helper()
	status, _, data := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

type apiErr struct {
	Code string `json:"error_code"`
	Msg  string `json:"error_msg"`
}

// wantError checks an error answer's status, code and that its message contains every part.
func wantError(t testing.TB, status int, data []byte, wantStatus int, wantCode string, msgParts ...string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d; body %s", status, wantStatus, data)
	}
	var e apiErr
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("error body %s is not the API error format: %v", data, err)
	}
	if e.Code != wantCode {
		t.Fatalf("error_code %q, want %q (msg %q)", e.Code, wantCode, e.Msg)
	}
	for _, p := range msgParts {
		if !strings.Contains(e.Msg, p) {
			t.Fatalf("error_msg %q does not contain %q", e.Msg, p)
		}
	}
}

func createBody(name string) map[string]any {
	return map[string]any{
		"name":               name,
		"image_id":           "0198170e-0000-7000-8000-00000000abcd",
		"vpc_id":             "vpc-1",
		"network_interfaces": []map[string]any{{"subnet_id": "subnet-1"}},
		"password":           testPassword,
	}
}

// create makes one instance and returns its ID.
func (a *api) create(name string) string {
	a.t.Helper()
	var out struct {
		InstanceID string `json:"instance_id"`
	}
	a.mustDo("POST", "/instances", createBody(name), http.StatusAccepted, &out)
	return out.InstanceID
}

type status struct {
	State          string `json:"state"`
	OperationState string `json:"operation_state"`
	Error          *struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
		Type string `json:"error_type"`
	} `json:"error"`
}

func (a *api) status(id string) status {
	a.t.Helper()
	var s status
	a.mustDo("GET", "/instances/"+id+"/status", nil, http.StatusOK, &s)
	return s
}

// waitState polls until the instance is in state, failing after 5s.
func (a *api) waitState(id, state string) status {
	a.t.Helper()
	s, err := a.pollState(id, state)
	if err != nil {
		a.t.Fatal(err)
	}
	return s
}

// pollState polls until the instance is in state; it is safe to call from
// any goroutine.
func (a *api) pollState(id, state string) (status, error) {
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	url := a.path("/instances/" + id + "/status")
	for {
		req, err := http.NewRequestWithContext(a.t.Context(), "GET", url, nil)
		if err != nil {
			return status{}, err
		}
		req.Header.Set("X-Auth-Token", a.srv.Config.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return status{}, err
		}
		var s status
		err = json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return status{}, fmt.Errorf("status of %s: %d %v", id, resp.StatusCode, err)
		}
		if s.State == state {
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("instance %s: state %q after 5s, want %q", id, s.State, state)
		}
		select {
		case <-a.t.Context().Done():
			return s, a.t.Context().Err()
		case <-tick.C:
		}
	}
}
