package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
)

// canonicalBody decodes every request body strictly and hands the validator
// and the handlers its canonical form (scim.Canonicalize): one place for
// what a body may be, before the contract is checked.
func canonicalBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		kind, ok := bodyKind(req.Method, c.Path())
		if !ok || req.Body == nil || req.Body == http.NoBody || !jsonMediaType(req.Header.Get(echo.HeaderContentType)) {
			return next(c) // the contract check answers other media types with 415
		}
		raw, err := io.ReadAll(req.Body)
		var tooLarge *echo.HTTPError
		switch {
		case errors.As(err, &tooLarge):
			return err // over the body limit: 413
		case err != nil:
			// The client sent less than it announced, or broken chunks.
			return &fault.Error{Kind: fault.Syntax, Detail: "The request body ended early or is malformed.", Err: err}
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			body, err := decodeBody(req.Header.Get(echo.HeaderContentType), raw)
			if err != nil {
				return err
			}
			if err := scim.Canonicalize(kind, body); err != nil {
				return err
			}
			if raw, err = json.Marshal(body); err != nil {
				return err
			}
		}
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		return next(c)
	}
}

// bodyKind tells what a route's body holds from its method and Echo path.
func bodyKind(method, path string) (scim.BodyKind, bool) {
	switch {
	case method == http.MethodPatch:
		return scim.PatchOpBody, true
	case method == http.MethodPost && strings.HasSuffix(path, "/.search"):
		return scim.SearchRequestBody, true
	case method != http.MethodPost && method != http.MethodPut:
		return 0, false
	case strings.Contains(path, "/Users"):
		return scim.UserBody, true
	case strings.Contains(path, "/Domains"):
		return scim.DomainBody, true
	case strings.Contains(path, "/Groups"):
		return scim.GroupBody, true
	}
	return 0, false
}

func jsonMediaType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || mt == "application/scim+json")
}

// decodeBody reads a JSON object as RFC 7644 §3.8 requires it: "SCIM
// requests and responses are in JSON format and SHALL be encoded using
// UTF-8" (RFC 8259 §8.1). A body in another declared charset is 415; bytes
// that are not UTF-8, escapes of lone surrogates, data after the object and
// NUL characters (which no PostfixAdmin column can hold) are 400, never
// stored altered.
func decodeBody(contentType string, raw []byte) (map[string]any, error) {
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
			return nil, fault.New(fault.UnsupportedMediaType, "charset %q: SCIM bodies are UTF-8 (RFC 7644 §3.8)", cs)
		}
	}
	if !utf8.Valid(raw) {
		return nil, fault.New(fault.Syntax, "The request body is not valid UTF-8 (RFC 7644 §3.8).")
	}
	if at, ok := loneSurrogate(raw); ok {
		return nil, fault.New(fault.Syntax, "The request body escapes a lone UTF-16 surrogate at byte %d, which is no character.", at)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // byte quotas and limits stay exact
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fault.New(fault.Syntax, "Request body is not valid JSON.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fault.New(fault.Syntax, "The request body has data after its JSON value.")
	}
	body, ok := v.(map[string]any)
	if !ok {
		return nil, fault.New(fault.Invalid, "The request body must be a JSON object.")
	}
	if path, ok := findNUL("", body); ok {
		return nil, fault.New(fault.Invalid, "%s contains a NUL character, which PostfixAdmin cannot store.", path)
	}
	return body, nil
}

// loneSurrogate finds a \uD800-\uDFFF escape that is not half of a pair.
// encoding/json would silently decode it as U+FFFD. The body is valid UTF-8
// here, so a backslash byte is always the escape character.
func loneSurrogate(raw []byte) (int, bool) {
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			if i+1 < len(raw) && raw[i+1] == 'u' {
				r, ok := hex4(raw, i+2)
				switch {
				case ok && r >= 0xD800 && r < 0xDC00:
					lo, ok := rune(0), false
					if i+7 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
						lo, ok = hex4(raw, i+8)
					}
					if !ok || lo < 0xDC00 || lo > 0xDFFF {
						return i, true
					}
					i += 11
					continue
				case ok && r >= 0xDC00 && r <= 0xDFFF:
					return i, true
				}
			}
			i++ // skip the escaped character
		}
	}
	return 0, false
}

func hex4(raw []byte, at int) (rune, bool) {
	if at+4 > len(raw) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(raw[at:at+4]), 16, 16)
	return rune(n), err == nil
}

// findNUL returns the path of the first key or string value holding U+0000.
func findNUL(path string, v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, strings.ContainsRune(v, 0)
	case map[string]any:
		for k, e := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if strings.ContainsRune(k, 0) {
				return strconv.Quote(p), true
			}
			if at, ok := findNUL(p, e); ok {
				return at, true
			}
		}
	case []any:
		for i, e := range v {
			if at, ok := findNUL(path+"["+strconv.Itoa(i)+"]", e); ok {
				return at, true
			}
		}
	}
	return "", false
}
