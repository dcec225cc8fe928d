package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routeGuard is the api.EchoRouter the generated code registers its routes
// on: each route gets the API middleware chain in front of it. (The generated
// per-operationId option is not used: its keys must match the spec's raw ids
// exactly, and a miss would silently leave a route unauthenticated.)
type routeGuard struct {
	e     *echo.Echo
	chain []echo.MiddlewareFunc
}

func (g routeGuard) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	mw := append(append([]echo.MiddlewareFunc{}, g.chain...), m...)
	return g.e.Add(method, path, h, mw...)
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
