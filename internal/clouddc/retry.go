package clouddc

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retrySafety says when repeating a request cannot do harm.
type retrySafety int

const (
	// safeToRepeat marks requests whose repetition has the same effect as
	// sending them once, so they are retried on 429, 5xx and any connection
	// error, even if the first attempt may have reached the server:
	//   - GETs (ListInstances, ShowInstanceStatus, ListServers, ShowServer)
	//     read only.
	//   - DeleteInstances / DeleteInstance are idempotent in effect: a repeated
	//     delete of an instance that the first attempt already started deleting
	//     finds it shutting-down (accepted again) or gone (404 iMetal.0200),
	//     and callers treat both as progress, never as failure.
	//   - ChangeInstancePassword is synchronous and all-or-nothing; setting
	//     the same password twice leaves the same result.
	safeToRepeat retrySafety = iota
	// retryBeforeSideEffect marks requests that must not run twice:
	// CreateInstance and RunInstances (a repeat would create more instances),
	// ReinstallOS, ModifyInstanceIp and ChangeServerPowerState (a repeat
	// lands on an instance or server that is already mid-operation and fails
	// or restarts the operation). They are retried only when the answer
	// proves nothing happened: 429 and 500 iMetal.0099 are rejected before
	// any side effect (API error table: "retry later" / "retry with
	// exponential backoff"; the emulator injects both before touching
	// state), and a connection that was never established (dial errors) sent
	// nothing. A timeout or reset after the request was written is NOT
	// retried: the instance may exist, and the caller must look before
	// trying again.
	retryBeforeSideEffect
)

// What is transient. One rule serves the client's own retries (shouldRetry,
// below) and everyone who retries after them (IsTransient: the lifecycle
// engine's batch deletes). A failure is transient, worth sending again
// later, when:
//
//   - no answer came (a *RequestError: the connection was refused, reset or
//     timed out, or an answer was cut off); or
//   - the answer is HTTP 429 (throttled) or 500, 502, 503 or 504 (the
//     service, or a gateway in front of it, is in trouble for now).
//
// Nothing else is. 501 Not Implemented, 505 and the other 5xx say that the
// service cannot do this at all, so another attempt gets the same answer;
// a 4xx says the request is wrong (what a 404 proves is evidence.go's
// business); a 2xx answer that is not what the API documents (*AnswerError)
// reads the same next time; and a context that ended ends the call. Until
// the engine moved to its own package it had a rule of its own that also
// counted every other 5xx and every error that was not an API answer (a
// request the client refused to send included); the client never retried
// those, and it was right: a retry that cannot succeed only spends the
// caller's timeout.

// transientStatus reports whether an answer with this HTTP status is worth
// another attempt (429, 500, 502, 503, 504).
func transientStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// IsTransient reports whether err, returned by a Client call after its own
// retries, is still worth another try later: a request without an answer
// (*RequestError) or an API answer with status 429, 500, 502, 503 or 504.
// An error that carries a context's end (canceled, or a deadline, the
// per-attempt RequestTimeout's included) is not, nor is an *AnswerError or a
// request the client refused to send.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var answerErr *AnswerError
	if errors.As(err, &answerErr) {
		return false // an answer came, but not one to trust: no retry fixes that
	}
	if ae, ok := apiError(err); ok {
		return transientStatus(ae.StatusCode)
	}
	var re *RequestError
	return errors.As(err, &re)
}

// shouldRetry decides whether the outcome of one attempt is worth another
// attempt under safety, and says why for the log: a transient failure, when
// repeating the request cannot do harm.
func shouldRetry(safety retrySafety, res result) (bool, string) {
	if res.err != nil {
		if errors.Is(res.err, context.Canceled) {
			return false, ""
		}
		if !res.sent {
			return true, "connection not established"
		}
		if safety == safeToRepeat {
			return true, "connection error"
		}
		return false, ""
	}
	if !transientStatus(res.status) {
		return false, ""
	}
	switch res.status {
	case http.StatusTooManyRequests:
		return true, "throttled"
	case http.StatusInternalServerError:
		if safety == safeToRepeat {
			return true, "server error"
		}
		if code := parseAPIError("", res.status, res.header, res.body).Code; code == CodeInternalError {
			return true, "server error before any side effect"
		}
		return false, ""
	default: // 502, 503, 504
		if safety == safeToRepeat {
			return true, "server unavailable"
		}
		return false, ""
	}
}

// backoff returns how long to wait before attempt+1, and whether a
// Retry-After from the server was capped. A Retry-After wins (plus a little
// jitter so that parallel callers do not come back at the same instant), but
// never beyond waitMax: a server (or a proxy) asking for an hour, a day or an
// HTTP date in the year 9999 must not park a terraform run that long; the
// retry comes after waitMax, and if the server still refuses, the retries
// run out and the error says so. Without a Retry-After the wait grows
// exponentially from waitMin to waitMax with "equal jitter" (half fixed,
// half random).
func (c *Client) backoff(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if retryAfter > 0 {
		jitter := rand.N(c.waitMin/4 + 1)
		if retryAfter+jitter > c.waitMax {
			return c.waitMax - jitter, true
		}
		return retryAfter + jitter, false
	}
	d := c.waitMin
	for i := 1; i < attempt && d < c.waitMax; i++ {
		d *= 2
	}
	d = min(d, c.waitMax)
	half := d / 2
	return half + rand.N(d-half+1), false
}

// maxRetryAfter is the longest Retry-After parseRetryAfter reports; longer
// values (up to HTTP dates in the year 9999) saturate here, and backoff caps
// them at the client's waitMax anyway.
const maxRetryAfter = 365 * 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// It returns how long the server asks to wait (at most maxRetryAfter), or 0
// when the header is absent, unreadable, zero, negative or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		switch {
		case math.IsNaN(secs) || secs <= 0:
			return 0
		case secs >= maxRetryAfter.Seconds():
			return maxRetryAfter
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isDialError reports whether err proves that the connection was never
// established, so nothing was sent.
func isDialError(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}
