package clouddc

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// ListServers returns one page of physical servers
// (GET /v1/{project_id}/physicalservers).
func (c *Client) ListServers(ctx context.Context, req *ListServersRequest) (*ListServersResponse, error) {
	if req == nil {
		req = &ListServersRequest{}
	}
	q := url.Values{}
	if req.ManageState != "" {
		q.Set("manage_state", req.ManageState)
	}
	if req.Marker != "" {
		q.Set("marker", req.Marker)
	}
	if req.Limit > 0 {
		q.Set("limit", strconv.Itoa(req.Limit))
	}
	var out ListServersResponse
	err := c.do(ctx, operation{
		name: "ListServers", method: http.MethodGet, path: apiPath("physicalservers"),
		query: q, safety: safeToRepeat,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AllServers iterates over every physical server matching req, page after
// page. On error it yields a zero PhysicalServer with the error and stops.
func (c *Client) AllServers(ctx context.Context, req ListServersRequest) iter.Seq2[PhysicalServer, error] {
	return paginate(ctx, req.Marker, func(ctx context.Context, marker string) ([]PhysicalServer, *PageInfo, error) {
		page := req
		page.Marker = marker
		resp, err := c.ListServers(ctx, &page)
		if err != nil {
			return nil, nil, err
		}
		return resp.Servers, resp.PageInfo, nil
	})
}

// ShowServer returns one physical server (GET /v1/{project_id}/physicalservers/{id}).
func (c *Client) ShowServer(ctx context.Context, id string) (*PhysicalServer, error) {
	if id == "" {
		return nil, errors.New("CloudDC ShowServer: server ID is empty")
	}
	var out PhysicalServer
	err := c.do(ctx, operation{
		name: "ShowServer", method: http.MethodGet, path: apiPath("physicalservers", id),
		safety: safeToRepeat,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ChangeServerPowerState powers up to MaxBatchIDs physical servers on, off
// or reboots them (PUT /v1/{project_id}/physicalservers/power-state, 200;
// asynchronous: poll ShowServer).
func (c *Client) ChangeServerPowerState(ctx context.Context, req *ChangeServerPowerStateRequest) (*ChangeServerPowerStateResponse, error) {
	if req == nil {
		return nil, errors.New("CloudDC ChangeServerPowerState: request is nil")
	}
	switch req.Action {
	case PowerActionOn, PowerActionOff, PowerActionReboot:
	default:
		return nil, fmt.Errorf("CloudDC ChangeServerPowerState: action %q is not one of %q, %q, %q",
			req.Action, PowerActionOn, PowerActionOff, PowerActionReboot)
	}
	if err := checkBatch("ChangeServerPowerState", "server", req.ServerIDSet); err != nil {
		return nil, err
	}
	var out ChangeServerPowerStateResponse
	err := c.do(ctx, operation{
		name: "ChangeServerPowerState", method: http.MethodPut, path: apiPath("physicalservers", "power-state"),
		body: req, safety: retryBeforeSideEffect,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
