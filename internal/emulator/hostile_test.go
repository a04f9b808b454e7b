package emulator_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// sdkPost signs a POST with the official SDK's signer at time at and sends it.
func sdkPost(t *testing.T, endpoint, path, body, ak, sk string, at time.Time) (int, []byte) {
	t.Helper()
	b := request.NewHttpRequestBuilder().WithEndpoint(endpoint).WithMethod(http.MethodPost).WithPath(path).
		AddHeaderParam("Content-Type", "application/json;charset=UTF-8").
		AddHeaderParam("X-Sdk-Date", at.UTC().Format("20060102T150405Z"))
	if body != "" {
		b.WithBody("", body)
	}
	headers, err := signer.Signer{}.Sign(b.Build(), ak, sk)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		b.AddHeaderParam(k, v)
	}
	req, err := b.Build().ConvertRequest()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// TestHostileInput sends a batch-delete of a running instance with one
// thing wrong at a time: each gets a clear error and changes nothing.
func TestHostileInput(t *testing.T) {
	clock := emulatortest.NewStepClock()
	a := newAPI(t, emulator.Config{AccessKey: testAK, SecretKey: testSK, Servers: 3, Now: clock.Now, TokenTTL: time.Hour})
	victim := a.create("victim")
	clock.Advance(time.Minute)
	a.waitState(victim, "running")
	_, hdr, _ := a.doWith("POST", a.srv.URL+"/v3/auth/tokens", tokenBody("alice", "pw", ""), nil)
	expired := hdr.Get("X-Subject-Token")
	clock.Advance(2 * time.Hour)

	good := `{"instance_id_set":["` + victim + `"]}`
	pid := a.srv.Config.ProjectID
	deletePath := "/v1/" + pid + "/instances/batch-delete"
	tok := map[string]string{"X-Auth-Token": a.srv.Config.Token}
	for _, tt := range []struct {
		name   string
		send   func() (int, []byte)
		status int
		code   string
		msg    string
	}{
		{"51 IDs", func() (int, []byte) {
			return a.postRaw(deletePath, `{"instance_id_set":["`+strings.Join(append(ids(50), victim), `","`)+`"]}`, tok)
		}, 400, "iMetal.0001", "at most 50"},
		{"duplicate IDs", func() (int, []byte) {
			return a.postRaw(deletePath, `{"instance_id_set":["`+victim+`","`+victim+`"]}`, tok)
		}, 400, "iMetal.0001", "duplicate"},
		{"empty set", func() (int, []byte) { return a.postRaw(deletePath, `{"instance_id_set":[]}`, tok) }, 400, "iMetal.0002", "instance_id_set"},
		{"non-UUID", func() (int, []byte) {
			return a.postRaw(deletePath, `{"instance_id_set":["`+victim+`","i-123"]}`, tok)
		}, 400, "iMetal.0001", "i-123"},
		{"upper-case UUID", func() (int, []byte) {
			return a.postRaw(deletePath, `{"instance_id_set":["`+strings.ToUpper(victim)+`"]}`, tok)
		}, 400, "iMetal.0001", "lowercase"},
		{"unknown ID", func() (int, []byte) {
			return a.postRaw(deletePath, `{"instance_id_set":["`+victim+`","`+unknownID+`"]}`, tok)
		}, 404, "iMetal.0200", unknownID},
		{"malformed JSON", func() (int, []byte) { return a.postRaw(deletePath, `{"instance_id_set":["`, tok) }, 400, "iMetal.0001", "JSON"},
		{"body over 1 MiB", func() (int, []byte) {
			return a.postRaw(deletePath, `{"instance_id_set":["`+victim+`"],"pad":"`+strings.Repeat("x", 1<<20)+`"}`, tok)
		}, 413, "iMetal.0001", "larger than"},
		{"missing token", func() (int, []byte) { return a.postRaw(deletePath, good, nil) }, 401, "iMetal.0003", "no credentials"},
		{"wrong token", func() (int, []byte) {
			return a.postRaw(deletePath, good, map[string]string{"X-Auth-Token": "nope"})
		}, 401, "iMetal.0003", "not valid"},
		{"expired token", func() (int, []byte) {
			return a.postRaw(deletePath, good, map[string]string{"X-Auth-Token": expired})
		}, 401, "iMetal.0003", "expired"},
		{"another project's path", func() (int, []byte) {
			return a.postRaw("/v1/ffffffffffffffffffffffffffffffff/instances/batch-delete", good, tok)
		}, 403, "iMetal.0004", "Insufficient permissions"},
		{"bad signature", func() (int, []byte) {
			return sdkPost(t, a.srv.URL, deletePath, good, testAK, "wrong-secret", clock.Now())
		}, 401, "iMetal.0003", "signature"},
		{"unknown access key", func() (int, []byte) {
			return sdkPost(t, a.srv.URL, deletePath, good, "OTHERAK", testSK, clock.Now())
		}, 401, "iMetal.0003", "access key"},
		{"clock skew over 15 minutes", func() (int, []byte) {
			return sdkPost(t, a.srv.URL, deletePath, good, testAK, testSK, clock.Now().Add(-16*time.Minute))
		}, 401, "iMetal.0003", "15m0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := a.stateSnapshot()
			status, data := tt.send()
			wantError(t, status, data, tt.status, tt.code, tt.msg)
			if after := a.stateSnapshot(); after != before {
				t.Fatalf("the refused request changed the state:\n%s\n%s", before, after)
			}
			if s := a.status(victim); s.State != "running" {
				t.Fatalf("victim is %q after a refused delete", s.State)
			}
		})
	}
	// The same request, correctly signed within the allowed skew, works.
	status, data := sdkPost(t, a.srv.URL, deletePath, good, testAK, testSK, clock.Now().Add(-14*time.Minute))
	if status != http.StatusAccepted {
		t.Fatalf("correctly signed delete: %d %s", status, data)
	}
	if s := a.status(victim); s.State != "shutting-down" {
		t.Fatalf("victim is %q after an accepted delete, want shutting-down", s.State)
	}
}

// postRaw posts a raw body to an absolute API path and returns status and body.
func (a *api) postRaw(path, body string, headers map[string]string) (int, []byte) {
	a.t.Helper()
	status, _, data := a.doWith(http.MethodPost, a.srv.URL+path, body, headers)
	return status, data
}

// stateSnapshot renders every instance and server.
func (a *api) stateSnapshot() string {
	a.t.Helper()
	_, _, inst := a.do("GET", "/instances?limit=1000", nil)
	_, _, srv := a.do("GET", "/physicalservers?limit=1000", nil)
	return string(inst) + string(srv)
}
