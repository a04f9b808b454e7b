package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// authenticate checks the credentials of an API request: X-Auth-Token (the
// static token or one issued by POST /v3/auth/tokens and not expired), or
// an AK/SK signature. Every comparison with a secret is constant-time.
func (e *Emulator) authenticate(r *http.Request, body []byte, now time.Time) *apiError {
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		if e.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(e.cfg.Token)) == 1 {
			return nil
		}
		if err := e.verifyIssuedToken(tok, now); err != nil {
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

// Issued tokens are self-contained: "emu1.<payload>.<mac>", the payload a
// base64url JSON {project, user, exp}, the MAC an HMAC-SHA256 over it with a
// key kept in the state file. They stay valid across restarts without
// storing each one.
const tokenPrefix = "emu1."

type tokenPayload struct {
	Project string `json:"project"`
	User    string `json:"user"`
	Expires int64  `json:"exp"`
}

func (e *Emulator) issueToken(user string, expires time.Time) (string, error) {
	payload, err := json.Marshal(tokenPayload{Project: e.cfg.ProjectID, User: user, Expires: expires.Unix()})
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return tokenPrefix + p + "." + base64.RawURLEncoding.EncodeToString(e.tokenMAC(p)), nil
}

func (e *Emulator) tokenMAC(payload string) []byte {
	m := hmac.New(sha256.New, e.tokenKey)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (e *Emulator) verifyIssuedToken(tok string, now time.Time) error {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return errors.New("the token is not valid")
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return errors.New("the token is not valid")
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, e.tokenMAC(p)) {
		return errors.New("the token is not valid")
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return errors.New("the token is not valid")
	}
	var tp tokenPayload
	if err := json.Unmarshal(raw, &tp); err != nil {
		return errors.New("the token is not valid")
	}
	if tp.Project != e.cfg.ProjectID {
		return errors.New("the token is scoped to another project")
	}
	if now.Unix() >= tp.Expires {
		return errors.New("the token has expired; get a new one")
	}
	return nil
}

// tokenRequest is the Keystone password-method body of POST /v3/auth/tokens.
type tokenRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   struct {
						Name string `json:"name"`
					} `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope struct {
			Project struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

// createToken issues a project-scoped token (IAM's KeystoneCreateToken).
// The emulator has no user database: any non-empty user name and password
// are accepted. A scope naming another project ID is refused.
func (e *Emulator) createToken(c *call) (result, *apiError) {
	var req tokenRequest
	if err := decodeBody(c.body, &req); err != nil {
		return result{}, err
	}
	id := req.Auth.Identity
	if !containsString(id.Methods, "password") {
		return result{}, errInvalid("auth.identity.methods must contain \"password\"")
	}
	user := id.Password.User
	if user.Name == "" || user.Password == "" {
		return result{}, errUnauthorized("user name and password are required")
	}
	if pid := req.Auth.Scope.Project.ID; pid != "" && pid != e.cfg.ProjectID {
		return result{}, errUnauthorized("this emulator serves only project " + e.cfg.ProjectID)
	}
	expires := c.now.Add(e.cfg.TokenTTL).UTC()
	tok, err := e.issueToken(user.Name, expires)
	if err != nil {
		return result{}, errInternal("token could not be issued")
	}
	return result{
		status: http.StatusCreated,
		header: http.Header{"X-Subject-Token": []string{tok}},
		body: map[string]any{"token": map[string]any{
			"methods":    []string{"password"},
			"expires_at": expires.Format("2006-01-02T15:04:05.000000Z"),
			"issued_at":  c.now.UTC().Format("2006-01-02T15:04:05.000000Z"),
			"user": map[string]any{
				"name":   user.Name,
				"domain": map[string]string{"name": user.Domain.Name},
			},
			"project": map[string]string{"id": e.cfg.ProjectID, "name": req.Auth.Scope.Project.Name},
			"catalog": []any{},
		}},
	}, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
