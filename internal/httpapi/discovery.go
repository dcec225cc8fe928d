package httpapi

import (
	"context"
	"net/url"
	"strings"

	"postfixadmin-scim/gen/api"
	"postfixadmin-scim/internal/fault"
	"postfixadmin-scim/internal/scim"
)

// The discovery endpoints (RFC 7644 §4) are generated from the schema and
// resource-type tables in internal/scim.

func (s *Server) GetServiceProviderConfig(ctx context.Context, _ api.GetServiceProviderConfigRequestObject) (api.GetServiceProviderConfigResponseObject, error) {
	primary := true
	cfg := api.GetServiceProviderConfig200ApplicationScimPlusJSONResponse{
		Schemas:        []api.ServiceProviderConfigSchemas{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		Patch:          api.Supported{Supported: true},
		ChangePassword: api.Supported{Supported: true}, // PUT or PATCH of password
		Sort:           api.Supported{Supported: true},
		Etag:           api.Supported{Supported: true},
		AuthenticationSchemes: []api.AuthenticationScheme{
			{Type: "httpbasic", Name: "HTTP Basic", Description: "A PostfixAdmin superadmin's username and password.", Primary: &primary},
			{Type: "oauthbearertoken", Name: "Bearer token", Description: "An HS256 JWT naming a PostfixAdmin superadmin, minted by the token command."},
		},
		Meta: api.DiscoveryMeta{ResourceType: "ServiceProviderConfig", Location: scopeFrom(ctx).baseURL + "/ServiceProviderConfig"},
	}
	cfg.Filter.Supported, cfg.Filter.MaxResults = true, maxPageSize
	return cfg, nil
}

func (s *Server) ListResourceTypes(ctx context.Context, _ api.ListResourceTypesRequestObject) (api.ListResourceTypesResponseObject, error) {
	res := api.ListResourceTypes200ApplicationScimPlusJSONResponse{
		Schemas:      []api.ResourceTypeListResponseSchemas{scim.ListResponseSchema},
		TotalResults: len(scim.ResourceTypes), StartIndex: 1, ItemsPerPage: len(scim.ResourceTypes),
	}
	for _, rt := range scim.ResourceTypes {
		res.Resources = append(res.Resources, resourceTypeOf(ctx, rt))
	}
	return res, nil
}

func (s *Server) GetResourceType(ctx context.Context, req api.GetResourceTypeRequestObject) (api.GetResourceTypeResponseObject, error) {
	for _, rt := range scim.ResourceTypes {
		if strings.EqualFold(rt.ID, req.Id) {
			return api.GetResourceType200ApplicationScimPlusJSONResponse(resourceTypeOf(ctx, rt)), nil
		}
	}
	return nil, fault.New(fault.NotFound, "No resource type %q.", req.Id)
}

func (s *Server) ListSchemas(ctx context.Context, _ api.ListSchemasRequestObject) (api.ListSchemasResponseObject, error) {
	res := api.ListSchemas200ApplicationScimPlusJSONResponse{
		Schemas:      []api.SchemaListResponseSchemas{scim.ListResponseSchema},
		TotalResults: len(scim.Schemas), StartIndex: 1, ItemsPerPage: len(scim.Schemas),
	}
	for _, sc := range scim.Schemas {
		res.Resources = append(res.Resources, s.schemaResource(ctx, sc))
	}
	return res, nil
}

func (s *Server) GetSchema(ctx context.Context, req api.GetSchemaRequestObject) (api.GetSchemaResponseObject, error) {
	for _, sc := range scim.Schemas {
		if strings.EqualFold(sc.ID, req.Id) {
			return api.GetSchema200ApplicationScimPlusJSONResponse(s.schemaResource(ctx, sc)), nil
		}
	}
	return nil, fault.New(fault.NotFound, "No schema %q.", req.Id)
}

func resourceTypeOf(ctx context.Context, rt scim.ResourceType) api.ResourceType {
	out := api.ResourceType{
		Schemas: []api.ResourceTypeSchemas{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
		Id:      rt.ID, Name: rt.Name, Endpoint: rt.Endpoint, Description: &rt.Description, Schema: rt.Schema,
		Meta: api.DiscoveryMeta{ResourceType: "ResourceType", Location: scopeFrom(ctx).baseURL + "/ResourceTypes/" + rt.ID},
	}
	exts := make([]api.SchemaExtension, 0, len(rt.Extensions))
	for _, e := range rt.Extensions {
		exts = append(exts, api.SchemaExtension{Schema: e, Required: false})
	}
	out.SchemaExtensions = &exts
	return out
}

func (s *Server) schemaResource(ctx context.Context, sc scim.Schema) api.Schema {
	attrs := schemaAttributes(sc.Attributes)
	if !s.opts.Store.ExternalIDs() {
		for i := range attrs {
			if attrs[i].Name == "externalId" {
				attrs[i].Description = ptr(scim.ExternalIDNotStored)
			}
		}
	}
	return api.Schema{
		Schemas: []api.SchemaSchemas{"urn:ietf:params:scim:schemas:core:2.0:Schema"},
		Id:      sc.ID, Name: sc.Name, Description: &sc.Description,
		Attributes: attrs,
		Meta:       api.DiscoveryMeta{ResourceType: "Schema", Location: scopeFrom(ctx).baseURL + "/Schemas/" + url.PathEscape(sc.ID)},
	}
}

func schemaAttributes(attrs []scim.Attribute) []api.SchemaAttribute {
	out := make([]api.SchemaAttribute, len(attrs))
	for i, a := range attrs {
		out[i] = api.SchemaAttribute{
			Name: a.Name, Type: api.SchemaAttributeType(a.Type), MultiValued: a.MultiValued, Description: &a.Description,
			Required: a.Required, CaseExact: a.CaseExact, Mutability: api.SchemaAttributeMutability(a.Mutability),
			Returned: api.SchemaAttributeReturned(a.Returned), Uniqueness: api.SchemaAttributeUniqueness(a.Uniqueness),
		}
		if len(a.SubAttributes) > 0 {
			sub := schemaAttributes(a.SubAttributes)
			out[i].SubAttributes = &sub
		}
	}
	return out
}
