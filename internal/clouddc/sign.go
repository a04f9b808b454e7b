package clouddc

import (
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

// Header names of AK/SK authentication.
const (
	headerSdkDate       = signer.HeaderXDate // X-Sdk-Date
	headerProjectID     = "X-Project-Id"
	headerSecurityToken = "X-Security-Token"
)

// signedHeaderNames are the request headers handed to the signer besides
// Host. The official signer signs every header it is given except
// Content-Type (and names with "_"), so this list decides SignedHeaders:
// host;x-project-id;x-sdk-date (plus x-security-token for temporary keys).
var signedHeaderNames = []string{"Content-Type", headerSdkDate, headerProjectID, headerSecurityToken}

// credentials are the AK/SK credentials of a request.
type credentials struct {
	accessKey, secretKey, securityToken, projectID string
}

// signRequest signs req (whose body is body) with SDK-HMAC-SHA256 by the
// official Huawei Cloud Go SDK signer, the way the SDK's basic.Credentials
// do: X-Project-Id and X-Security-Token are added, X-Sdk-Date is set to now,
// and the signer's Authorization header is copied onto req. It is called
// for every attempt, so a retry carries a fresh date and signature.
func signRequest(req *http.Request, body []byte, cred credentials, now time.Time) error {
	req.Header.Set(headerSdkDate, now.UTC().Format(signer.BasicDateFormat))
	if cred.projectID != "" {
		req.Header.Set(headerProjectID, cred.projectID)
	}
	if cred.securityToken != "" {
		req.Header.Set(headerSecurityToken, cred.securityToken)
	}

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	b := request.NewHttpRequestBuilder().
		WithEndpoint(req.URL.Scheme+"://"+host).
		WithMethod(req.Method).
		WithPath(req.URL.Path).
		AddHeaderParam("Host", host)
	for _, name := range signedHeaderNames {
		if v := req.Header.Get(name); v != "" {
			b.AddHeaderParam(name, v)
		}
	}
	for key, values := range req.URL.Query() {
		if len(values) == 1 {
			b.AddQueryParam(key, reflect.ValueOf(values[0]))
		} else {
			b.AddQueryParam(key, reflect.ValueOf(values))
		}
	}
	if len(body) > 0 {
		b.WithBody("", string(body))
	}

	headers, err := signer.Sign(b.Build(), cred.accessKey, cred.secretKey)
	if err != nil {
		return fmt.Errorf("SDK-HMAC-SHA256: %w", err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return nil
}
