// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

// olderDeployment puts a proxy in front of srv that answers ShowServer and
// ListServers in the server model before SDK 0.1.190, as an older CloudDC
// deployment does: a change in progress shows in power_state (powering-on,
// powering-off, rebooting) and there is no operation_state; there is no
// frozen_state, and a frozen server has manage_state frozen; ShowServerStatus
// spells unHealth unhealth and has no server_manage_state. Everything else
// passes through unchanged. The returned server has the proxy's URL
// and srv's emulator and configuration.
func olderDeployment(t *testing.T, srv *emulatortest.Server) *emulatortest.Server {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	servers := "/v1/" + srv.Config.ProjectID + "/physicalservers"
	proxy.ModifyResponse = func(resp *http.Response) error {
		p := resp.Request.URL.Path
		id, _ := strings.CutPrefix(p, servers+"/")
		showServer := id != p && id != "" && !strings.Contains(id, "/")
		if resp.Request.Method != http.MethodGet || resp.StatusCode != http.StatusOK || (p != servers && !showServer) {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			return fmt.Errorf("older deployment proxy: %s: %w", p, err)
		}
		if id == "status" {
			if st, ok := doc["server_status"].(map[string]any); ok {
				st["unhealth"] = st["unHealth"]
				delete(st, "unHealth")
			}
			delete(doc, "server_manage_state")
		} else if list, ok := doc["servers"].([]any); ok {
			for _, s := range list {
				if m, ok := s.(map[string]any); ok {
					toOlderServer(m)
				}
			}
		} else {
			toOlderServer(doc)
		}
		if body, err = json.Marshal(doc); err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	return &emulatortest.Server{URL: ps.URL, Emulator: srv.Emulator, Config: srv.Config}
}

// toOlderServer rewrites one server object into the older model.
func toOlderServer(s map[string]any) {
	switch op, _ := s["operation_state"].(string); op {
	case "power-on-processing":
		s["power_state"] = "powering-on"
	case "power-off-processing":
		s["power_state"] = "powering-off"
	case "reboot-processing":
		s["power_state"] = "rebooting"
	}
	delete(s, "operation_state")
	if f, _ := s["frozen_state"].(float64); f != 0 {
		s["manage_state"] = "frozen"
	}
	delete(s, "frozen_state")
}

// withoutFrozenFilter puts a proxy in front of srv that refuses the
// ListServers filter manage_state=frozen with 400 iMetal.0001, as a
// deployment of SDK 0.1.190 and later may (frozen left the enum), so tests
// can check that nothing depends on the API accepting it.
func withoutFrozenFilter(t *testing.T, srv *emulatortest.Server) *emulatortest.Server {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("manage_state") == "frozen" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error_code":"iMetal.0001","error_msg":"A request parameter contains invalid or unsupported value: manage_state"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.Close)
	return &emulatortest.Server{URL: ps.URL, Emulator: srv.Emulator, Config: srv.Config}
}
