package emulator

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isUUID reports whether s is a lowercase, hyphenated UUID, the form of
// every CloudDC ID (CLOUDDC-API.md at the repository root, "Instances: Fields").
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// quoteIDs quotes IDs for a message, shortening absurdly long ones so an
// error message stays readable whatever a client sends.
func quoteIDs(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		if len(id) > 64 {
			id = id[:64] + "..."
		}
		q[i] = fmt.Sprintf("%q", id)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// checkIDSet validates a batch ID list: present, at most max, every ID a
// lowercase UUID, no duplicates.
func checkIDSet(field string, ids []string, limit int) error {
	if len(ids) == 0 {
		return errMissing(field)
	}
	if len(ids) > limit {
		return errInvalid("%s has %d IDs, at most %d are allowed", field, len(ids), limit)
	}
	var bad, dup []string
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !isUUID(id) {
			bad = append(bad, id)
			continue
		}
		if seen[id] {
			dup = append(dup, id)
		}
		seen[id] = true
	}
	if len(bad) > 0 {
		return errInvalid("%s contains IDs that are not lowercase UUIDs: %s", field, quoteIDs(bad))
	}
	if len(dup) > 0 {
		return errInvalid("%s contains duplicate IDs: %s", field, idList(dup))
	}
	return nil
}

// specialChars are the special characters a password may contain.
const specialChars = "!@$%^-_=+[{}]:,./?"

// checkPassword enforces the password rule (CLOUDDC-API.md, "Instances:
// Fields"): 8-26 characters from the allowed set, at least three of upper
// case, lower case, digits and special characters, and not containing the
// user name (root or Administrator) or its reverse. The error never
// echoes the password.
func checkPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < 8 || n > 26 {
		return errInvalid("%s must be 8 to 26 characters long", field)
	}
	var upper, lower, digit, special bool
	for _, c := range pw {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		case strings.ContainsRune(specialChars, c):
			special = true
		default:
			return errInvalid("%s may only contain letters, digits and the special characters %s", field, specialChars)
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, special} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return errInvalid("%s must contain at least three of: upper-case letters, lower-case letters, digits, special characters %s", field, specialChars)
	}
	lowerPW := strings.ToLower(pw)
	for _, user := range []string{"root", "administrator"} {
		if strings.Contains(lowerPW, user) || strings.Contains(lowerPW, reverse(user)) {
			return errInvalid("%s must not contain the user name (root or Administrator) or its reverse", field)
		}
	}
	return nil
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// checkName enforces the host name rule (CLOUDDC-API.md, "Instances:
// Fields"): 1-63 characters, letters (Chinese ones too), digits, "_", "-"
// and ".".
func checkName(field, name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 63 {
		return errInvalid("%s must be 1 to 63 characters long", field)
	}
	for _, c := range name {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' && c != '-' && c != '.' {
			return errInvalid("%s may only contain letters, digits, '_', '-' and '.'", field)
		}
	}
	return nil
}

// checkMetadata enforces: at most 10 pairs, keys of 1-255 characters from
// [A-Za-z0-9-_: .], values of at most 255 characters.
func checkMetadata(md map[string]string) error {
	if len(md) > 10 {
		return errInvalid("metadata has %d pairs, at most 10 are allowed", len(md))
	}
	for k, v := range md {
		if len(k) < 1 || len(k) > 255 {
			return errInvalid("metadata keys must be 1 to 255 characters long")
		}
		for _, c := range k {
			if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune("-_: .", c) {
				return errInvalid("metadata key %q may only contain letters, digits and '-_: .'", k)
			}
		}
		if utf8.RuneCountInString(v) > 255 {
			return errInvalid("metadata value of key %q is longer than 255 characters", k)
		}
	}
	return nil
}

// checkDescription enforces at most 255 characters.
func checkDescription(d *string) error {
	if d != nil && utf8.RuneCountInString(*d) > 255 {
		return errInvalid("description is longer than 255 characters")
	}
	return nil
}

// requiredString returns *s, or a missing-parameter error when it is nil or empty.
func requiredString(field string, s *string) (string, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return "", errMissing(field)
	}
	if len(*s) > 255 {
		return "", errInvalid("%s is longer than 255 characters", field)
	}
	return *s, nil
}

// checkIPv4 validates an optional fixed IPv4 address.
func checkIPv4(field, ip string) error {
	if ip == "" {
		return nil
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return errInvalid("%s %q is not an IPv4 address", field, ip)
	}
	return nil
}
