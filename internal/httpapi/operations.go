package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	apispec "postfixadmin-scim/api"
	"postfixadmin-scim/gen/api"
)

// The operations endpoints: unauthenticated (security: [] in the spec, which
// routeGuard honours), no database access except /readyz.

func (s *Server) GetHealth(context.Context, api.GetHealthRequestObject) (api.GetHealthResponseObject, error) {
	return api.GetHealth200JSONResponse{Status: api.HealthStatusOk}, nil
}

// readyTimeout bounds a readiness check, so a silent database makes the
// probe fail instead of hang.
const readyTimeout = 3 * time.Second

func (s *Server) GetReadiness(ctx context.Context, _ api.GetReadinessRequestObject) (api.GetReadinessResponseObject, error) {
	if s.opts.Ready == nil {
		return api.GetReadiness200JSONResponse{Status: api.HealthStatusOk}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	layout, err := s.opts.Ready(ctx)
	if err != nil {
		s.log.Warn("not ready", "err", err)
		return api.GetReadiness503JSONResponse{Status: api.HealthStatusUnavailable, Detail: ptr("database: " + err.Error())}, nil
	}
	return api.GetReadiness200JSONResponse{Status: api.HealthStatusOk, Layout: &layout}, nil
}

func (s *Server) GetMetrics(ctx context.Context, _ api.GetMetricsRequestObject) (api.GetMetricsResponseObject, error) {
	return metricsResponse{h: s.opts.Metrics}, nil
}

// metricsResponse writes the exposition of the metrics handler.
type metricsResponse struct{ h http.Handler }

func (m metricsResponse) VisitGetMetricsResponse(w http.ResponseWriter) error {
	if m.h == nil {
		w.WriteHeader(http.StatusNotFound)
		return nil
	}
	m.h.ServeHTTP(w, &http.Request{Method: http.MethodGet, Header: http.Header{}})
	return nil
}

func (s *Server) GetOpenAPIYAML(context.Context, api.GetOpenAPIYAMLRequestObject) (api.GetOpenAPIYAMLResponseObject, error) {
	return api.GetOpenAPIYAML200ApplicationyamlResponse{Body: bytes.NewReader(apispec.YAML), ContentLength: int64(len(apispec.YAML))}, nil
}

func (s *Server) GetOpenAPIJSON(context.Context, api.GetOpenAPIJSONRequestObject) (api.GetOpenAPIJSONResponseObject, error) {
	spec, err := api.GetSwagger()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	return api.GetOpenAPIJSON200JSONResponse(doc), nil
}
