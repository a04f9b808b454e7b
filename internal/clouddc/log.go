package clouddc

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// LogSubsystem is the tflog subsystem of the API client. Its level follows
// TF_LOG_PROVIDER_CLOUDDC_API (and TF_LOG_PROVIDER / TF_LOG).
const LogSubsystem = "clouddc"

// logContext returns ctx with the client's log subsystem. Credentials are
// never passed to the logger; as a second line of defence, any field value or
// message that contains one is masked.
func (c *Client) logContext(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, LogSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_CLOUDDC_API"))
	if len(c.secretsMask) > 0 {
		ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, LogSubsystem, c.secretsMask...)
		ctx = tflog.SubsystemMaskMessageStrings(ctx, LogSubsystem, c.secretsMask...)
	}
	return ctx
}

// logAttempt logs one request: operation, method, path, status, duration and
// attempt. Bodies and headers are never logged: they carry passwords,
// tokens and signatures.
func logAttempt(ctx context.Context, op operation, res result, attempt int, took time.Duration) {
	fields := map[string]any{
		"operation":   op.name,
		"method":      op.method,
		"path":        res.path,
		"attempt":     attempt,
		"duration_ms": took.Milliseconds(),
	}
	if len(op.query) > 0 {
		fields["query"] = op.query.Encode()
	}
	if res.err != nil {
		fields["error"] = res.err.Error()
		tflog.SubsystemDebug(ctx, LogSubsystem, "CloudDC request failed without an answer", fields)
		return
	}
	fields["status"] = res.status
	if res.requestID != "" {
		fields["request_id"] = res.requestID
	}
	if res.status >= 200 && res.status < 300 {
		tflog.SubsystemDebug(ctx, LogSubsystem, "CloudDC request", fields)
		return
	}
	if e := parseAPIError(op.name, res.status, res.header, res.body); e.Code != "" {
		fields["error_code"] = e.Code
	}
	tflog.SubsystemDebug(ctx, LogSubsystem, "CloudDC request answered with an error", fields)
}

// logRetry logs that an attempt is going to be repeated.
func logRetry(ctx context.Context, op operation, res result, attempt int, wait time.Duration, why string) {
	fields := map[string]any{
		"operation": op.name,
		"method":    op.method,
		"path":      res.path,
		"attempt":   attempt,
		"wait_ms":   wait.Milliseconds(),
		"reason":    why,
	}
	if res.status != 0 {
		fields["status"] = res.status
	}
	tflog.SubsystemWarn(ctx, LogSubsystem, "retrying CloudDC request", fields)
}

// logRetryAfterCapped warns that the server asked for a longer wait than the
// client's backoff maximum, and that the retry comes sooner.
func logRetryAfterCapped(ctx context.Context, op operation, res result, wait, waitMax time.Duration) {
	tflog.SubsystemWarn(ctx, LogSubsystem, "CloudDC asked to wait longer than the backoff maximum (Retry-After); retrying after the maximum", map[string]any{
		"operation":      op.name,
		"status":         res.status,
		"retry_after":    res.retryAfter.String(),
		"retry_wait_max": waitMax.String(),
		"wait_ms":        wait.Milliseconds(),
	})
}
