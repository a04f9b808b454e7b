package clouddc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// pagedAPI serves ListInstances and ListServers from a fixed inventory,
// pageSize items per page, marker = ID of the last item of the previous page.
type pagedAPI struct {
	mu       sync.Mutex
	ids      []string // inventory, in order
	pageSize int
	queries  []map[string]string
}

func (p *pagedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.queries = append(p.queries, map[string]string{
		"marker": q.Get("marker"), "instance_id": q.Get("instance_id"), "server_id": q.Get("server_id"), "limit": q.Get("limit"),
	})
	p.mu.Unlock()

	matching := p.ids
	if f := q.Get("instance_id"); f != "" {
		want := strings.Split(f, ",")
		if len(want) > MaxFilterIDs {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error_code":"iMetal.0001","error_msg":"too many IDs"}`))
			return
		}
		matching = slices.DeleteFunc(slices.Clone(p.ids), func(id string) bool { return !slices.Contains(want, id) })
	}
	start := 0
	if m := q.Get("marker"); m != "" {
		start = slices.Index(matching, m) + 1
	}
	end := min(start+p.pageSize, len(matching))
	page := matching[start:end]
	next := ""
	if end < len(matching) {
		next = page[len(page)-1]
	}
	info := map[string]any{"next_marker": next, "current_count": len(page)}
	var body any
	if strings.HasSuffix(r.URL.Path, "/physicalservers") {
		servers := []PhysicalServer{}
		for _, id := range page {
			servers = append(servers, PhysicalServer{ID: id})
		}
		body = map[string]any{"servers": servers, "page_info": info, "count": len(matching)}
	} else {
		instances := []Instance{}
		for _, id := range page {
			instances = append(instances, Instance{ID: id, State: StateRunning})
		}
		body = map[string]any{"instances": instances, "page_info": info, "count": len(matching)}
	}
	_ = json.NewEncoder(w).Encode(body)
}

func makeIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return ids
}

func TestAllInstancesPages(t *testing.T) {
	api := &pagedAPI{ids: makeIDs("i", 25), pageSize: 10}
	c, _ := newTestClient(t, api)
	var got []string
	for inst, err := range c.AllInstances(t.Context(), ListInstancesRequest{Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, inst.ID)
	}
	if !slices.Equal(got, api.ids) {
		t.Errorf("got %d instances %v, want all %d in order", len(got), got, len(api.ids))
	}
	markers := []string{}
	for _, q := range api.queries {
		markers = append(markers, q["marker"])
		if q["limit"] != "10" {
			t.Errorf("limit %q not passed on every page", q["limit"])
		}
	}
	if want := []string{"", "i-0009", "i-0019"}; !slices.Equal(markers, want) {
		t.Errorf("markers %q, want %q", markers, want)
	}
}

func TestAllInstancesSplitsFilterIDs(t *testing.T) {
	api := &pagedAPI{ids: makeIDs("i", 260), pageSize: 40}
	c, _ := newTestClient(t, api)
	want := api.ids[5:255] // 250 IDs: queries of 100, 100, 50
	var got []string
	for inst, err := range c.AllInstances(t.Context(), ListInstancesRequest{InstanceIDs: want}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, inst.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d instances, want %d", len(got), len(want))
	}
	perChunk := map[string]int{}
	for _, q := range api.queries {
		n := len(strings.Split(q["instance_id"], ","))
		if n > MaxFilterIDs {
			t.Errorf("a query named %d IDs", n)
		}
		perChunk[q["instance_id"]]++
	}
	// 3 chunks of 100/100/50 IDs at 40 per page: 3 + 3 + 2 requests.
	if len(perChunk) != 3 || len(api.queries) != 8 {
		t.Errorf("%d distinct filters in %d requests, want 3 in 8", len(perChunk), len(api.queries))
	}
}

func TestAllInstancesStopsEarly(t *testing.T) {
	api := &pagedAPI{ids: makeIDs("i", 100), pageSize: 10}
	c, _ := newTestClient(t, api)
	n := 0
	for _, err := range c.AllInstances(t.Context(), ListInstancesRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 12 {
			break
		}
	}
	if len(api.queries) != 2 {
		t.Errorf("breaking after 12 items made %d requests, want 2", len(api.queries))
	}
}

func TestAllInstancesErrors(t *testing.T) {
	t.Run("API error", func(t *testing.T) {
		rec := &recorder{replies: []reply{{status: 403, body: `{"error_code":"iMetal.0004","error_msg":"Insufficient permissions"}`}}}
		c, _ := newTestClient(t, rec)
		var errs []error
		for _, err := range c.AllInstances(t.Context(), ListInstancesRequest{}) {
			errs = append(errs, err)
		}
		if len(errs) != 1 || errs[0] == nil || !strings.Contains(errs[0].Error(), "iMetal.0004") {
			t.Errorf("yielded %v, want one iMetal.0004 error", errs)
		}
	})
	t.Run("both filters", func(t *testing.T) {
		rec := &recorder{}
		c, _ := newTestClient(t, rec)
		for _, err := range c.AllInstances(t.Context(), ListInstancesRequest{InstanceIDs: []string{"a"}, ServerIDs: []string{"b"}}) {
			if err == nil || !strings.Contains(err.Error(), "cannot be combined") {
				t.Errorf("error %v", err)
			}
		}
		if len(rec.requests()) != 0 {
			t.Error("no request must be sent")
		}
	})
	t.Run("repeating marker", func(t *testing.T) {
		rec := &recorder{replies: []reply{
			{status: 200, body: `{"instances":[{"id":"a","state":"running"}],"page_info":{"next_marker":"m"}}`},
			{status: 200, body: `{"instances":[{"id":"b","state":"running"}],"page_info":{"next_marker":"m"}}`},
		}}
		c, _ := newTestClient(t, rec)
		var lastErr error
		n := 0
		for _, err := range c.AllInstances(t.Context(), ListInstancesRequest{}) {
			n++
			lastErr = err
			if n > 10 {
				t.Fatal("pagination loops")
			}
		}
		if lastErr == nil || !strings.Contains(lastErr.Error(), `next_marker "m" came before`) {
			t.Errorf("last error %v, want a loop error", lastErr)
		}
	})
	t.Run("empty page with marker continues", func(t *testing.T) {
		// An empty page that still points further is not the end: the
		// next page has the instance.
		rec := &recorder{replies: []reply{
			{status: 200, body: `{"instances":[],"page_info":{"next_marker":"m"},"count":1}`},
			{status: 200, body: `{"instances":[{"id":"a","state":"running"}],"count":1}`},
		}}
		c, _ := newTestClient(t, rec)
		var got []string
		for in, err := range c.AllInstances(t.Context(), ListInstancesRequest{}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, in.ID)
		}
		if !slices.Equal(got, []string{"a"}) || len(rec.requests()) != 2 {
			t.Errorf("got %v in %d requests, want [a] in 2", got, len(rec.requests()))
		}
	})
}

func TestAllInstancesServerFilterSplit(t *testing.T) {
	rec := &recorder{replies: []reply{
		{status: 200, body: `{"instances":[{"id":"x","state":"running"}]}`},
		{status: 200, body: `{"instances":[{"id":"y","state":"running"}]}`},
		{status: 200, body: `{"instances":[{"id":"z","state":"running"}]}`},
	}}
	c, _ := newTestClient(t, rec)
	n := 0
	for _, err := range c.AllInstances(t.Context(), ListInstancesRequest{ServerIDs: makeIDs("s", 201)}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	reqs := rec.requests()
	if len(reqs) != 3 || n != 3 {
		t.Fatalf("%d requests / %d items, want 3 / 3", len(reqs), n)
	}
	for i, want := range []int{100, 100, 1} {
		q := reqs[i].Query
		if got := strings.Count(q, "%2C") + 1; got != want || !strings.Contains(q, "server_id=") {
			t.Errorf("request %d query %q names %d servers, want %d", i, q, got, want)
		}
	}
}

func TestAllServers(t *testing.T) {
	api := &pagedAPI{ids: makeIDs("s", 23), pageSize: 10}
	c, _ := newTestClient(t, api)
	var got []string
	for s, err := range c.AllServers(t.Context(), ListServersRequest{Limit: 10, ManageState: ManageStateReady}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.ID)
	}
	if !slices.Equal(got, api.ids) {
		t.Errorf("got %v", got)
	}
	if len(api.queries) != 3 || api.queries[2]["marker"] != "s-0019" || api.queries[0]["limit"] != strconv.Itoa(10) {
		t.Errorf("queries %v", api.queries)
	}
}
