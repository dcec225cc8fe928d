package httpapi

import (
	"net/http"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/scim"
)

// The steps every resource type's handlers share.

// reply is the response carrying one resource: its ETag and, for 201, its
// Location come from its meta.
func reply(status int, body any, meta *api.Meta, proj scim.Projection) resourceResponse {
	r := resourceResponse{status: status, body: body, proj: proj, etag: *meta.Version}
	if status == http.StatusCreated {
		r.location = *meta.Location
	}
	return r
}

// notModified answers a GET whose If-None-Match names the current version
// (RFC 7644 §3.14).
func notModified(ifNoneMatch *string, version string) (emptyResponse, bool) {
	if ifNoneMatch != nil && scim.ETagMatches(*ifNoneMatch, version) {
		return emptyResponse{status: http.StatusNotModified, etag: version}, true
	}
	return emptyResponse{}, false
}

// writeRequest reads a POST or PUT: the projection of its response and its body.
func writeRequest[T any](attributes, excluded *string, scimBody, jsonBody *T) (scim.Projection, T, error) {
	var zero T
	proj, err := projection(attributes, excluded)
	if err != nil {
		return scim.Projection{}, zero, err
	}
	body, err := oneBody(scimBody, jsonBody)
	if err != nil {
		return scim.Projection{}, zero, err
	}
	return proj, body, nil
}

// patchRequest reads a PATCH: the projection of its response and its operations.
func patchRequest(attributes, excluded *string, scimBody, jsonBody *api.PatchOp) (scim.Projection, []scim.PatchOp, error) {
	proj, err := projection(attributes, excluded)
	if err != nil {
		return scim.Projection{}, nil, err
	}
	ops, err := patchOps(scimBody, jsonBody)
	if err != nil {
		return scim.Projection{}, nil, err
	}
	return proj, ops, nil
}
