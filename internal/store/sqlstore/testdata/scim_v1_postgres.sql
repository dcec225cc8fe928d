-- postfixadmin-scim's own companion table (not part of PostfixAdmin): SCIM
-- externalId values per resource. Created only by "postfixadmin-scim migrate".
CREATE TABLE scim_external_id (
  resource_type varchar(16) NOT NULL,
  resource_id varchar(255) NOT NULL,
  external_id varchar(255) NOT NULL,
  PRIMARY KEY (resource_type, resource_id),
  UNIQUE (resource_type, external_id)
);
