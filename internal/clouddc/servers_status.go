package clouddc

import (
	"context"
	"net/http"
)

// ShowServerStatus returns the project's physical servers counted by
// health, power and manage state (GET /v1/{project_id}/physicalservers/status).
// An answer that carries none of the three blocks is an error: it counts
// nothing.
func (c *Client) ShowServerStatus(ctx context.Context) (*ServerStatusResponse, error) {
	var out ServerStatusResponse
	ans, err := c.do(ctx, operation{
		name: "ShowServerStatus", method: http.MethodGet, path: apiPath("physicalservers", "status"),
		safety: safeToRepeat,
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.ServerStatus == nil && out.ServerPowerStatus == nil && out.ServerManageState == nil {
		return nil, ans.bodyError("ShowServerStatus", "no server_status, server_power_status or server_manage_state")
	}
	return &out, nil
}
