-- Upgrades a companion table created before externalId stopped being unique.
ALTER TABLE scim_external_id DROP CONSTRAINT scim_external_id_resource_type_external_id_key;
CREATE INDEX scim_external_id_value ON scim_external_id (resource_type, external_id);
