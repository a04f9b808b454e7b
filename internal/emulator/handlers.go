package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The adapters of the operations table (router.go): each decodes the HTTP
// request into the operation's typed request, calls the backend and hands
// back the typed result to encode. They check only what is about the wire
// (JSON syntax and types, query syntax); IDs, states and limits are the
// backend's to check.

func handleCreateToken(e *Emulator, c *call) (reply, error) {
	var req createTokenRequest
	if err := decodeBody(c.body, &req); err != nil {
		return reply{}, err
	}
	res, err := e.backend.createToken(req)
	if err != nil {
		return reply{}, err
	}
	return reply{header: http.Header{"X-Subject-Token": {res.Token}}, body: res.Body}, nil
}

func handleCreateInstance(e *Emulator, c *call) (reply, error) {
	var req createInstanceRequest
	if err := decodeBody(c.body, &req); err != nil {
		return reply{}, err
	}
	res, err := e.backend.createInstance(req)
	return reply{body: res}, err
}

func handleRunInstances(e *Emulator, c *call) (reply, error) {
	var req runInstancesRequest
	if err := decodeBody(c.body, &req); err != nil {
		return reply{}, err
	}
	res, err := e.backend.runInstances(req)
	return reply{body: res}, err
}

func handleListInstances(e *Emulator, c *call) (reply, error) {
	q := c.r.URL.Query()
	limit, err := queryLimit(q)
	if err != nil {
		return reply{}, err
	}
	res, err := e.backend.listInstances(listInstancesRequest{
		Limit:         limit,
		Marker:        q.Get("marker"),
		InstanceState: q.Get("instance_state"),
		InstanceIDs:   splitIDs(q.Get("instance_id")),
		ServerIDs:     splitIDs(q.Get("server_id")),
	})
	return reply{body: res}, err
}

func handleShowInstanceStatus(e *Emulator, c *call) (reply, error) {
	res, err := e.backend.showInstanceStatus(showInstanceStatusRequest{ID: c.r.PathValue("id")})
	return reply{body: res}, err
}

func handleDeleteInstances(e *Emulator, c *call) (reply, error) {
	var req deleteInstancesRequest
	// An empty body is an empty ID list (400 iMetal.0002 for
	// instance_id_set), not a missing body.
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := decodeBody(c.body, &req); err != nil {
			return reply{}, err
		}
	}
	res, err := e.backend.deleteInstances(req)
	return reply{body: res}, err
}

func handleDeleteInstance(e *Emulator, c *call) (reply, error) {
	return reply{}, e.backend.deleteInstance(deleteInstanceRequest{ID: c.r.PathValue("id")})
}

func handleReinstallOS(e *Emulator, c *call) (reply, error) {
	var req reinstallOSRequest
	if err := decodeBody(c.body, &req); err != nil {
		return reply{}, err
	}
	res, err := e.backend.reinstallOS(req)
	return reply{body: res}, err
}

func handleChangeInstancePassword(e *Emulator, c *call) (reply, error) {
	var req changeInstancePasswordRequest
	if err := decodeBody(c.body, &req); err != nil {
		return reply{}, err
	}
	res, err := e.backend.changeInstancePassword(req)
	return reply{body: res}, err
}

func handleModifyInstanceIP(e *Emulator, c *call) (reply, error) {
	req := modifyInstanceIPRequest{ID: c.r.PathValue("id")}
	// The path is checked before the body, as it always was: a bad ID is
	// reported even when the body is bad too.
	if err := checkID("instance", req.ID); err != nil {
		return reply{}, err
	}
	if err := decodeBody(c.body, &req); err != nil {
		return reply{}, err
	}
	return reply{}, e.backend.modifyInstanceIP(req)
}

func handleListServers(e *Emulator, c *call) (reply, error) {
	q := c.r.URL.Query()
	limit, err := queryLimit(q)
	if err != nil {
		return reply{}, err
	}
	res, err := e.backend.listServers(listServersRequest{Limit: limit, Marker: q.Get("marker"), ManageState: q.Get("manage_state")})
	return reply{body: res}, err
}

func handleShowServer(e *Emulator, c *call) (reply, error) {
	res, err := e.backend.showServer(showServerRequest{ID: c.r.PathValue("id")})
	return reply{body: res}, err
}

func handleChangeServerPowerState(e *Emulator, c *call) (reply, error) {
	var req changeServerPowerStateRequest
	if err := decodeBody(c.body, &req); err != nil {
		return reply{}, err
	}
	res, err := e.backend.changeServerPowerState(req)
	return reply{body: res}, err
}

func handleShowServerStatus(e *Emulator, _ *call) (reply, error) {
	res, err := e.backend.showServerStatus(showServerStatusRequest{})
	return reply{body: res}, err
}

// decodeBody decodes a JSON request body into v.
func decodeBody(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return errMissing("request body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return errInvalid("%s: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return errInvalid("request body is not valid JSON: %v", err)
	}
	return nil
}

// queryLimit reads the limit query parameter: 0 when unset, an error when
// it is not an integer (the backend clamps it).
func queryLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, errInvalid("limit %s is not an integer", quoteIDs([]string{v}))
	}
	return n, nil
}

// splitIDs splits a comma-separated ID filter, dropping blanks.
func splitIDs(v string) []string {
	var ids []string
	for id := range strings.SplitSeq(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}
