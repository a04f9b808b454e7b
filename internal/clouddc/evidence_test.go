package clouddc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tables hold one row per way an answer can lie: a 2xx answer that
// is not what the API documents, a 404 that is not the API's not-found, a
// listing that cannot be complete. Each must be an error, never an absence
// or a success (evidence.go).

const (
	lieID1 = "0198170e-4ca7-7ee4-89a7-000000000001"
	lieID2 = "0198170e-4ca7-7ee4-89a7-000000000002"
)

// gatewayNotFound is the API gateway's own 404: the route does not exist.
const gatewayNotFound = `{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published in the environment","request_id":"gw-1"}`

func TestClientRejectsLyingAnswers(t *testing.T) {
	ok := func(body string) []reply {
		return []reply{{status: 200, body: body, header: map[string]string{"X-Request-Id": "req-7"}}}
	}
	accepted := func(body string) []reply {
		return []reply{{status: 202, body: body, header: map[string]string{"X-Request-Id": "req-7"}}}
	}
	two := int32(2)
	for _, tc := range []struct {
		name    string
		replies []reply
		call    func(ctx context.Context, c *Client) error
		want    string // the error must contain it
	}{
		{"ListInstances {}", ok(`{}`), listOnce, `no "instances" array (request id req-7)`},
		{"ListInstances instances null", ok(`{"instances":null,"count":0}`), listOnce, `no "instances" array`},
		{"ListInstances empty body", ok(``), listOnce, `the body is empty`},
		{"ListInstances not JSON", ok(`<html>gateway</html>`), listOnce, `decode 200 answer`},
		{"ListInstances a JSON array", ok(`[]`), listOnce, `decode 200 answer`},
		{"ListServers {}", ok(`{}`), func(ctx context.Context, c *Client) error {
			_, err := c.ListServers(ctx, nil)
			return err
		}, `no "servers" array`},
		{"ShowInstanceStatus {}", ok(`{}`), func(ctx context.Context, c *Client) error {
			_, err := c.ShowInstanceStatus(ctx, lieID1)
			return err
		}, `no "state"`},
		{"ShowServer {}", ok(`{}`), func(ctx context.Context, c *Client) error {
			_, err := c.ShowServer(ctx, lieID1)
			return err
		}, `no "id"`},
		{"ShowServer of another server", ok(`{"id":"` + lieID2 + `","power_state":"on"}`), func(ctx context.Context, c *Client) error {
			_, err := c.ShowServer(ctx, lieID1)
			return err
		}, `describes server ` + lieID2},
		{"CreateInstance {}", accepted(`{}`), createOnce, `no "instance_id" (request id req-7)`},
		{"CreateInstance empty body", accepted(``), createOnce, `the body is empty (no "instance_id")`},
		{"CreateInstance ID not a UUID", accepted(`{"instance_id":"i-123"}`), createOnce, `"i-123" is not a lower-case UUID`},
		{"CreateInstance upper-case ID", accepted(`{"instance_id":"0198170E-4CA7-7EE4-89A7-000000000001"}`), createOnce, `not a lower-case UUID`},
		{"RunInstances {}", accepted(`{}`), runTwo(&two), `no "instances" array`},
		{"RunInstances too few", accepted(`{"instances":[{"id":"` + lieID1 + `"}]}`), runTwo(&two), `lists 1 instances, want between 2 and 2`},
		{"RunInstances too many", accepted(`{"instances":[{"id":"` + lieID1 + `"},{"id":"` + lieID2 + `"},{"id":"0198170e-4ca7-7ee4-89a7-000000000003"}]}`), runTwo(&two), `lists 3 instances`},
		{"RunInstances duplicate", accepted(`{"instances":[{"id":"` + lieID1 + `"},{"id":"` + lieID1 + `"}]}`), runTwo(&two), `twice`},
		{"RunInstances empty ID", accepted(`{"instances":[{"id":"` + lieID1 + `"},{"id":""}]}`), runTwo(&two), `not a lower-case UUID`},
		{"DeleteInstances {}", accepted(`{}`), deleteTwo, `no "instances" array`},
		{"DeleteInstances empty body", accepted(``), deleteTwo, `the body is empty`},
		{"DeleteInstances lists fewer", accepted(`{"instances":[{"id":"` + lieID1 + `"}]}`), deleteTwo, `does not list 1 of the instances sent`},
		{"DeleteInstances lists another", accepted(`{"instances":[{"id":"` + lieID1 + `"},{"id":"x"}]}`), deleteTwo, `lists instance x, which was not sent`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{replies: tc.replies}
			c, _ := newTestClient(t, rec)
			err := tc.call(t.Context(), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			var ae *AnswerError
			if !errors.As(err, &ae) && !strings.Contains(err.Error(), "decode") {
				t.Errorf("error %T is not an *AnswerError", err)
			}
			if n := len(rec.requests()); n != 1 {
				t.Errorf("%d requests, want 1: a lying 2xx answer is not retried", n)
			}
		})
	}
}

func listOnce(ctx context.Context, c *Client) error {
	_, err := c.ListInstances(ctx, &ListInstancesRequest{InstanceIDs: []string{lieID1}})
	return err
}

func createOnce(ctx context.Context, c *Client) error {
	out, err := c.CreateInstance(ctx, &CreateInstanceRequest{Name: "bm", ImageID: "i", VpcID: "v", Password: "p"})
	if err == nil && out != nil && out.InstanceID == "" {
		return errors.New("CreateInstance returned the ID \"\" without an error")
	}
	return err
}

func runTwo(n *int32) func(ctx context.Context, c *Client) error {
	return func(ctx context.Context, c *Client) error {
		_, err := c.RunInstances(ctx, &RunInstancesRequest{Name: "bm", ImageID: "i", VpcID: "v", Password: "p", MinCount: n, MaxCount: n})
		return err
	}
}

func deleteTwo(ctx context.Context, c *Client) error {
	_, err := c.DeleteInstances(ctx, []string{lieID1, lieID2})
	return err
}

// pagesHandler answers page(marker) for every ListInstances/ListServers
// request and counts the requests.
type pagesHandler struct {
	page  func(marker string) string
	calls atomic.Int64
}

func (h *pagesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	w.Header().Set("X-Request-Id", "req-"+strconv.FormatInt(h.calls.Load(), 10))
	_, _ = w.Write([]byte(h.page(r.URL.Query().Get("marker"))))
}

// item renders a listed instance (or server) with an ID made of n.
func item(n int) string {
	return fmt.Sprintf(`{"id":"0198170e-4ca7-7ee4-89a7-%012d","state":"running"}`, n)
}

func markerNum(m string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(m, "m"))
	return n
}

// TestListingsThatCannotBeComplete: the data-source pagers (AllInstances,
// AllServers) follow markers until the API says there are no more, but
// fail, within a bounded number of requests, on a listing that can never be
// complete; and they finish an honest listing that pages smaller than asked
// or has empty pages in between.
func TestListingsThatCannotBeComplete(t *testing.T) {
	for _, tc := range []struct {
		name      string
		servers   bool
		page      func(marker string) string
		want      string // "" for a complete listing
		wantItems int
		maxCalls  int64
	}{
		{
			name: "fresh markers and fresh items beyond count",
			page: func(m string) string {
				n := markerNum(m)
				return fmt.Sprintf(`{"instances":[%s],"page_info":{"next_marker":"m%d"},"count":2}`, item(n), n+1)
			},
			want: "count is 2 but 3 items were listed", maxCalls: 3,
		},
		{
			name: "fresh markers on empty pages forever",
			page: func(m string) string {
				return fmt.Sprintf(`{"instances":[],"page_info":{"next_marker":"m%d"}}`, markerNum(m)+1)
			},
			want: "empty pages", maxCalls: maxEmptyPages + 1,
		},
		{
			name:    "servers: fresh markers on empty pages forever",
			servers: true,
			page: func(m string) string {
				return fmt.Sprintf(`{"servers":[],"page_info":{"next_marker":"m%d"}}`, markerNum(m)+1)
			},
			want: "empty pages", maxCalls: maxEmptyPages + 1,
		},
		{
			name: "fresh items beyond count, between empty pages",
			page: func(m string) string {
				n := markerNum(m)
				if n%2 == 1 {
					return fmt.Sprintf(`{"instances":[],"page_info":{"next_marker":"m%d"},"count":3}`, n+1)
				}
				return fmt.Sprintf(`{"instances":[%s],"page_info":{"next_marker":"m%d"},"count":3}`, item(n), n+1)
			},
			want: "count is 3 but 4 items were listed", maxCalls: 7,
		},
		{
			name: "a marker cycle longer than one page",
			page: func(m string) string {
				next := map[string]string{"": "ma", "ma": "mb", "mb": "ma"}[m]
				n := map[string]int{"": 1, "ma": 2, "mb": 3}[m]
				return fmt.Sprintf(`{"instances":[%s],"page_info":{"next_marker":%q}}`, item(n), next)
			},
			want: `next_marker "ma" came before`, maxCalls: 3,
		},
		{
			name: "count larger than what was listed",
			page: func(string) string {
				return `{"instances":[` + item(1) + `],"count":5}`
			},
			want: "count is 5 but the pages listed 1 items", maxCalls: 1,
		},
		{
			name: "an item without an id",
			page: func(string) string { return `{"instances":[{"state":"running"}]}` },
			want: "has no id", maxCalls: 1,
		},
		{
			name: "an item without a state",
			page: func(string) string { return `{"instances":[{"id":"` + lieID1 + `"}]}` },
			want: "without a state", maxCalls: 1,
		},
		{
			name: "the same item on two pages",
			page: func(m string) string {
				if m == "" {
					return `{"instances":[` + item(1) + `],"page_info":{"next_marker":"m1"}}`
				}
				return `{"instances":[` + item(1) + `]}`
			},
			want: "twice", maxCalls: 2,
		},
		{
			name: "current_count that is not the page",
			page: func(string) string {
				return `{"instances":[` + item(1) + `],"page_info":{"current_count":10}}`
			},
			want: "current_count is 10", maxCalls: 1,
		},
		{
			name: "an honest listing in pages of one, with an empty page between",
			page: func(m string) string {
				n := markerNum(m)
				switch {
				case n == 3:
					return `{"instances":[],"page_info":{"next_marker":"m4"},"count":5}`
				case n >= 5:
					return `{"instances":[` + item(n) + `],"count":5}`
				}
				return fmt.Sprintf(`{"instances":[%s],"page_info":{"next_marker":"m%d"},"count":5}`, item(n), n+1)
			},
			wantItems: 5, maxCalls: 6,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &pagesHandler{page: tc.page}
			c, _ := newTestClient(t, h)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var items int
			var err error
			if tc.servers {
				for _, e := range c.AllServers(ctx, ListServersRequest{}) {
					if err = e; e == nil {
						items++
					}
				}
			} else {
				for _, e := range c.AllInstances(ctx, ListInstancesRequest{}) {
					if err = e; e == nil {
						items++
					}
				}
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("an honest listing failed: %v", err)
			case tc.want == "" && items != tc.wantItems:
				t.Errorf("listed %d items, want %d", items, tc.wantItems)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			if n := h.calls.Load(); n > tc.maxCalls {
				t.Errorf("%d requests, want at most %d", n, tc.maxCalls)
			}
		})
	}
}

// TestListingWithoutCountIsBounded: a stream of fresh markers and fresh
// items with no count ends with an error after maxListPages pages rather
// than growing without bound.
func TestListingWithoutCountIsBounded(t *testing.T) {
	h := &pagesHandler{page: func(m string) string {
		n := markerNum(m)
		return fmt.Sprintf(`{"instances":[%s],"page_info":{"next_marker":"m%d"}}`, item(n), n+1)
	}}
	c, _ := newTestClient(t, h)
	var err error
	items := 0
	for _, e := range c.AllInstances(t.Context(), ListInstancesRequest{}) {
		if err = e; e == nil {
			items++
		}
	}
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("still more pages after %d", maxListPages)) {
		t.Fatalf("error = %v after %d items, want the page bound", err, items)
	}
	if n := h.calls.Load(); n != maxListPages {
		t.Errorf("%d requests, want exactly the bound %d", n, maxListPages)
	}
}

// TestNotFoundOnlyFromTheAPI: a 404 counts as "this instance (server) is
// gone" only when it is the API's not-found answer naming it.
func TestNotFoundOnlyFromTheAPI(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		instance bool // InstanceNotFound(err, lieID1)
		server   bool // ServerNotFound(err, lieID1)
	}{
		{"iMetal.0200 naming it", 404, `{"error_code":"iMetal.0200","error_msg":"Instances not found: [` + lieID1 + `]"}`, true, false},
		{"iMetal.0200 naming another", 404, `{"error_code":"iMetal.0200","error_msg":"Instances not found: [` + lieID2 + `]"}`, false, false},
		{"iMetal.0200 naming none", 404, `{"error_code":"iMetal.0200","error_msg":"Instances not found"}`, false, false},
		{"iMetal.0100 naming it", 404, `{"error_code":"iMetal.0100","error_msg":"Physical servers ID not found: [` + lieID1 + `]"}`, false, true},
		{"gateway APIGW.0101", 404, gatewayNotFound, false, false},
		{"gateway page naming it", 404, `<html>Instances not found: [` + lieID1 + `]</html>`, false, false},
		{"bare 404", 404, ``, false, false},
		{"iMetal.0200 with status 400", 400, `{"error_code":"iMetal.0200","error_msg":"Instances not found: [` + lieID1 + `]"}`, false, false},
		// Letters whose lower case is shorter in UTF-8 (the Kelvin sign
		// U+212A is 3 bytes, its lower case "k" 1) must not move where the
		// message is read: this one names lieID2 as not found, and lieID1
		// only before the words "not found".
		{"iMetal.0200 naming another, after letters that shrink in lower case", 404,
			`{"error_code":"iMetal.0200","error_msg":"` + strings.Repeat("\u212a", 25) + ` [` + lieID1 + `] not found: [` + lieID2 + `]"}`, false, false},
		// Letters whose lower case is longer (U+023A is 2 bytes, U+2C65 3) must
		// not make the parser read past the end of the message.
		{"iMetal.0200 after letters that grow in lower case", 404,
			`{"error_code":"iMetal.0200","error_msg":"` + strings.Repeat("\u023a", 20) + ` not found"}`, false, false},
		{"iMetal.0200 naming it after letters that grow in lower case", 404,
			`{"error_code":"iMetal.0200","error_msg":"` + strings.Repeat("\u023a", 20) + ` Instances not found: [` + lieID1 + `]"}`, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{replies: []reply{{status: tc.status, body: tc.body}}}
			c, _ := newTestClient(t, rec, func(cfg *Config) { cfg.MaxRetries = NoRetries })
			_, err := c.ShowInstanceStatus(t.Context(), lieID1)
			if err == nil {
				t.Fatal("no error")
			}
			if got := InstanceNotFound(err, lieID1); got != tc.instance {
				t.Errorf("InstanceNotFound = %v, want %v (%v)", got, tc.instance, err)
			}
			if got := ServerNotFound(err, lieID1); got != tc.server {
				t.Errorf("ServerNotFound = %v, want %v", got, tc.server)
			}
			if got := InstancesNotFound(err, []string{lieID1, lieID2}); tc.instance != slices.Equal(got, []string{lieID1}) {
				t.Errorf("InstancesNotFound = %v", got)
			}
		})
	}
}
