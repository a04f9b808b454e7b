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
	var wire struct {
		Servers  *[]PhysicalServer `json:"servers"`
		PageInfo *PageInfo         `json:"page_info"`
		Count    *int              `json:"count"`
	}
	ans, err := c.do(ctx, operation{
		name: "ListServers", method: http.MethodGet, path: apiPath("physicalservers"),
		query: q, safety: safeToRepeat,
	}, &wire)
	if err != nil {
		return nil, err
	}
	if wire.Servers == nil {
		return nil, ans.bodyError("ListServers", `no "servers" array`)
	}
	return &ListServersResponse{Servers: *wire.Servers, PageInfo: wire.PageInfo, Count: wire.Count, RequestID: ans.requestID}, nil
}

// AllServers iterates over every physical server matching req, page after
// page, with the same bounds as AllInstances (a page budget from count, no
// repeated marker). On error it yields a zero PhysicalServer with the error
// and stops.
func (c *Client) AllServers(ctx context.Context, req ListServersRequest) iter.Seq2[PhysicalServer, error] {
	return func(yield func(PhysicalServer, error) bool) {
		l := NewListing("ListServers", nil, req.Marker)
		pages := paginate(ctx, req.Marker, func(ctx context.Context, marker string) ([]PhysicalServer, string, error) {
			page := req
			page.Marker = marker
			resp, err := c.ListServers(ctx, &page)
			if err != nil {
				return nil, "", err
			}
			next, err := l.Servers(resp)
			return resp.Servers, next, err
		})
		for s, err := range pages {
			if !yield(s, err) || err != nil {
				return
			}
		}
	}
}

// ShowServer returns one physical server (GET /v1/{project_id}/physicalservers/{id}).
func (c *Client) ShowServer(ctx context.Context, id string) (*PhysicalServer, error) {
	if id == "" {
		return nil, errors.New("CloudDC ShowServer: server ID is empty")
	}
	var out PhysicalServer
	ans, err := c.do(ctx, operation{
		name: "ShowServer", method: http.MethodGet, path: apiPath("physicalservers", id),
		safety: safeToRepeat,
	}, &out)
	if err != nil {
		return nil, err
	}
	switch {
	case out.ID == "":
		return nil, ans.bodyError("ShowServer", `no "id"`)
	case out.ID != id:
		return nil, ans.bodyError("ShowServer", fmt.Sprintf("it describes server %s, not %s", out.ID, id))
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
	_, err := c.do(ctx, operation{
		name: "ChangeServerPowerState", method: http.MethodPut, path: apiPath("physicalservers", "power-state"),
		body: req, safety: retryBeforeSideEffect,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
