package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
)

// fuzzTargets are the requests whose bodies or queries FuzzRequestDecoding
// varies; {id} is replaced with an existing instance or server ID.
var fuzzTargets = []struct{ method, path string }{
	{"POST", "/v1/P/instances"},
	{"POST", "/v1/P/instances/batch-create"},
	{"POST", "/v1/P/instances/batch-delete"},
	{"PUT", "/v1/P/instances/reinstall"},
	{"PUT", "/v1/P/instances/password"},
	{"PUT", "/v1/P/instances/{id}/ip"},
	{"PUT", "/v1/P/physicalservers/power-state"},
	{"POST", "/v3/auth/tokens"},
	{"GET", "/v1/P/instances?"},
	{"GET", "/v1/P/physicalservers?"},
}

// FuzzRequestDecoding sends arbitrary bodies (and queries) to every
// operation that decodes one. Whatever arrives, the emulator must answer
// with a documented status (never 5xx), errors must be in the API's
// format, and a refused request must change nothing.
func FuzzRequestDecoding(f *testing.F) {
	f.Add(uint8(0), []byte(`{"name":"bm","image_id":"i","vpc_id":"v","network_interfaces":[{"subnet_id":"s"}],"password":"Passw0rd!x"}`))
	f.Add(uint8(1), []byte(`{"name":"bm","image_id":"i","vpc_id":"v","network_interfaces":[{"subnet_id":"s"}],"password":"Passw0rd!x","min_count":2,"max_count":3}`))
	f.Add(uint8(2), []byte(`{"instance_id_set":["{id}"]}`))
	f.Add(uint8(3), []byte(`{"password":"Passw0rd!x","instance_id_set":["{id}"]}`))
	f.Add(uint8(4), []byte(`{"new_password":"x","instance_id_set":["{id}","{id}"]}`))
	f.Add(uint8(5), []byte(`{"vpc_id":"v","nics":[{"subnet_id":"s","ip_address":"10.0.0.1"}]}`))
	f.Add(uint8(6), []byte(`{"action":"power off","server_id_set":["{id}"]}`))
	f.Add(uint8(7), []byte(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"u","password":"p"}}}}}`))
	f.Add(uint8(8), []byte(`limit=20&instance_state=running&instance_id={id}`))
	f.Add(uint8(9), []byte(`manage_state=ready&marker={id}&limit=x`))
	f.Add(uint8(2), []byte(`{"instance_id_set":null}`))
	f.Add(uint8(0), []byte(`{"name":"\u0000","metadata":{"":""},"network_interfaces":[{}, {}, {}]}`))
	f.Add(uint8(1), []byte(`{"min_count":-2147483648,"max_count":2147483647}`))
	f.Add(uint8(5), []byte(`[]`))

	fixed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	emu, err := emulator.New(emulator.Config{Token: "t", Servers: 20, CreateDuration: time.Minute, DeleteDuration: time.Minute,
		Now: func() time.Time { return fixed }, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = emu.Close() })
	pid := emulator.DefaultProjectID
	serve := func(method, target string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, bytes.NewReader(body))
		req.Header.Set("X-Auth-Token", "t")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		return rec
	}
	create := serve("POST", "/v1/"+pid+"/instances", []byte(`{"name":"seed","image_id":"i","vpc_id":"v","network_interfaces":[{"subnet_id":"s"}],"password":"Passw0rd!x"}`))
	var created struct {
		InstanceID string `json:"instance_id"`
	}
	if err := json.Unmarshal(create.Body.Bytes(), &created); err != nil {
		f.Fatalf("seed instance: %s", create.Body)
	}
	snapshot := func() string {
		return serve("GET", "/v1/"+pid+"/instances?limit=1000", nil).Body.String() +
			serve("GET", "/v1/"+pid+"/physicalservers?limit=1000", nil).Body.String()
	}
	allowed := map[int]bool{200: true, 201: true, 202: true, 204: true, 400: true, 401: true, 404: true, 413: true}

	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		target := fuzzTargets[int(op)%len(fuzzTargets)]
		body = bytes.ReplaceAll(body, []byte("{id}"), []byte(created.InstanceID))
		path := bytes.ReplaceAll([]byte(target.path), []byte("{id}"), []byte(created.InstanceID))
		path = bytes.ReplaceAll(path, []byte("/P/"), []byte("/"+pid+"/"))
		var rec *httptest.ResponseRecorder
		before := snapshot()
		if target.method == "GET" {
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path = string(bytes.TrimSuffix(path, []byte("?")))
			req.URL.RawQuery = string(body)
			req.Header.Set("X-Auth-Token", "t")
			rec = httptest.NewRecorder()
			emu.ServeHTTP(rec, req)
		} else {
			rec = serve(target.method, string(path), body)
		}
		if !allowed[rec.Code] {
			t.Fatalf("%s %s with %q: status %d (%s)", target.method, path, body, rec.Code, rec.Body)
		}
		if rec.Header().Get("X-Request-Id") == "" {
			t.Fatal("no X-Request-Id")
		}
		if rec.Code >= 400 {
			var e struct {
				Code string `json:"error_code"`
				Msg  string `json:"error_msg"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Msg == "" {
				t.Fatalf("error answer %q is not in the API's format: %v", rec.Body, err)
			}
			if after := snapshot(); after != before {
				t.Fatalf("%s %s with %q was refused (%d %s) but changed the state", target.method, path, body, rec.Code, rec.Body)
			}
		}
		if rec.Code == http.StatusOK || rec.Code == http.StatusAccepted || rec.Code == http.StatusCreated {
			if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("success answer is not JSON: %q", rec.Body)
			}
		}
	})
}
