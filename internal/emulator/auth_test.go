package emulator_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

func tokenBody(user, password, projectID string) map[string]any {
	scope := map[string]any{"name": "cn-southwest-2"}
	if projectID != "" {
		scope = map[string]any{"id": projectID}
	}
	return map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "password": password, "domain": map[string]any{"name": "acme"}}}},
		"scope": map[string]any{"project": scope},
	}}
}

func TestAuthentication(t *testing.T) {
	clock := emulatortest.NewStepClock()
	a := newAPI(t, emulator.Config{Now: clock.Now, TokenTTL: time.Hour})
	list := a.path("/instances")

	status, hdr, data := a.doWith("POST", a.srv.URL+"/v3/auth/tokens", tokenBody("alice", "secret", ""), nil)
	if status != http.StatusCreated || hdr.Get("X-Subject-Token") == "" || !strings.Contains(string(data), `"expires_at"`) {
		t.Fatalf("token issuance: %d %s, token %q", status, data, hdr.Get("X-Subject-Token"))
	}
	issued := hdr.Get("X-Subject-Token")

	for _, tt := range []struct {
		name    string
		headers map[string]string
		status  int
		msg     string
	}{
		{"static token", map[string]string{"X-Auth-Token": a.srv.Config.Token}, 200, ""},
		{"issued token", map[string]string{"X-Auth-Token": issued}, 200, ""},
		{"no credentials", nil, 401, "no credentials"},
		{"wrong token", map[string]string{"X-Auth-Token": "test-tokenx"}, 401, "not valid"},
		{"tampered issued token", map[string]string{"X-Auth-Token": issued[:len(issued)-2] + "AA"}, 401, "not valid"},
		{"AK/SK not configured", map[string]string{"Authorization": "SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date, Signature=00"}, 401, "not configured"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, _, data := a.doWith("GET", list, nil, tt.headers)
			if tt.status == 200 {
				if status != 200 {
					t.Fatalf("status %d, want 200: %s", status, data)
				}
				return
			}
			wantError(t, status, data, tt.status, "iMetal.0003", "Unauthorized", tt.msg)
		})
	}

	clock.Advance(time.Hour)
	status, _, data = a.doWith("GET", list, nil, map[string]string{"X-Auth-Token": issued})
	wantError(t, status, data, http.StatusUnauthorized, "iMetal.0003", "expired")

	// Another project's path: the credentials are fine, the project is not.
	status, _, data = a.doWith("GET", a.srv.URL+"/v1/ffffffffffffffffffffffffffffffff/instances", nil, map[string]string{"X-Auth-Token": a.srv.Config.Token})
	wantError(t, status, data, http.StatusForbidden, "iMetal.0004", "Insufficient permissions")
	// Without credentials it is 401 first.
	status, _, data = a.doWith("GET", a.srv.URL+"/v1/ffffffffffffffffffffffffffffffff/instances", nil, nil)
	wantError(t, status, data, http.StatusUnauthorized, "iMetal.0003")
}

func TestTokenIssuanceValidation(t *testing.T) {
	a := newAPI(t, emulator.Config{})
	url := a.srv.URL + "/v3/auth/tokens"
	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"empty password", tokenBody("alice", "", ""), 401, "iMetal.0003"},
		{"empty user", tokenBody("", "pw", ""), 401, "iMetal.0003"},
		{"other project", tokenBody("alice", "pw", "ffffffffffffffffffffffffffffffff"), 401, "iMetal.0003"},
		{"malformed", `{"auth":`, 400, "iMetal.0001"},
		{"token method", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"token"}}}}, 400, "iMetal.0001"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, data := a.doWith("POST", url, tt.body, nil)
			wantError(t, status, data, tt.status, tt.code)
			if hdr.Get("X-Subject-Token") != "" {
				t.Fatal("a token was issued")
			}
		})
	}
	status, hdr, _ := a.doWith("POST", url, tokenBody("alice", "pw", a.srv.Config.ProjectID), nil)
	if status != http.StatusCreated || hdr.Get("X-Subject-Token") == "" {
		t.Fatalf("scope with the served project ID: %d, want 201 with a token", status)
	}
}

func TestIssuedTokenSurvivesRestart(t *testing.T) {
	file := t.TempDir() + "/state.db"
	cfg := emulator.Config{StateFile: file, Token: "static"}
	a := newAPI(t, cfg)
	_, hdr, _ := a.doWith("POST", a.srv.URL+"/v3/auth/tokens", tokenBody("alice", "pw", ""), nil)
	tok := hdr.Get("X-Subject-Token")
	if err := a.srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	b := newAPI(t, cfg)
	if status, _, data := b.doWith("GET", b.path("/instances"), nil, map[string]string{"X-Auth-Token": tok}); status != http.StatusOK {
		t.Fatalf("issued token after restart: %d %s", status, data)
	}
}

// TestRequestLogsCarryNoSecrets checks that the structured request log
// names each request but never a token, signature or password.
func TestRequestLogsCarryNoSecrets(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := newAPI(t, emulator.Config{Token: "secret-static-token", Logger: logger})
	a.create("logged")
	a.doWith("POST", a.srv.URL+"/v3/auth/tokens", tokenBody("alice", "alice-password", ""), nil)
	a.doWith("GET", a.path("/instances"), nil, map[string]string{"Authorization": "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=deadbeefsignature"})
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{`"operation":"CreateInstance"`, `"status":202`, `"operation":"KeystoneCreateToken"`, `"request_id":"`} {
		if !strings.Contains(out, want) {
			t.Fatalf("log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{"secret-static-token", testPassword, "alice-password", "deadbeefsignature", "emu1."} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains the secret %q:\n%s", secret, out)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
