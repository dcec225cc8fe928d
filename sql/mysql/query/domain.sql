-- Domain queries. The three engines' files differ only where marked ENGINE:
-- the clock expression, LIMIT parameters and boolean literals.

-- name: GetDomain :one
-- With the domain come its usage counters, counted as PostfixAdmin counts
-- them (alias rows include each mailbox's self-alias; quota2 is written by
-- Dovecot), so a page of domains is one query.
SELECT domain, description, aliases, mailboxes, maxquota, quota, transport, backupmx,
       created, modified, active, password_expiry, /* TEMPLATE_BEGIN: domain_external_id */ CONCAT('') /* TEMPLATE_END */ AS external_id,
       CONCAT(COALESCE((SELECT ad.target_domain FROM alias_domain ad WHERE ad.alias_domain = d.domain), '')) AS alias_for, -- ENGINE
       CAST((SELECT COUNT(*) FROM mailbox mc WHERE mc.domain = d.domain) AS SIGNED) AS mailbox_count,
       CAST((SELECT COUNT(*) FROM alias ac WHERE ac.domain = d.domain) AS SIGNED) AS alias_rows,
       CAST((SELECT COALESCE(SUM(q.bytes), 0) FROM quota2 q JOIN mailbox mq ON mq.username = q.username
             WHERE mq.domain = d.domain) AS SIGNED) AS used_bytes
FROM domain d
WHERE d.domain = sqlc.arg(domain) AND d.domain <> 'ALL';

-- name: ListDomains :many
-- The where and order templates take a filter and sortBy translated by
-- internal/scimfilter (see internal/sqltemplate); usage as in GetDomain.
SELECT d.domain, d.description, d.aliases, d.mailboxes, d.maxquota, d.quota, d.transport, d.backupmx,
       d.created, d.modified, d.active, d.password_expiry, /* TEMPLATE_BEGIN: domain_external_id */ CONCAT('') /* TEMPLATE_END */ AS external_id,
       CONCAT(COALESCE((SELECT ad.target_domain FROM alias_domain ad WHERE ad.alias_domain = d.domain), '')) AS alias_for, -- ENGINE
       CAST((SELECT COUNT(*) FROM mailbox mc WHERE mc.domain = d.domain) AS SIGNED) AS mailbox_count,
       CAST((SELECT COUNT(*) FROM alias ac WHERE ac.domain = d.domain) AS SIGNED) AS alias_rows,
       CAST((SELECT COALESCE(SUM(q.bytes), 0) FROM quota2 q JOIN mailbox mq ON mq.username = q.username
             WHERE mq.domain = d.domain) AS SIGNED) AS used_bytes
FROM domain d
WHERE d.domain <> 'ALL' AND (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */)
ORDER BY /* TEMPLATE_BEGIN: order */ d.domain /* TEMPLATE_END */
LIMIT ? OFFSET ?; -- ENGINE

-- name: CountDomains :one
SELECT COUNT(*) FROM domain d WHERE d.domain <> 'ALL' AND (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */);

-- name: CountMailboxesOfDomain :one
SELECT COUNT(*) FROM mailbox WHERE domain = sqlc.arg(domain);

-- name: InsertDomain :exec
INSERT INTO domain (domain, description, aliases, mailboxes, maxquota, quota, transport,
                    backupmx, active, password_expiry, created, modified)
VALUES (sqlc.arg(domain), sqlc.arg(description), sqlc.arg(aliases), sqlc.arg(mailboxes),
        sqlc.arg(maxquota), sqlc.arg(quota), sqlc.arg(transport), sqlc.arg(backupmx),
        sqlc.arg(active), sqlc.arg(password_expiry),
        NOW(), NOW()); -- ENGINE

-- name: UpdateDomain :execrows
UPDATE domain
SET description = sqlc.arg(description), aliases = sqlc.arg(aliases), mailboxes = sqlc.arg(mailboxes),
    maxquota = sqlc.arg(maxquota), quota = sqlc.arg(quota), transport = sqlc.arg(transport),
    backupmx = sqlc.arg(backupmx), active = sqlc.arg(active),
    password_expiry = sqlc.arg(password_expiry),
    modified = NOW() -- ENGINE
WHERE domain = sqlc.arg(domain) AND domain <> 'ALL';

-- name: CountAliasDomainsTargeting :one
SELECT COUNT(*) FROM alias_domain WHERE target_domain = sqlc.arg(domain);

-- The cascade of DomainHandler::delete(), in PostfixAdmin's order. Where PostfixAdmin
-- deletes "username = d OR username LIKE '%@d'", these compare the part after '@'
-- (the whole value when it has none): the same rows, without LIKE's '_' wildcard.

-- name: DeleteDomainAdminsOfDomain :exec
DELETE FROM domain_admins WHERE domain = sqlc.arg(domain);

-- name: DeleteAliasesOfDomain :exec
DELETE FROM alias WHERE domain = sqlc.arg(domain);

-- name: DeleteMailboxesOfDomain :exec
DELETE FROM mailbox WHERE domain = sqlc.arg(domain);

-- name: DeleteAliasDomainsOfDomain :exec
DELETE FROM alias_domain WHERE alias_domain = sqlc.arg(domain);

-- name: DeleteVacationsOfDomain :exec
DELETE FROM vacation WHERE domain = sqlc.arg(domain);

-- name: DeleteVacationNotificationsOfDomain :exec
DELETE FROM vacation_notification WHERE SUBSTRING(on_vacation, LOCATE('@', on_vacation) + 1) = sqlc.arg(domain);

-- name: DeleteQuotaOfDomain :exec
DELETE FROM quota WHERE SUBSTRING(username, LOCATE('@', username) + 1) = sqlc.arg(domain);

-- name: DeleteQuota2OfDomain :exec
DELETE FROM quota2 WHERE SUBSTRING(username, LOCATE('@', username) + 1) = sqlc.arg(domain);

-- name: DeleteFetchmailOfDomain :exec
DELETE FROM fetchmail WHERE SUBSTRING(mailbox, LOCATE('@', mailbox) + 1) = sqlc.arg(domain);

-- name: DeleteLogOfDomain :exec
DELETE FROM log WHERE domain = sqlc.arg(domain);

-- name: DeleteDomain :execrows
DELETE FROM domain WHERE domain = sqlc.arg(domain) AND domain <> 'ALL';

-- name: InsertAliasDomain :exec
-- AliasdomainHandler's row; alias_domain.description (master only) keeps its default ''.
INSERT INTO alias_domain (alias_domain, target_domain, active, created, modified)
VALUES (sqlc.arg(alias_domain), sqlc.arg(target_domain), 1, NOW(), NOW()); -- ENGINE

-- name: SetAliasDomainTarget :exec
UPDATE alias_domain SET target_domain = sqlc.arg(target_domain), modified = NOW() -- ENGINE
WHERE alias_domain = sqlc.arg(alias_domain);
