package scimfilter

import (
	"regexp"
	"strings"
)

// valuePathTail matches what Microsoft Entra ID writes after a value path in
// filters, `emails[type eq "work"].value eq "x"` (not RFC 7644 grammar):
// the sub-attribute, the operator and, unless it is pr, the start of a value.
var valuePathTail = regexp.MustCompile(`(?i)^\.([a-z][a-z0-9_$-]*)\s+(pr\b|(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)`)

// rewriteValuePathTails turns attr[f].sub op v into the RFC form
// attr[f and sub op v], outside quoted strings.
func rewriteValuePathTails(raw string) string {
	if !strings.Contains(raw, "].") {
		return raw
	}
	var out strings.Builder
	open := -1 // position in out of the last unquoted '['
	inQuote := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inQuote:
			if c == '\\' && i+1 < len(raw) {
				out.WriteByte(c)
				i++
				c = raw[i]
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case c == '[':
			open = out.Len() + 1
		case c == ']' && open >= 0:
			m := valuePathTail.FindStringSubmatch(raw[i+1:])
			if m == nil {
				break
			}
			value, n := "", len(m[0])
			if !strings.EqualFold(strings.TrimSpace(m[2]), "pr") {
				value, n = scanValue(raw[i+1+n:]), n+len(scanValue(raw[i+1+n:]))
			}
			inner := out.String()[open:]
			prefix := out.String()[:open]
			out.Reset()
			// The value-filter grammar allows one "and" of two attribute
			// expressions, no parentheses: Entra sends a single one.
			out.WriteString(prefix + inner + " and " + m[1] + " " + strings.TrimSpace(m[2]) + " " + value + "]")
			i += n
			open = -1
			continue
		}
		out.WriteByte(c)
	}
	return out.String()
}

// scanValue returns the comparison value at the start of s: a JSON string
// or a bare token (number, true, false, null).
func scanValue(s string) string {
	if strings.HasPrefix(s, `"`) {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return s[:i+1]
			}
		}
		return s
	}
	end := strings.IndexAny(s, " \t)")
	if end < 0 {
		return s
	}
	return s[:end]
}
