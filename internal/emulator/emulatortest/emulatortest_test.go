package emulatortest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator"
	"github.com/clouddc-community/terraform-provider-clouddc/internal/emulator/emulatortest"
)

func TestStartFillsDefaults(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{})
	c := srv.Config
	if c.ProjectID != emulatortest.DefaultProjectID || c.Token != "test-token" || c.Servers != 200 ||
		c.CreateDuration != 50*time.Millisecond || c.DeleteDuration != 50*time.Millisecond || c.TerminatedTTL != time.Minute {
		t.Fatalf("defaults not filled: %+v", c)
	}
	req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v1/"+c.ProjectID+"/physicalservers?limit=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Count int `json:"count"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK || list.Count != 200 {
		t.Fatalf("ListServers: %d, count %d, %v; want 200 servers", resp.StatusCode, list.Count, err)
	}
}

func TestStartKeepsGivenValues(t *testing.T) {
	srv := emulatortest.Start(t, emulator.Config{ProjectID: "p1", Token: "tok", Servers: 3, CreateDuration: time.Second})
	c := srv.Config
	if c.ProjectID != "p1" || c.Token != "tok" || c.Servers != 3 || c.CreateDuration != time.Second {
		t.Fatalf("given values overridden: %+v", c)
	}
	if got := len(srv.Emulator.Stats().Requests); got != 0 {
		t.Fatalf("fresh emulator has %d request counters", got)
	}
}
