-- externalId values, in postfixadmin-scim's companion table (sql/mysql/scim.sql).
-- Called only when that table exists; reads go through the external_id
-- template of the mailbox and domain queries.

-- name: InsertExternalID :exec
INSERT INTO scim_external_id (resource_type, resource_id, external_id)
VALUES (sqlc.arg(resource_type), sqlc.arg(resource_id), sqlc.arg(external_id));

-- name: DeleteUserExternalID :exec
DELETE FROM scim_external_id WHERE resource_type = 'User' AND resource_id = sqlc.arg(resource_id);

-- name: DeleteDomainExternalID :exec
DELETE FROM scim_external_id WHERE resource_type = 'Domain' AND resource_id = sqlc.arg(resource_id);

-- name: DeleteUserExternalIDsOfDomain :exec
DELETE FROM scim_external_id
WHERE resource_type = 'User' AND SUBSTRING(resource_id, LOCATE('@', resource_id) + 1) = sqlc.arg(domain);
