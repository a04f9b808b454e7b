package clouddc

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// TestLogsCarryFieldsButNoSecrets captures the client's logs at TRACE and
// checks that every attempt is logged with its useful fields while no
// credential, signature or password appears anywhere.
func TestLogsCarryFieldsButNoSecrets(t *testing.T) {
	const password = "Pa55-word!-SECRET"
	for _, mode := range []string{"token", "aksk"} {
		t.Run(mode, func(t *testing.T) {
			var buf bytes.Buffer
			ctx := tflogtest.RootLogger(t.Context(), &buf)
			rec := &recorder{replies: []reply{
				{status: 429, body: `"Too many requests"`},
				{status: 202, body: `{"instance_id":"0198170e-4ca7-7ee4-89a7-fa631843920b"}`, header: map[string]string{"X-Request-Id": "req-42"}},
			}}
			var c *Client
			if mode == "token" {
				c, _ = newTestClient(t, rec)
			} else {
				c = newAKSKClient(t, rec, testST)
			}
			if _, err := c.CreateInstance(ctx, &CreateInstanceRequest{Name: "bm", Password: password}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ChangeInstancePassword(ctx, &ChangeInstancePasswordRequest{NewPassword: password, InstanceIDSet: []string{"i-1"}}); err != nil {
				t.Fatal(err)
			}

			raw := buf.String()
			secrets := []string{testToken, testSK, testST, password, "Authorization", "Signature="}
			for _, r := range rec.requests() {
				if auth := r.Header.Get("Authorization"); auth != "" {
					_, sig, _ := strings.Cut(auth, "Signature=")
					secrets = append(secrets, sig)
				}
			}
			for _, s := range secrets {
				if s != "" && strings.Contains(raw, s) {
					t.Errorf("log contains secret %q:\n%s", s, raw)
				}
			}

			entries, err := tflogtest.MultilineJSONDecode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			var requests, retries int
			for _, e := range entries {
				if e["@module"] != "provider."+LogSubsystem {
					continue
				}
				switch e["@message"] {
				case "CloudDC request", "CloudDC request answered with an error":
					requests++
					for _, k := range []string{"operation", "method", "path", "status", "duration_ms", "attempt"} {
						if _, ok := e[k]; !ok {
							t.Errorf("request log %v lacks %q", e, k)
						}
					}
				case "retrying CloudDC request":
					retries++
					if e["reason"] != "throttled" || e["operation"] != "CreateInstance" {
						t.Errorf("retry log %v", e)
					}
				}
			}
			if requests != 3 || retries != 1 {
				t.Errorf("%d request logs and %d retry logs, want 3 and 1:\n%s", requests, retries, raw)
			}
			if !strings.Contains(raw, `"request_id":"req-42"`) || !strings.Contains(raw, `"attempt":2`) ||
				!strings.Contains(raw, `"status":429`) || !strings.Contains(raw, `"error_code":"iMetal.0005"`) {
				t.Errorf("log lacks request id, attempt 2 or the 429:\n%s", raw)
			}
		})
	}
}
