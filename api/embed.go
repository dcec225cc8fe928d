// Package apispec embeds the OpenAPI document (api/openapi.yaml), which the
// server serves at /openapi.yaml and /openapi.json.
package apispec

import _ "embed"

// YAML is the OpenAPI document as written.
//
//go:embed openapi.yaml
var YAML []byte
