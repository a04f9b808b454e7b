package clouddc

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// CreateInstance creates one instance (POST /v1/{project_id}/instances). The
// API answers 200/201/202 and creates asynchronously: wait for "running".
// A 2xx answer without a lower-case UUID instance_id is an *AnswerError: the
// instance may have been created, but nothing can be tracked without its ID.
func (c *Client) CreateInstance(ctx context.Context, req *CreateInstanceRequest) (*CreateInstanceResponse, error) {
	if req == nil {
		return nil, errors.New("CloudDC CreateInstance: request is nil")
	}
	var out CreateInstanceResponse
	ans, err := c.do(ctx, operation{
		name: "CreateInstance", method: http.MethodPost, path: apiPath("instances"),
		body: req, safety: retryBeforeSideEffect,
	}, &out)
	if err != nil {
		return nil, err
	}
	switch {
	case out.InstanceID == "":
		return nil, ans.bodyError("CreateInstance", `no "instance_id"`)
	case !IsInstanceID(out.InstanceID):
		return nil, ans.bodyError("CreateInstance", fmt.Sprintf(`the "instance_id" %q is not a lower-case UUID`, out.InstanceID))
	}
	return &out, nil
}

// RunInstances creates instances in a batch
// (POST /v1/{project_id}/instances/batch-create). A 2xx answer must list
// between min_count and max_count distinct lower-case UUID instance IDs;
// anything else is an *AnswerError (instances may have been created).
func (c *Client) RunInstances(ctx context.Context, req *RunInstancesRequest) (*InstancesResponse, error) {
	if req == nil {
		return nil, errors.New("CloudDC RunInstances: request is nil")
	}
	var wire instancesWire
	ans, err := c.do(ctx, operation{
		name: "RunInstances", method: http.MethodPost, path: apiPath("instances", "batch-create"),
		body: req, safety: retryBeforeSideEffect,
	}, &wire)
	if err != nil {
		return nil, err
	}
	if problem := checkRunInstances(req, wire.Instances); problem != "" {
		return nil, ans.bodyError("RunInstances", problem)
	}
	return &InstancesResponse{Instances: *wire.Instances}, nil
}

// ListInstances returns one page of instances (GET /v1/{project_id}/instances).
// InstanceIDs and ServerIDs hold at most MaxFilterIDs each and exclude each
// other; AllInstances lifts both limits.
func (c *Client) ListInstances(ctx context.Context, req *ListInstancesRequest) (*ListInstancesResponse, error) {
	if req == nil {
		req = &ListInstancesRequest{}
	}
	if len(req.InstanceIDs) > 0 && len(req.ServerIDs) > 0 {
		return nil, errors.New("CloudDC ListInstances: the instance_id and server_id filters cannot be combined")
	}
	if len(req.InstanceIDs) > MaxFilterIDs || len(req.ServerIDs) > MaxFilterIDs {
		return nil, fmt.Errorf("CloudDC ListInstances: at most %d IDs per filter, got %d; use AllInstances to query more",
			MaxFilterIDs, max(len(req.InstanceIDs), len(req.ServerIDs)))
	}
	q := url.Values{}
	if req.Limit > 0 {
		q.Set("limit", strconv.Itoa(req.Limit))
	}
	if req.Marker != "" {
		q.Set("marker", req.Marker)
	}
	if req.InstanceState != "" {
		q.Set("instance_state", req.InstanceState)
	}
	if len(req.InstanceIDs) > 0 {
		q.Set("instance_id", strings.Join(req.InstanceIDs, ","))
	}
	if len(req.ServerIDs) > 0 {
		q.Set("server_id", strings.Join(req.ServerIDs, ","))
	}
	var wire struct {
		Instances *[]Instance `json:"instances"`
		PageInfo  *PageInfo   `json:"page_info"`
		Count     *int        `json:"count"`
	}
	ans, err := c.do(ctx, operation{
		name: "ListInstances", method: http.MethodGet, path: apiPath("instances"),
		query: q, safety: safeToRepeat,
	}, &wire)
	if err != nil {
		return nil, err
	}
	if wire.Instances == nil {
		// {}, {"instances": null} or an empty body: nothing is listed, and
		// nothing may be concluded from the absence of an instance.
		return nil, ans.bodyError("ListInstances", `no "instances" array`)
	}
	return &ListInstancesResponse{Instances: *wire.Instances, PageInfo: wire.PageInfo, Count: wire.Count, RequestID: ans.requestID}, nil
}

// AllInstances iterates over every instance matching req, page after page
// (following page_info.next_marker). More than MaxFilterIDs instance or
// server IDs are split into several queries. On error it yields a zero
// Instance with the error and stops.
func (c *Client) AllInstances(ctx context.Context, req ListInstancesRequest) iter.Seq2[Instance, error] {
	return func(yield func(Instance, error) bool) {
		if len(req.InstanceIDs) > 0 && len(req.ServerIDs) > 0 {
			yield(Instance{}, errors.New("CloudDC ListInstances: the instance_id and server_id filters cannot be combined"))
			return
		}
		queries := []ListInstancesRequest{req}
		switch {
		case len(req.InstanceIDs) > MaxFilterIDs:
			queries = nil
			for chunk := range slices.Chunk(req.InstanceIDs, MaxFilterIDs) {
				q := req
				q.InstanceIDs = chunk
				queries = append(queries, q)
			}
		case len(req.ServerIDs) > MaxFilterIDs:
			queries = nil
			for chunk := range slices.Chunk(req.ServerIDs, MaxFilterIDs) {
				q := req
				q.ServerIDs = chunk
				queries = append(queries, q)
			}
		}
		for _, q := range queries {
			l := NewListing("ListInstances", q.InstanceIDs, q.Marker)
			pages := paginate(ctx, q.Marker, func(ctx context.Context, marker string) ([]Instance, string, error) {
				page := q
				page.Marker = marker
				resp, err := c.ListInstances(ctx, &page)
				if err != nil {
					return nil, "", err
				}
				next, err := l.Instances(resp)
				return resp.Instances, next, err
			})
			for inst, err := range pages {
				if !yield(inst, err) || err != nil {
					return
				}
			}
		}
	}
}

// paginate yields the items of every page that fetch returns, starting at
// marker, until fetch returns no next marker. fetch checks each page with a
// listing (evidence.go), which bounds the pages, detects marker cycles and
// fails a listing that cannot be complete; its error is yielded once, after
// the items of the pages before.
func paginate[T any](ctx context.Context, marker string,
	fetch func(ctx context.Context, marker string) (items []T, next string, err error),
) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			items, next, err := fetch(ctx, marker)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			marker = next
		}
	}
}

// ShowInstanceStatus returns the state of one instance
// (GET /v1/{project_id}/instances/{id}/status). An unknown ID gives an
// error for which InstanceNotFound(err, id) is true.
func (c *Client) ShowInstanceStatus(ctx context.Context, id string) (*InstanceStatus, error) {
	if id == "" {
		return nil, errors.New("CloudDC ShowInstanceStatus: instance ID is empty")
	}
	var out InstanceStatus
	ans, err := c.do(ctx, operation{
		name: "ShowInstanceStatus", method: http.MethodGet, path: apiPath("instances", id, "status"),
		safety: safeToRepeat,
	}, &out)
	if err != nil {
		return nil, err
	}
	if problem := checkInstanceStatus(&out); problem != "" {
		return nil, ans.bodyError("ShowInstanceStatus", problem)
	}
	return &out, nil
}

// DeleteInstance starts deleting one instance
// (DELETE /v1/{project_id}/instances/{id}, 204).
func (c *Client) DeleteInstance(ctx context.Context, id string) error {
	if id == "" {
		return errors.New("CloudDC DeleteInstance: instance ID is empty")
	}
	_, err := c.do(ctx, operation{
		name: "DeleteInstance", method: http.MethodDelete, path: apiPath("instances", id),
		safety: safeToRepeat,
	}, nil)
	return err
}

// DeleteInstances is one batch-delete call: it starts deleting up to
// MaxBatchIDs instances (POST /v1/{project_id}/instances/batch-delete, 202).
// More IDs are refused without calling the API (the lifecycle engine's
// DeleteInBatches splits any number into such calls, and waits). The 2xx
// answer must list exactly the IDs sent ({"instances":[{"id":...}]});
// anything else is an *AnswerError, since it cannot tell which deletions
// were started.
func (c *Client) DeleteInstances(ctx context.Context, ids []string) (*InstancesResponse, error) {
	if err := checkBatch("DeleteInstances", "instance", ids); err != nil {
		return nil, err
	}
	var wire instancesWire
	ans, err := c.do(ctx, operation{
		name: "DeleteInstances", method: http.MethodPost, path: apiPath("instances", "batch-delete"),
		body: &DeleteInstancesRequest{InstanceIDSet: ids}, safety: safeToRepeat,
	}, &wire)
	if err != nil {
		return nil, err
	}
	if problem := checkDeleteInstances(ids, wire.Instances); problem != "" {
		return nil, ans.bodyError("DeleteInstances", problem)
	}
	return &InstancesResponse{Instances: *wire.Instances}, nil
}

// ReinstallOS reinstalls the OS of up to MaxBatchIDs instances
// (PUT /v1/{project_id}/instances/reinstall, 202).
func (c *Client) ReinstallOS(ctx context.Context, req *ReinstallOSRequest) (*InstancesResponse, error) {
	if req == nil {
		return nil, errors.New("CloudDC ReinstallOS: request is nil")
	}
	if err := checkBatch("ReinstallOS", "instance", req.InstanceIDSet); err != nil {
		return nil, err
	}
	var out InstancesResponse
	_, err := c.do(ctx, operation{
		name: "ReinstallOS", method: http.MethodPut, path: apiPath("instances", "reinstall"),
		body: req, safety: retryBeforeSideEffect,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ChangeInstancePassword sets a new password on up to MaxBatchIDs instances
// (PUT /v1/{project_id}/instances/password, 200; synchronous, all-or-nothing).
func (c *Client) ChangeInstancePassword(ctx context.Context, req *ChangeInstancePasswordRequest) (*InstancesResponse, error) {
	if req == nil {
		return nil, errors.New("CloudDC ChangeInstancePassword: request is nil")
	}
	if err := checkBatch("ChangeInstancePassword", "instance", req.InstanceIDSet); err != nil {
		return nil, err
	}
	var out InstancesResponse
	_, err := c.do(ctx, operation{
		name: "ChangeInstancePassword", method: http.MethodPut, path: apiPath("instances", "password"),
		body: req, safety: safeToRepeat,
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ModifyInstanceIP changes the network of one instance
// (PUT /v1/{project_id}/instances/{id}/ip, 202 without a body).
func (c *Client) ModifyInstanceIP(ctx context.Context, id string, req *ModifyInstanceIPRequest) error {
	if id == "" {
		return errors.New("CloudDC ModifyInstanceIp: instance ID is empty")
	}
	if req == nil {
		req = &ModifyInstanceIPRequest{}
	}
	_, err := c.do(ctx, operation{
		name: "ModifyInstanceIp", method: http.MethodPut, path: apiPath("instances", id, "ip"),
		body: req, safety: retryBeforeSideEffect,
	}, nil)
	return err
}

// checkBatch refuses an empty batch or one of more than MaxBatchIDs IDs.
func checkBatch(op, kind string, ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("CloudDC %s: no %s IDs given", op, kind)
	}
	if len(ids) > MaxBatchIDs {
		return fmt.Errorf("CloudDC %s: at most %d %s IDs per call, got %d; split the IDs into batches",
			op, MaxBatchIDs, kind, len(ids))
	}
	for i, id := range ids {
		if id == "" {
			return fmt.Errorf("CloudDC %s: %s ID #%d is empty", op, kind, i+1)
		}
	}
	return nil
}
