// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// API is a deliberately small CloudDC API client used to seed instances and
// to observe the emulator independently of the provider's own client.
type API struct {
	BaseURL   string
	ProjectID string
	Token     string
	Client    *http.Client
}

// Instance is the part of a listed instance the checks look at.
type Instance struct {
	ID       string       `json:"id"`
	State    string       `json:"state"`
	ServerID string       `json:"server_id"`
	Error    *ErrorStatus `json:"error,omitempty"`
}

// ErrorStatus is an instance's error object.
type ErrorStatus struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	ErrorType string `json:"error_type"`
}

// Seed values that the emulator accepts (it has no image or VPC APIs).
const (
	SeedImageID  = "0198170e-0000-7000-8000-000000000001"
	SeedVpcID    = "vpc-e2e"
	SeedSubnetID = "subnet-e2e"
	// SeedPassword satisfies the documented complexity rules.
	SeedPassword = "E2e-Passw0rd!"
)

// RunInstances creates n instances with one RunInstances call (n ≤ the
// emulator's free servers) and returns their IDs.
func (a *API) RunInstances(ctx context.Context, name string, n int) ([]string, error) {
	body := map[string]any{
		"name":               name,
		"image_id":           SeedImageID,
		"vpc_id":             SeedVpcID,
		"network_interfaces": []map[string]string{{"subnet_id": SeedSubnetID}},
		"password":           SeedPassword,
		"min_count":          n,
		"max_count":          n,
	}
	var out struct {
		Instances []struct {
			ID string `json:"id"`
		} `json:"instances"`
	}
	if err := a.do(ctx, http.MethodPost, "/instances/batch-create", body, &out); err != nil {
		return nil, fmt.Errorf("RunInstances: %w", err)
	}
	ids := make([]string, 0, len(out.Instances))
	for _, in := range out.Instances {
		ids = append(ids, in.ID)
	}
	if len(ids) != n {
		return ids, fmt.Errorf("RunInstances: asked for %d instances, got %d", n, len(ids))
	}
	return ids, nil
}

// ListInstances returns every instance the emulator still lists, all pages.
func (a *API) ListInstances(ctx context.Context) ([]Instance, error) {
	var all []Instance
	marker := ""
	for page := 0; ; page++ {
		if page > 10000 {
			return nil, fmt.Errorf("ListInstances: pagination does not end (marker %q)", marker)
		}
		q := url.Values{"limit": {"1000"}}
		if marker != "" {
			q.Set("marker", marker)
		}
		var out struct {
			Instances []Instance `json:"instances"`
			PageInfo  *struct {
				NextMarker string `json:"next_marker"`
			} `json:"page_info"`
		}
		if err := a.do(ctx, http.MethodGet, "/instances?"+q.Encode(), nil, &out); err != nil {
			return nil, fmt.Errorf("ListInstances: %w", err)
		}
		all = append(all, out.Instances...)
		if out.PageInfo == nil || out.PageInfo.NextMarker == "" || len(out.Instances) == 0 {
			return all, nil
		}
		marker = out.PageInfo.NextMarker
	}
}

// InstancesByState lists every instance and groups the IDs by state.
func (a *API) InstancesByState(ctx context.Context) (map[string][]string, error) {
	all, err := a.ListInstances(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string)
	for _, in := range all {
		out[in.State] = append(out[in.State], in.ID)
	}
	return out, nil
}

// observerAttempts bounds the retries of one observer request.
const observerAttempts = 40

// do sends one API request. The observer must see through the faults the
// tests inject, so throttling (429), server errors (5xx) and connection
// errors are retried with a short backoff: the emulator injects its 500s
// before any side effect, so repeating even a POST is safe here.
func (a *API) do(ctx context.Context, method, path string, in, out any) error {
	h := http.Header{}
	h.Set("X-Auth-Token", a.Token)
	u := a.BaseURL + "/v1/" + a.ProjectID + path
	var err error
	for attempt := 1; ; attempt++ {
		err = doJSON(ctx, a.Client, method, u, h, in, out)
		var he *HTTPError
		retryable := err != nil && ctx.Err() == nil &&
			(!errors.As(err, &he) || he.StatusCode == http.StatusTooManyRequests || he.StatusCode >= 500)
		if !retryable || attempt == observerAttempts {
			return err
		}
		timer := time.NewTimer(min(time.Duration(attempt)*50*time.Millisecond, time.Second))
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
	}
}

// Server is the part of a physical server the checks look at.
type Server struct {
	ID         string `json:"id"`
	PowerState string `json:"power_state"`
}

// Servers returns every physical server of the project, all pages.
func (a *API) Servers(ctx context.Context) ([]Server, error) {
	var all []Server
	marker := ""
	for page := 0; ; page++ {
		if page > 10000 {
			return nil, fmt.Errorf("ListServers: pagination does not end (marker %q)", marker)
		}
		q := url.Values{"limit": {"1000"}}
		if marker != "" {
			q.Set("marker", marker)
		}
		var out struct {
			Servers  []Server `json:"servers"`
			PageInfo *struct {
				NextMarker string `json:"next_marker"`
			} `json:"page_info"`
		}
		if err := a.do(ctx, http.MethodGet, "/physicalservers?"+q.Encode(), nil, &out); err != nil {
			return nil, fmt.Errorf("ListServers: %w", err)
		}
		all = append(all, out.Servers...)
		if out.PageInfo == nil || out.PageInfo.NextMarker == "" || len(out.Servers) == 0 {
			return all, nil
		}
		marker = out.PageInfo.NextMarker
	}
}

// Server asks ShowServer for one physical server.
func (a *API) Server(ctx context.Context, id string) (Server, error) {
	var s Server
	if err := a.do(ctx, http.MethodGet, "/physicalservers/"+url.PathEscape(id), nil, &s); err != nil {
		return Server{}, fmt.Errorf("ShowServer %s: %w", id, err)
	}
	return s, nil
}

// IssueToken asks POST /v3/auth/tokens (password method) for a token, as
// IAM issues them; the token is the X-Subject-Token header of the answer.
func (a *API) IssueToken(ctx context.Context, user, password string) (string, error) {
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{
			"methods":  []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": user, "password": password, "domain": map[string]string{"name": user}}},
		},
		"scope": map[string]any{"project": map[string]string{"id": a.ProjectID}},
	}}
	b, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("encode token request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.BaseURL+"/v3/auth/tokens", bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("build token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("POST /v3/auth/tokens: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	tok := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode/100 != 2 || tok == "" {
		return "", fmt.Errorf("POST /v3/auth/tokens: HTTP %d without a token", resp.StatusCode)
	}
	return tok, nil
}
