// Copyright (c) The terraform-provider-clouddc authors
// SPDX-License-Identifier: MPL-2.0

// Package validate holds the plan-time checks of CloudDC values shared by the
// provider's resources, data sources and actions: lower-case UUIDs, instance
// passwords (§3.7 of the API notes) and host names (§3.8).
//
// Each rule exists twice: as a pure function (IsLowercaseUUID, CheckPassword,
// CheckHostname) for use anywhere, and as a validator.String for schemas.
package validate

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var lowercaseUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// IsLowercaseUUID reports whether s is a UUID written in lower case
// (8-4-4-4-12 hexadecimal digits), the form of every CloudDC ID.
func IsLowercaseUUID(s string) bool {
	return lowercaseUUID.MatchString(s)
}

// Password length limits and the special characters CloudDC accepts (§3.7).
const (
	PasswordMinLength = 8
	PasswordMaxLength = 26
	PasswordSpecials  = "!@$%^-_=+[{}]:,./?"
)

// forbiddenInPassword are the user names (and their reverses) a password
// must not contain, compared case-insensitively.
var forbiddenInPassword = []string{"root", "toor", "administrator", "rotartsinimda"}

// CheckPassword reports whether password satisfies the CloudDC password rule:
// 8 to 26 characters; at least three of upper-case letters, lower-case
// letters, digits and the specials !@$%^-_=+[{}]:,./?; no other characters;
// and it must not contain "root", "Administrator" or either reversed, in any
// case. The error names the rule broken and never contains the password.
func CheckPassword(password string) error {
	n := utf8.RuneCountInString(password)
	if n < PasswordMinLength || n > PasswordMaxLength {
		return fmt.Errorf("password must be %d to %d characters long, got %d",
			PasswordMinLength, PasswordMaxLength, n)
	}

	var upper, lower, digit, special, other bool
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(PasswordSpecials, r):
			special = true
		default:
			other = true
		}
	}
	if other {
		return errors.New("password may contain only letters, digits and the special characters " + PasswordSpecials)
	}
	kinds := 0
	for _, ok := range []bool{upper, lower, digit, special} {
		if ok {
			kinds++
		}
	}
	if kinds < 3 {
		return fmt.Errorf("password must contain at least 3 of: upper-case letters, lower-case letters, "+
			"digits, special characters (%s); it has %d", PasswordSpecials, kinds)
	}

	folded := strings.ToLower(password)
	for _, word := range forbiddenInPassword {
		if strings.Contains(folded, word) {
			return errors.New(`password must not contain the user name "root" or "Administrator", ` +
				"nor either of them reversed (in any letter case)")
		}
	}
	return nil
}

// HostnameMaxLength is the longest instance name CloudDC accepts.
const HostnameMaxLength = 63

// CheckHostname reports whether name is a valid CloudDC instance name (§3.8):
// 1 to 63 characters, each a letter (ASCII or Chinese), a digit, "_", "-" or ".".
func CheckHostname(name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > HostnameMaxLength {
		return fmt.Errorf("name must be 1 to %d characters long, got %d", HostnameMaxLength, n)
	}
	for i, r := range []rune(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '_', r == '-', r == '.':
		case unicode.Is(unicode.Han, r):
		default:
			return fmt.Errorf("name %q has %q at position %d: only letters, Chinese characters, digits, "+
				`"_", "-" and "." are allowed`, name, r, i+1)
		}
	}
	return nil
}

// CheckEndpointURL reports whether s is an absolute http or https URL with a
// host and nothing after the path (no query or fragment), as an API endpoint
// must be.
func CheckEndpointURL(s string) error {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return fmt.Errorf("endpoint %q must start with https:// (or http:// for a local emulator)", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("endpoint %q is not a valid URL: %w", s, err)
	}
	if u.Host == "" {
		return fmt.Errorf("endpoint %q has no host", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("endpoint %q must not carry user info, a query or a fragment", s)
	}
	return nil
}
