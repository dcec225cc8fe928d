package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	gojson "github.com/goccy/go-json"

	"postfixadmin-scim/internal/scim"
)

// resourceResponse writes a resource or a ListResponse, applying the
// request's attributes/excludedAttributes projection. It is the response
// object of every resource operation, so projection happens in one place.
type resourceResponse struct {
	status   int
	location string // Location header, for 201
	body     any    // an api resource or list response
	list     bool   // body is a ListResponse: project each of its Resources
	proj     scim.Projection
	etag     string // ETag header, for single resources
}

// notModified answers a GET whose If-None-Match names the current version,
// and a PATCH that asked for no content (Prefer: return=minimal).
type emptyResponse struct {
	status int
	etag   string
}

func (r emptyResponse) write(w http.ResponseWriter) error {
	w.Header().Set("ETag", r.etag)
	w.WriteHeader(r.status)
	return nil
}

func (r emptyResponse) VisitGetUserResponse(w http.ResponseWriter) error     { return r.write(w) }
func (r emptyResponse) VisitGetDomainResponse(w http.ResponseWriter) error   { return r.write(w) }
func (r emptyResponse) VisitPatchUserResponse(w http.ResponseWriter) error   { return r.write(w) }
func (r emptyResponse) VisitPatchDomainResponse(w http.ResponseWriter) error { return r.write(w) }
func (r emptyResponse) VisitGetGroupResponse(w http.ResponseWriter) error    { return r.write(w) }
func (r emptyResponse) VisitPatchGroupResponse(w http.ResponseWriter) error  { return r.write(w) }

func (r resourceResponse) write(w http.ResponseWriter) error {
	b, err := encodeJSON(r.body)
	if err != nil {
		return err
	}
	if !r.proj.Empty() {
		if b, err = r.project(b); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", scimContentType)
	if r.location != "" {
		w.Header().Set("Location", r.location)
	}
	if r.etag != "" {
		w.Header().Set("ETag", r.etag)
	}
	w.WriteHeader(r.status)
	_, err = w.Write(b)
	return err
}

func (r resourceResponse) project(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep large integers (byte quotas) exact
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if r.list {
		resources, _ := m["Resources"].([]any)
		for _, res := range resources {
			if res, ok := res.(map[string]any); ok {
				r.proj.Apply(res)
			}
		}
	} else {
		r.proj.Apply(m)
	}
	return encodeJSON(m)
}

// encodeJSON encodes a response body. goccy/go-json writes the same bytes as
// encoding/json (TestEncodeJSONAsStdlib) in about 60 % of its time, which is
// a third of a 1 000-user page's cost.
func encodeJSON(v any) ([]byte, error) { return gojson.Marshal(v) }

func (r resourceResponse) VisitListUsersResponse(w http.ResponseWriter) error     { return r.write(w) }
func (r resourceResponse) VisitSearchUsersResponse(w http.ResponseWriter) error   { return r.write(w) }
func (r resourceResponse) VisitGetUserResponse(w http.ResponseWriter) error       { return r.write(w) }
func (r resourceResponse) VisitCreateUserResponse(w http.ResponseWriter) error    { return r.write(w) }
func (r resourceResponse) VisitReplaceUserResponse(w http.ResponseWriter) error   { return r.write(w) }
func (r resourceResponse) VisitListDomainsResponse(w http.ResponseWriter) error   { return r.write(w) }
func (r resourceResponse) VisitSearchDomainsResponse(w http.ResponseWriter) error { return r.write(w) }
func (r resourceResponse) VisitGetDomainResponse(w http.ResponseWriter) error     { return r.write(w) }
func (r resourceResponse) VisitCreateDomainResponse(w http.ResponseWriter) error  { return r.write(w) }
func (r resourceResponse) VisitReplaceDomainResponse(w http.ResponseWriter) error { return r.write(w) }
func (r resourceResponse) VisitSearchAllResponse(w http.ResponseWriter) error     { return r.write(w) }
func (r resourceResponse) VisitPatchUserResponse(w http.ResponseWriter) error     { return r.write(w) }
func (r resourceResponse) VisitPatchDomainResponse(w http.ResponseWriter) error   { return r.write(w) }
func (r resourceResponse) VisitListGroupsResponse(w http.ResponseWriter) error    { return r.write(w) }
func (r resourceResponse) VisitSearchGroupsResponse(w http.ResponseWriter) error  { return r.write(w) }
func (r resourceResponse) VisitGetGroupResponse(w http.ResponseWriter) error      { return r.write(w) }
func (r resourceResponse) VisitCreateGroupResponse(w http.ResponseWriter) error   { return r.write(w) }
func (r resourceResponse) VisitReplaceGroupResponse(w http.ResponseWriter) error  { return r.write(w) }
func (r resourceResponse) VisitPatchGroupResponse(w http.ResponseWriter) error    { return r.write(w) }
