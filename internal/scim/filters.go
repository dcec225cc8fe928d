package scim

import (
	"strings"

	"postfixadmin-scim/internal/scimfilter"
)

// The schema URNs that may qualify an attribute in a filter or sortBy, per
// resource, and the prefix each gives the attribute's canonical key. The
// store's whitelists (internal/store/sqlstore) are keyed by these.

var provisioningURNs = []string{ProvisioningSchema, provisioningCodeAlias, provisioningReadmeAlias}

const (
	provisioningCodeAlias   = "urn:ietf:params:scim:schemas:extension:audriga:provisioning:2.0:User"
	provisioningReadmeAlias = "urn:ietf:params:scim:schemas:audriga:provisioning:2.0:User"
)

// ProvisioningKeyPrefix starts the canonical keys of the provisioning
// extension's attributes ("provisioning:sizequota").
const ProvisioningKeyPrefix = "provisioning:"

// UserFilterSchemas, DomainFilterSchemas resolve filter attribute paths.
var (
	UserFilterSchemas = func() scimfilter.Schemas {
		s := scimfilter.Schemas{strings.ToLower(UserSchema): ""}
		for _, urn := range provisioningURNs {
			s[strings.ToLower(urn)] = ProvisioningKeyPrefix
		}
		return s
	}()
	DomainFilterSchemas = scimfilter.Schemas{strings.ToLower(DomainSchema): "", strings.ToLower(domainSchemaAliases[0]): ""}
)
