-- name: GetLoginAdmin :one
-- PostfixAdmin's login (Login::login) reads only active admins; the username is
-- compared as given (not lower-cased).
SELECT username, password, superadmin
FROM admin
WHERE username = sqlc.arg(username) AND active = 1; -- ENGINE

-- name: InsertAdmin :exec
INSERT INTO admin (username, password, superadmin, active, phone, email_other, token,
                   token_validity, created, modified)
VALUES (sqlc.arg(username), sqlc.arg(password), sqlc.arg(superadmin), sqlc.arg(active), '', '', '',
        datetime('now'), datetime('now'), datetime('now')); -- ENGINE

-- name: InsertDomainAdmin :exec
INSERT INTO domain_admins (username, domain, created)
VALUES (sqlc.arg(username), sqlc.arg(domain), datetime('now')); -- ENGINE
