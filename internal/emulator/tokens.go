package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

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

func (b *backend) issueToken(user string, expires time.Time) (string, error) {
	payload, err := json.Marshal(tokenPayload{Project: b.projectID, User: user, Expires: expires.Unix()})
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return tokenPrefix + p + "." + base64.RawURLEncoding.EncodeToString(b.tokenMAC(p)), nil
}

func (b *backend) tokenMAC(payload string) []byte {
	m := hmac.New(sha256.New, b.tokenKey)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// verifyToken checks a token issued by createToken: signed with this
// emulator's key, for its project, not expired at now.
func (b *backend) verifyToken(tok string, now time.Time) error {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return errors.New("the token is not valid")
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return errors.New("the token is not valid")
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, b.tokenMAC(p)) {
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
	if tp.Project != b.projectID {
		return errors.New("the token is scoped to another project")
	}
	if now.Unix() >= tp.Expires {
		return errors.New("the token has expired; get a new one")
	}
	return nil
}

// createTokenRequest is the Keystone password-method body of POST /v3/auth/tokens.
type createTokenRequest struct {
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

// createTokenResult is an issued token and the body that describes it.
type createTokenResult struct {
	// Token goes in the X-Subject-Token header.
	Token string
	Body  tokenResponse
}

// tokenResponse is the body of POST /v3/auth/tokens.
type tokenResponse struct {
	Token tokenInfo `json:"token"`
}

// tokenInfo is the token object. Its fields (and those of the types in
// it) are in alphabetical order, the order the emulator has always sent.
type tokenInfo struct {
	Catalog   []any        `json:"catalog"`
	ExpiresAt string       `json:"expires_at"`
	IssuedAt  string       `json:"issued_at"`
	Methods   []string     `json:"methods"`
	Project   tokenProject `json:"project"`
	User      tokenUser    `json:"user"`
}

type tokenUser struct {
	Domain tokenDomain `json:"domain"`
	Name   string      `json:"name"`
}

type tokenDomain struct {
	Name string `json:"name"`
}

type tokenProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// keystoneTime is the time format of Keystone's token answers.
const keystoneTime = "2006-01-02T15:04:05.000000Z"

// createToken issues a project-scoped token (IAM's KeystoneCreateToken).
// The emulator has no user database: any non-empty user name and password
// are accepted. A scope naming another project ID is refused.
func (b *backend) createToken(req createTokenRequest) (createTokenResult, error) {
	id := req.Auth.Identity
	if !slices.Contains(id.Methods, "password") {
		return createTokenResult{}, errInvalid("auth.identity.methods must contain \"password\"")
	}
	user := id.Password.User
	if user.Name == "" || user.Password == "" {
		return createTokenResult{}, errUnauthorized("user name and password are required")
	}
	if pid := req.Auth.Scope.Project.ID; pid != "" && pid != b.projectID {
		return createTokenResult{}, errUnauthorized("this emulator serves only project " + b.projectID)
	}
	now := b.now()
	expires := now.Add(b.tokenTTL).UTC()
	tok, err := b.issueToken(user.Name, expires)
	if err != nil {
		return createTokenResult{}, errInternal("token could not be issued")
	}
	return createTokenResult{Token: tok, Body: tokenResponse{Token: tokenInfo{
		Methods:   []string{"password"},
		ExpiresAt: expires.Format(keystoneTime),
		IssuedAt:  now.UTC().Format(keystoneTime),
		User:      tokenUser{Name: user.Name, Domain: tokenDomain{Name: user.Domain.Name}},
		Project:   tokenProject{ID: b.projectID, Name: req.Auth.Scope.Project.Name},
		Catalog:   []any{},
	}}}, nil
}
