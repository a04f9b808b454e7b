package clouddc

// This file is the one place that decides when an answer of the API proves
// that an instance (or a physical server) no longer exists. The lifecycle
// engine (package lifecycle), the client's paging helpers and the provider
// decide "gone" only through it.
//
// The provider's first promise is that Terraform's state always agrees with
// the cloud: an instance that leaves the state while it still runs keeps
// billing and nothing tracks it any more. So an instance is gone only on
// positive evidence:
//
//  1. Its state is terminated (or "teminated", the first SDK's spelling).
//  2. A 404 answer whose error_code is the CloudDC not-found code
//     (iMetal.0200 for instances, iMetal.0100 for physical servers) and
//     whose error_msg names it: "Instances not found: [id, ...]". For a
//     batch call only the IDs the message names are gone.
//  3. It is absent from a complete, well-formed listing that asked for it:
//     ListInstances answered 2xx with an "instances" array on every page,
//     every item has an id and a state (and, for an instance_id filter, is
//     one of the IDs asked for, listed once), every next_marker was followed
//     until the API said there are no more pages, no marker came twice, the
//     pages stayed within a budget derived from what was asked, and "count",
//     where the API gives it, equals what was listed.
//
// Anything else is an ordinary error that keeps the instance and says what
// was odd: a 404 of the API gateway (APIGW.0101, route not found), a bare
// 404 or a proxy's error page, a 2xx answer that is empty, not JSON or lacks
// the instances array, a listing cut off by the page budget or a marker
// cycle. Callers must never treat an error as "not found".

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// IsTerminalState reports whether state means the instance is gone for good:
// terminated, or the first SDK's typo "teminated".
func IsTerminalState(state string) bool {
	return state == StateTerminated || state == StateTerminatedTypo
}

// IsNotFound reports whether err is the CloudDC API's own not-found answer:
// HTTP 404 with error_code iMetal.0200 (instances) or iMetal.0100 (physical
// servers). A 404 without one of these codes (the API gateway's APIGW.0101,
// a proxy's page) is not: it says nothing about the instance. Whether the
// answer is about a given ID is for InstanceNotFound and ServerNotFound.
func IsNotFound(err error) bool {
	return isNotFoundAnswer(err, CodeInstanceNotFound) || isNotFoundAnswer(err, CodeServerNotFound)
}

// InstanceNotFound reports whether err proves that instance id does not
// exist: a 404 iMetal.0200 whose message names id.
func InstanceNotFound(err error, id string) bool {
	return len(notFoundAmong(err, CodeInstanceNotFound, []string{id})) == 1
}

// ServerNotFound reports whether err proves that physical server id does not
// exist: a 404 iMetal.0100 whose message names id.
func ServerNotFound(err error, id string) bool {
	return len(notFoundAmong(err, CodeServerNotFound, []string{id})) == 1
}

// InstancesNotFound returns the IDs among asked that err proves do not exist:
// those a 404 iMetal.0200 names. It returns nil for any other error.
func InstancesNotFound(err error, asked []string) []string {
	return notFoundAmong(err, CodeInstanceNotFound, asked)
}

func notFoundAmong(err error, code string, asked []string) []string {
	if !isNotFoundAnswer(err, code) {
		return nil
	}
	return intersect(NotFoundIDs(err), asked)
}

// intersect returns the elements of a that are in b, without duplicates.
func intersect(a, b []string) []string {
	in := make(map[string]struct{}, len(b))
	for _, x := range b {
		in[x] = struct{}{}
	}
	var out []string
	for _, x := range a {
		if _, ok := in[x]; ok {
			out = append(out, x)
			delete(in, x)
		}
	}
	return out
}

// IsInstancesNotFoundAnswer reports whether err is a 404 iMetal.0200,
// whichever IDs its message names (InstancesNotFound says which). A batch
// call answered so proves gone only the IDs it names; the others must be
// looked up.
func IsInstancesNotFoundAnswer(err error) bool {
	return isNotFoundAnswer(err, CodeInstanceNotFound)
}

// isNotFoundAnswer reports whether err is a 404 with the not-found code.
func isNotFoundAnswer(err error, code string) bool {
	e, ok := apiError(err)
	return ok && e.StatusCode == http.StatusNotFound && e.Code == code
}

// notFoundWords finds "not found" in a not-found message, in any case.
var notFoundWords = regexp.MustCompile(`(?i)not found`)

// NotFoundIDs returns the IDs that a CloudDC not-found answer names, as in
// "Instances not found: [id1, id2]" or "Physical servers ID not found: [id]".
// It returns nil when err is not such an answer (IsNotFound) or names no IDs.
func NotFoundIDs(err error) []string {
	e, ok := apiError(err)
	if !ok || !IsNotFound(err) {
		return nil
	}
	msg := e.Message
	// Find the words in msg itself: an offset into strings.ToLower(msg) is
	// not one into msg when a letter's lower case has another UTF-8 length
	// (U+212A, the Kelvin sign, is 3 bytes and "k" 1), and reading msg there
	// would take brackets before the words for the list, or run past the end.
	at := notFoundWords.FindStringIndex(msg)
	if at == nil {
		return nil
	}
	rest := msg[at[0]:]
	open := strings.IndexByte(rest, '[')
	if open < 0 {
		return nil
	}
	rest = rest[open+1:]
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return nil
	}
	var ids []string
	for _, part := range strings.Split(rest[:end], ",") {
		id := strings.Trim(strings.TrimSpace(part), `"'`)
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// apiError returns the *APIError in err's chain.
func apiError(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae != nil {
		return ae, true
	}
	return nil, false
}

// AnswerError is a 2xx answer that is not what the API documents: a body
// that is empty, not JSON or lacks a required field, or a listing that
// cannot be complete (a marker cycle, too many pages, a count that does not
// match). It is never evidence that anything is gone.
type AnswerError struct {
	// Operation is the API operation, e.g. "ListInstances".
	Operation string
	// StatusCode is the HTTP status of the answer; 0 when the problem spans
	// several pages.
	StatusCode int
	// RequestID is the X-Request-Id of the (last) answer, if known.
	RequestID string
	// Problem says what was wrong, e.g. `no "instances" array`.
	Problem string
}

// Error reads like: CloudDC ListInstances answered HTTP 200, but not as the
// API documents: no "instances" array (request id 1f2e...).
func (e *AnswerError) Error() string {
	var b strings.Builder
	b.WriteString("CloudDC ")
	b.WriteString(e.Operation)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " answered HTTP %d, but not as the API documents: ", e.StatusCode)
	} else {
		b.WriteString(": the listing is not what the API documents: ")
	}
	b.WriteString(e.Problem)
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	return b.String()
}

// Bounds of one listing (ListInstances or ListServers, all pages).
const (
	// maxEmptyPages is how many pages without items but with a next_marker
	// one listing may take. A service that filters after paging (state or
	// ID filters over a large project) can answer empty pages that still
	// point further; they are followed, but not forever.
	maxEmptyPages = 50
	// maxListPages bounds an unfiltered listing whose count is unknown.
	maxListPages = 10000
	// maxListItems bounds how many items one listing may hold.
	maxListItems = 100000
)

// Listing checks the pages of one ListInstances or ListServers query and
// decides when it is complete. Every page must hold its items (id, and state
// for instances); next markers are followed until the API sends none; a
// marker seen before is a cycle; the number of pages is bounded by a budget
// derived from what was asked (the IDs of an instance_id filter, else the
// count the API reports, else maxListPages); count, where given, must not be
// exceeded and, for a listing from the first page, must equal what was
// listed in the end. Any violation is an *AnswerError: the listing is not
// complete and nothing may be concluded from an absence. The client's
// AllInstances and AllServers and the lifecycle engine's lookups check every
// page with one.
type Listing struct {
	op        string
	asked     map[string]struct{} // the instance_id filter; nil when unfiltered
	fromStart bool                // the listing began at the first page
	markers   map[string]struct{} // every marker asked for so far
	seen      map[string]struct{} // every item ID listed so far
	pages     int
	empty     int
	count     *int
}

// NewListing starts a listing of op from marker ("" for the first page).
// asked is the instance_id filter, nil when there is none.
func NewListing(op string, asked []string, marker string) *Listing {
	l := &Listing{
		op:        op,
		fromStart: marker == "",
		markers:   map[string]struct{}{marker: {}},
		seen:      map[string]struct{}{},
	}
	if asked != nil {
		l.asked = make(map[string]struct{}, len(asked))
		for _, id := range asked {
			l.asked[id] = struct{}{}
		}
	}
	return l
}

// budget is the most pages the listing may take.
func (l *Listing) budget() int {
	switch {
	case l.asked != nil:
		// Every page with items lists at least one asked ID not listed
		// before (anything else is an error), so len(asked) such pages
		// cover the filter; plus the empty pages and a last empty page.
		return len(l.asked) + maxEmptyPages + 1
	case l.count != nil:
		return min(*l.count+maxEmptyPages+1, maxListPages)
	default:
		return maxListPages
	}
}

// Instances checks one ListInstances page and returns the marker of the
// next page, or "" when the listing is complete.
func (l *Listing) Instances(resp *ListInstancesResponse) (string, error) {
	l.pages++
	if resp == nil || resp.Instances == nil {
		id := ""
		if resp != nil {
			id = resp.RequestID
		}
		return "", l.fail(id, `no "instances" array`)
	}
	ids := make([]string, len(resp.Instances))
	for i, in := range resp.Instances {
		switch {
		case in.ID == "":
			return "", l.fail(resp.RequestID, fmt.Sprintf("item %d of the instances array has no id", i+1))
		case in.State == "":
			return "", l.fail(resp.RequestID, fmt.Sprintf("instance %s is listed without a state", in.ID))
		}
		ids[i] = in.ID
	}
	return l.page(ids, resp.PageInfo, resp.Count, resp.RequestID)
}

// Servers checks one ListServers page and returns the marker of the next
// page, or "" when the listing is complete.
func (l *Listing) Servers(resp *ListServersResponse) (string, error) {
	l.pages++
	if resp == nil || resp.Servers == nil {
		id := ""
		if resp != nil {
			id = resp.RequestID
		}
		return "", l.fail(id, `no "servers" array`)
	}
	ids := make([]string, len(resp.Servers))
	for i, s := range resp.Servers {
		if s.ID == "" {
			return "", l.fail(resp.RequestID, fmt.Sprintf("item %d of the servers array has no id", i+1))
		}
		ids[i] = s.ID
	}
	return l.page(ids, resp.PageInfo, resp.Count, resp.RequestID)
}

func (l *Listing) page(ids []string, info *PageInfo, count *int, requestID string) (string, error) {
	for _, id := range ids {
		if l.asked != nil {
			if _, ok := l.asked[id]; !ok {
				return "", l.fail(requestID, fmt.Sprintf("it lists %s, which the instance_id filter did not ask for", id))
			}
		}
		if _, dup := l.seen[id]; dup {
			return "", l.fail(requestID, fmt.Sprintf("listed %s %s twice", l.noun(), id))
		}
		l.seen[id] = struct{}{}
	}
	if len(l.seen) > maxListItems {
		return "", l.fail(requestID, fmt.Sprintf("more than %d items; stopping", maxListItems))
	}
	if info != nil && info.CurrentCount != 0 && info.CurrentCount != len(ids) {
		return "", l.fail(requestID, fmt.Sprintf("page_info.current_count is %d but the page holds %d items", info.CurrentCount, len(ids)))
	}
	if count != nil {
		if *count < 0 {
			return "", l.fail(requestID, fmt.Sprintf("count is %d", *count))
		}
		l.count = count
		if len(l.seen) > *count {
			return "", l.fail(requestID, fmt.Sprintf("count is %d but %d items were listed", *count, len(l.seen)))
		}
	}
	next := ""
	if info != nil {
		next = info.NextMarker
	}
	if next == "" {
		if l.fromStart && l.count != nil && len(l.seen) != *l.count {
			return "", l.fail(requestID, fmt.Sprintf("count is %d but the pages listed %d items; the listing is incomplete", *l.count, len(l.seen)))
		}
		return "", nil
	}
	if _, again := l.markers[next]; again {
		return "", l.fail(requestID, fmt.Sprintf("next_marker %q came before; stopping a paging loop", next))
	}
	l.markers[next] = struct{}{}
	if len(ids) == 0 {
		if l.empty++; l.empty > maxEmptyPages {
			return "", l.fail(requestID, fmt.Sprintf("more than %d empty pages that still carry a next_marker; stopping", maxEmptyPages))
		}
	}
	if l.pages >= l.budget() {
		return "", l.fail(requestID, fmt.Sprintf("still more pages after %d (the most this query can need); stopping", l.pages))
	}
	return next, nil
}

// noun is what the listing lists.
func (l *Listing) noun() string {
	if l.op == "ListServers" {
		return "server"
	}
	return "instance"
}

func (l *Listing) fail(requestID, problem string) error {
	return &AnswerError{Operation: l.op, RequestID: requestID, Problem: fmt.Sprintf("page %d: %s", l.pages, problem)}
}

// checkInstanceStatus checks a ShowInstanceStatus answer: it must carry a
// state, or nothing can be concluded from it.
func checkInstanceStatus(st *InstanceStatus) string {
	if st == nil || st.State == "" {
		return `no "state"`
	}
	return ""
}

// CheckInstanceStatus returns an *AnswerError when a ShowInstanceStatus
// answer carries no state, else nil. The client checks its own answers with
// it; the lifecycle engine checks again what any InstanceAPI returns.
func CheckInstanceStatus(st *InstanceStatus) error {
	if problem := checkInstanceStatus(st); problem != "" {
		return &AnswerError{Operation: "ShowInstanceStatus", Problem: problem}
	}
	return nil
}
