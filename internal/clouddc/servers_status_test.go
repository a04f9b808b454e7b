package clouddc

import (
	"net/http"
	"strings"
	"testing"
)

// TestShowServerStatus decodes ShowServerStatus answers of each generation
// and refuses answers that count nothing.
func TestShowServerStatus(t *testing.T) {
	const counts = `"total":{"count":5,"dc_stats":{"GY-DC1":5}},"ok":{"count":4,"dc_stats":{"GY-DC1":4}},` +
		`"warning":{"count":1,"dc_stats":{"GY-DC1":1}},"critical":{"count":0,"dc_stats":{}},"health":{"count":4,"dc_stats":{"GY-DC1":4}},` +
		`"isolation":{"count":0,"dc_stats":{}}`
	for _, tt := range []struct {
		name, body    string
		wantUnhealthy int
		wantManage    map[string]int
		wantErr       string
	}{
		{"SDK 0.1.192: unHealth", `{"server_status":{` + counts + `,"unHealth":{"count":1,"dc_stats":{"GY-DC1":1}}},` +
			`"server_power_status":{"on":4,"off":1},"server_manage_state":{"ready":3,"in-use":1,"maintain":1}}`,
			1, map[string]int{"ready": 3, "in-use": 1, "maintain": 1}, ""},
		{"before 0.1.192: unhealth, no manage state", `{"server_status":{` + counts + `,"unhealth":{"count":2,"dc_stats":{"GY-DC1":2}}},` +
			`"server_power_status":{"on":4,"off":1,"unknown":0}}`, 2, nil, ""},
		{"both spellings: unHealth wins", `{"server_status":{"unhealth":{"count":9},"unHealth":{"count":1}}}`, 1, nil, ""},
		{"empty object", `{}`, 0, nil, "no server_status"},
		{"empty body", ``, 0, nil, "no server_status"},
		{"not JSON", `<html>`, 0, nil, "decode"},
		{"a count of the wrong type", `{"server_status":{"total":{"count":"5"}}}`, 0, nil, "decode"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{replies: []reply{{status: http.StatusOK, body: tt.body}}}
			c, _ := newTestClient(t, rec)
			st, err := c.ShowServerStatus(t.Context())
			if reqs := rec.requests(); len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/v1/"+testProject+"/physicalservers/status" {
				t.Fatalf("requests %+v: want one GET of /physicalservers/status", reqs)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want an error containing %q, got %v (%+v)", tt.wantErr, err, st)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.ServerStatus == nil || st.ServerStatus.UnHealth == nil || st.ServerStatus.UnHealth.Count != tt.wantUnhealthy {
				t.Fatalf("unhealthy count of %+v: want %d", st.ServerStatus, tt.wantUnhealthy)
			}
			if len(st.ServerManageState) != len(tt.wantManage) {
				t.Fatalf("server_manage_state %v, want %v", st.ServerManageState, tt.wantManage)
			}
			for k, n := range tt.wantManage {
				if st.ServerManageState[k] != n {
					t.Fatalf("server_manage_state %v, want %v", st.ServerManageState, tt.wantManage)
				}
			}
		})
	}
}

// TestPhysicalServerFrozen reads a frozen server in either model.
func TestPhysicalServerFrozen(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tt := range []struct {
		s    PhysicalServer
		want bool
	}{
		{PhysicalServer{ManageState: ManageStateReady}, false},
		{PhysicalServer{ManageState: ManageStateReady, FrozenState: n(0)}, false},
		{PhysicalServer{ManageState: ManageStateReady, FrozenState: n(FrozenForArrears)}, true},
		{PhysicalServer{ManageState: ManageStateInUse, FrozenState: n(FrozenByPolice | FrozenByViolation)}, true},
		{PhysicalServer{ManageState: ManageStateFrozen}, true},
	} {
		if got := tt.s.Frozen(); got != tt.want {
			t.Errorf("Frozen() of %+v = %v, want %v", tt.s, got, tt.want)
		}
	}
}
