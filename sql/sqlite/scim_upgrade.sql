-- Upgrades a companion table created before externalId stopped being unique
-- (SQLite cannot drop a table's UNIQUE constraint: the table is rebuilt).
CREATE TABLE scim_external_id_new (
  resource_type varchar(16) NOT NULL,
  resource_id varchar(255) NOT NULL,
  external_id varchar(255) NOT NULL,
  PRIMARY KEY (resource_type, resource_id)
);
INSERT INTO scim_external_id_new SELECT resource_type, resource_id, external_id FROM scim_external_id;
DROP TABLE scim_external_id;
ALTER TABLE scim_external_id_new RENAME TO scim_external_id;
CREATE INDEX scim_external_id_value ON scim_external_id (resource_type, external_id);
