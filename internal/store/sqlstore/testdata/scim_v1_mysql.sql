-- postfixadmin-scim's own companion table (not part of PostfixAdmin): SCIM
-- externalId values per resource. Created only by "postfixadmin-scim migrate".
-- resource_id uses PostfixAdmin's collation so it joins mailbox.username and
-- domain.domain; externalId is case-exact (RFC 7643 §3.1).
CREATE TABLE scim_external_id (
  resource_type varchar(16) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  resource_id varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  external_id varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (resource_type, resource_id),
  UNIQUE KEY scim_external_id_unique (resource_type, external_id)
) ENGINE=InnoDB;
