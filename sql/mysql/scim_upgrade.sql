-- Upgrades a companion table created before externalId stopped being unique.
ALTER TABLE scim_external_id DROP INDEX scim_external_id_unique, ADD INDEX scim_external_id_value (resource_type, external_id);
