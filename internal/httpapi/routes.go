package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"postfixadmin-scim/gen/api"
)

// routeGuard is the api.EchoRouter the generated code registers its routes
// on: each route gets the API middleware chain in front of it. (The generated
// per-operationId option is not used: its keys must match the spec's raw ids
// exactly, and a miss would silently leave a route unauthenticated.)
type routeGuard struct {
	e *echo.Echo
	// Every route gets before, guards, after; public routes ("GET
	// /scim/v2/healthz"), which declare security: [] in the spec, skip the
	// guards (authentication, and the gate that answers 503 while the
	// database is not there).
	before, guards, after []echo.MiddlewareFunc
	public                map[string]bool
}

func (g routeGuard) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	mw := append([]echo.MiddlewareFunc{}, g.before...)
	if !g.public[method+" "+path] {
		mw = append(mw, g.guards...)
	}
	mw = append(append(mw, g.after...), m...)
	return g.e.Add(method, path, h, mw...)
}

// publicRoutes lists the operations the spec exempts from authentication
// (security: []), as Echo registers them under basePath.
func publicRoutes(basePath string) (map[string]bool, error) {
	spec, err := api.GetSwagger()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security != nil && len(*op.Security) == 0 {
				if strings.Contains(path, "{") {
					return nil, fmt.Errorf("public operation %s %s: path parameters are not supported here", method, path)
				}
				out[method+" "+basePath+path] = true
			}
		}
	}
	return out, nil
}

func (g routeGuard) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodConnect, p, h, m)
}
func (g routeGuard) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodDelete, p, h, m)
}
func (g routeGuard) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodGet, p, h, m)
}
func (g routeGuard) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodHead, p, h, m)
}
func (g routeGuard) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodOptions, p, h, m)
}
func (g routeGuard) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodPatch, p, h, m)
}
func (g routeGuard) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodPost, p, h, m)
}
func (g routeGuard) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodPut, p, h, m)
}
func (g routeGuard) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return g.add(http.MethodTrace, p, h, m)
}
