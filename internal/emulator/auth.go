package emulator

import (
	"crypto/subtle"
	"net/http"
	"time"
)

// authenticate checks the credentials of an API request: X-Auth-Token (the
// static token or one issued by POST /v3/auth/tokens and not expired), or
// an AK/SK signature. Every comparison with a secret is constant-time.
func (e *Emulator) authenticate(r *http.Request, body []byte, now time.Time) error {
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		if e.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(e.cfg.Token)) == 1 {
			return nil
		}
		if err := e.backend.verifyToken(tok, now); err != nil {
			return errUnauthorized(err.Error())
		}
		return nil
	}
	if authz := r.Header.Get("Authorization"); authz != "" {
		if e.cfg.AccessKey == "" {
			return errUnauthorized("AK/SK authentication is not configured on this emulator")
		}
		req := signedRequest{
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Host:     r.Host,
			Header:   r.Header,
			Body:     body,
		}
		if err := verifySignature(req, e.cfg.AccessKey, e.cfg.SecretKey, now); err != nil {
			return errUnauthorized(err.Error())
		}
		return nil
	}
	return errUnauthorized("no credentials: send X-Auth-Token or an SDK-HMAC-SHA256 Authorization header")
}
