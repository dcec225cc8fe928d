package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
	"postfixadmin-scim/internal/scimfilter"
)

// scimError is an error already decided: status, scimType and detail.
type scimError struct {
	status   int
	scimType api.ErrorScimType // "" for none
	detail   string
}

var faultStatus = map[fault.Kind]scimError{
	fault.NotFound:             {status: http.StatusNotFound},
	fault.Conflict:             {status: http.StatusConflict, scimType: "uniqueness"},
	fault.Refused:              {status: http.StatusConflict},
	fault.Invalid:              {status: http.StatusBadRequest, scimType: "invalidValue"},
	fault.Syntax:               {status: http.StatusBadRequest, scimType: "invalidSyntax"},
	fault.Mutability:           {status: http.StatusBadRequest, scimType: "mutability"},
	fault.Unauthenticated:      {status: http.StatusUnauthorized},
	fault.PreconditionFailed:   {status: http.StatusPreconditionFailed},
	fault.InvalidPath:          {status: http.StatusBadRequest, scimType: "invalidPath"},
	fault.NoTarget:             {status: http.StatusBadRequest, scimType: "noTarget"},
	fault.UnsupportedMediaType: {status: http.StatusUnsupportedMediaType},
	fault.Unavailable:          {status: http.StatusServiceUnavailable},
	fault.Throttled:            {status: http.StatusTooManyRequests},
}

// retryAfter is the Retry-After of a 503: the database is reconnected by
// the pool on the next request, so a retry soon may succeed.
const retryAfter = "5"

// toSCIM is the one place where errors become SCIM responses.
func toSCIM(err error) scimError {
	var (
		fe  *fault.Error
		sf  *scimfilter.Error
		re  *openapi3filter.RequestError
		rte *routers.RouteError
		he  *echo.HTTPError
	)
	switch {
	case errors.As(err, &fe):
		if se, ok := faultStatus[fe.Kind]; ok {
			se.detail = fe.Detail
			return se
		}
	case errors.As(err, &sf):
		return scimError{status: http.StatusBadRequest, scimType: "invalidFilter", detail: sf.Detail}
	case errors.As(err, &re):
		return requestError(re)
	case errors.As(err, &rte):
		if errors.Is(rte, routers.ErrMethodNotAllowed) {
			return scimError{status: http.StatusMethodNotAllowed, detail: "Method not allowed."}
		}
		return scimError{status: http.StatusNotFound, detail: "No such endpoint."}
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return scimError{status: he.Code, detail: "No such endpoint."}
		case http.StatusMethodNotAllowed:
			return scimError{status: he.Code, detail: "Method not allowed."}
		case http.StatusBadRequest:
			// The generated wrappers' parameter binding errors.
			return scimError{status: he.Code, scimType: "invalidValue", detail: fmt.Sprint(he.Message)}
		}
		if he.Code < 500 {
			return scimError{status: he.Code, detail: http.StatusText(he.Code)}
		}
	}
	return scimError{status: http.StatusInternalServerError, detail: "Internal error."}
}

// requestError explains a request the spec does not allow, without dumping
// the schema as kin-openapi's own message does.
func requestError(re *openapi3filter.RequestError) scimError {
	var (
		pe *openapi3filter.ParseError
		se *openapi3.SchemaError
	)
	where := "request body"
	if re.Parameter != nil {
		where = fmt.Sprintf("parameter %q", re.Parameter.Name)
	}
	switch {
	case re.Parameter == nil && errors.As(re.Err, &pe):
		if strings.Contains(pe.Error(), "unsupported content type") {
			return scimError{status: http.StatusUnsupportedMediaType, detail: "Send application/scim+json or application/json."}
		}
		return scimError{status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "Request body is not valid JSON."}
	case errors.As(re.Err, &se):
		// An error inside an allOf (the extension objects) carries the
		// attribute's own error as its origin.
		path := se.JSONPointer()
		for {
			var inner *openapi3.SchemaError
			if !errors.As(se.Origin, &inner) {
				break
			}
			se, path = inner, append(path, inner.JSONPointer()...)
		}
		if ptr := strings.Join(path, "/"); ptr != "" {
			where = fmt.Sprintf("%s attribute %q", where, ptr)
		}
		return scimError{status: http.StatusBadRequest, scimType: "invalidValue", detail: fmt.Sprintf("%s: %s", where, se.Reason)}
	case re.Parameter == nil && strings.Contains(re.Error(), "value is required"):
		return scimError{status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "A request body is required."}
	case re.Parameter == nil && strings.Contains(re.Error(), "Content-Type"):
		return scimError{status: http.StatusUnsupportedMediaType, detail: "Send application/scim+json or application/json."}
	}
	return scimError{status: http.StatusBadRequest, scimType: "invalidValue", detail: where + ": " + re.Reason}
}

// handleError is Echo's HTTPErrorHandler: every error leaves as a SCIM body.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if c.Request().Context().Err() != nil && errors.Is(err, context.Canceled) {
		// The client hung up: nobody reads an answer, and it is no server error.
		s.log.Info("client went away", "method", c.Request().Method, "path", c.Request().URL.Path)
		c.Response().Status = statusClientClosed
		return
	}
	se := toSCIM(err)
	if se.status >= 500 {
		s.log.Error("internal error", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	h := c.Response().Header()
	if se.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", retryAfter)
		s.log.Warn("database unavailable", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if se.status == http.StatusTooManyRequests {
		var fe *fault.Error
		wait := time.Second
		if errors.As(err, &fe) {
			wait = max(wait, fe.RetryAfter)
		}
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	if se.status == http.StatusUnauthorized {
		h.Add("WWW-Authenticate", `Basic realm="postfixadmin-scim", charset="UTF-8"`)
		h.Add("WWW-Authenticate", `Bearer realm="postfixadmin-scim"`)
	}
	if se.status == http.StatusMethodNotAllowed && h.Get("Allow") == "" {
		if allow, ok := c.Get(echo.ContextKeyHeaderAllow).(string); ok {
			h.Set("Allow", allow)
		}
	}
	body := api.Error{Schemas: []api.ErrorSchemas{scim.ErrorSchema}, Status: strconv.Itoa(se.status)}
	if se.scimType != "" {
		body.ScimType = &se.scimType
	}
	if se.detail != "" {
		body.Detail = &se.detail
	}
	b, _ := json.Marshal(body)
	_ = c.Blob(se.status, scimContentType, b)
}

const scimContentType = "application/scim+json"

// statusClientClosed is what the request log records for a request the
// client abandoned (nginx's 499); nothing is written.
const statusClientClosed = 499
