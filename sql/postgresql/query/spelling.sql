-- The client's spelling of a User, in postfixadmin-scim's companion table
-- (sql/postgresql/scim_spelling.sql). Called only when that table exists; reads go
-- through the user_spelling template of the mailbox queries.

-- name: InsertUserSpelling :exec
INSERT INTO scim_user_spelling (username, spelling) VALUES (sqlc.arg(username), sqlc.arg(spelling));

-- name: DeleteUserSpelling :exec
DELETE FROM scim_user_spelling WHERE username = sqlc.arg(username);

-- name: DeleteUserSpellingsOfDomain :exec
DELETE FROM scim_user_spelling WHERE substr(username, strpos(username, '@') + 1) = sqlc.arg(domain);
