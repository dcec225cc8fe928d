-- name: GetConfigValue :one
SELECT value FROM config WHERE name = sqlc.arg(name);

-- name: InsertConfigValue :exec
INSERT INTO config (name, value) VALUES (sqlc.arg(name), sqlc.arg(value));

-- name: InsertLog :exec
-- log.username is "<admin> (<client ip>)", as PostfixAdmin's db_log() writes it.
INSERT INTO log (timestamp, username, domain, action, data)
VALUES (NOW(), sqlc.arg(username), sqlc.arg(domain), sqlc.arg(action), sqlc.arg(data)); -- ENGINE

-- name: InsertAlias :exec
-- alias.description exists only on master layouts; its default '' is what PostfixAdmin writes.
INSERT INTO alias (address, goto, domain, active, created, modified)
VALUES (sqlc.arg(address), sqlc.arg(goto), sqlc.arg(domain), sqlc.arg(active),
        NOW(), NOW()); -- ENGINE

-- name: InsertPseudoDomainAll :exec
-- setup.php's 'ALL' row (needed by PostgreSQL's domain_admins foreign key).
INSERT INTO domain (domain, description, transport, created, modified)
VALUES ('ALL', '', '', NOW(), NOW()); -- ENGINE
