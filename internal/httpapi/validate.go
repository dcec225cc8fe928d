package httpapi

import (
	"context"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"postfixadmin-scim/gen/api"
)

// newValidator checks each request against the embedded spec before the
// generated handler binds it. Keeping the validated value also lets the
// generated code bind application/scim+json bodies, which Echo's binder
// would refuse with 415.
func newValidator(basePath string) (echo.MiddlewareFunc, error) {
	router, err := specRouter(basePath)
	if err != nil {
		return nil, err
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, // auth is its own middleware
		KeepValidatedValue: true,
		// SCIM: clients may send readOnly attributes back (id, meta); they are ignored.
		ExcludeReadOnlyValidations: true,
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			route, params, err := router.FindRoute(req)
			if err != nil {
				return err
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
				return err
			}
			return next(c)
		}
	}, nil
}

// specRouter routes requests over the embedded spec, served at basePath.
func specRouter(basePath string) (routers.Router, error) {
	spec, err := api.GetSwagger()
	if err != nil {
		return nil, err
	}
	spec.Servers = openapi3.Servers{{URL: basePath}}
	if err := spec.Validate(context.Background()); err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(spec)
}
