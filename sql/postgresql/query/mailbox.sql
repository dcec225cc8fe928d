-- Mailbox queries. The three engines' files differ only where marked ENGINE.
-- Columns that not every supported layout has (smtp_active, totp_secret:
-- PostfixAdmin 4.0+) are neither read nor written.

-- name: GetMailbox :one
-- Indexed lookups: the mailbox, its Dovecot usage and its own alias (whose goto
-- holds the forwards), each by primary key.
SELECT m.username, m.name, m.maildir, m.quota, m.local_part, m.domain, m.created, m.modified,
       m.active, m.phone, m.email_other,
       /* TEMPLATE_BEGIN: user_external_id */ CAST('' AS text) /* TEMPLATE_END */ AS external_id,
       /* TEMPLATE_BEGIN: user_spelling */ CAST('' AS text) /* TEMPLATE_END */ AS spelling,
       CAST(COALESCE(q.bytes, 0) AS bigint) AS used_bytes, -- ENGINE
       COALESCE(sa.goto, '') AS self_goto
FROM mailbox m LEFT JOIN quota2 q ON q.username = m.username
     LEFT JOIN alias sa ON sa.address = m.username
WHERE m.username = sqlc.arg(username);

-- name: ListMailboxes :many
-- The where and order templates take a filter and sortBy translated by
-- internal/scimfilter (see internal/sqltemplate).
SELECT m.username, m.name, m.maildir, m.quota, m.local_part, m.domain, m.created, m.modified,
       m.active, m.phone, m.email_other,
       /* TEMPLATE_BEGIN: user_external_id */ CAST('' AS text) /* TEMPLATE_END */ AS external_id,
       /* TEMPLATE_BEGIN: user_spelling */ CAST('' AS text) /* TEMPLATE_END */ AS spelling,
       CAST(COALESCE(q.bytes, 0) AS bigint) AS used_bytes, -- ENGINE
       COALESCE(sa.goto, '') AS self_goto
FROM mailbox m LEFT JOIN quota2 q ON q.username = m.username
     LEFT JOIN alias sa ON sa.address = m.username
WHERE (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */)
ORDER BY /* TEMPLATE_BEGIN: order */ m.username /* TEMPLATE_END */
LIMIT sqlc.arg(lim) OFFSET sqlc.arg(off); -- ENGINE

-- name: CountMailboxes :one
-- No join: filter columns reach quota2 through a subquery (see internal/scim),
-- so counting a large table reads the mailbox index alone.
SELECT COUNT(*) FROM mailbox m
WHERE (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */);

-- name: LockDomain :one
-- Taken at the start of a mailbox write, so that limit checks and the write
-- are serialised per domain. SQLite's BEGIN IMMEDIATE already serialises writers.
SELECT domain, description, aliases, mailboxes, maxquota, quota, transport, backupmx,
       created, modified, active, password_expiry
FROM domain
WHERE domain = sqlc.arg(domain) AND domain <> 'ALL'
FOR UPDATE; -- ENGINE

-- name: SumQuotaOfDomain :one
-- The quota (bytes) of all the domain's mailboxes, for the domain-quota check.
SELECT CAST(COALESCE(SUM(quota), 0) AS bigint) FROM mailbox -- ENGINE
WHERE domain = sqlc.arg(domain);

-- name: AliasExists :one
SELECT COUNT(*) FROM alias WHERE address = sqlc.arg(address);

-- name: InsertMailbox :exec
-- smtp_active (4.0+) and totp_secret are left to their column defaults, 1 and
-- NULL, which is what PostfixAdmin writes; so one statement fits every layout.
-- password_expiry has the minute precision of PHP's date('Y-m-d H:i'),
-- token_validity the whole seconds of date('Y-m-d H:i:s').
INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain, active,
                     phone, email_other, token, token_validity, password_expiry,
                     created, modified)
VALUES (sqlc.arg(username), sqlc.arg(password), sqlc.arg(name), sqlc.arg(maildir), sqlc.arg(quota),
        sqlc.arg(local_part), sqlc.arg(domain), sqlc.arg(active), sqlc.arg(phone), sqlc.arg(email_other), '',
        date_trunc('second', now()), date_trunc('minute', now() + make_interval(days => sqlc.arg(expiry_days)::int)), -- ENGINE
        now(), now()); -- ENGINE

-- name: UpdateMailbox :execrows
UPDATE mailbox
SET name = sqlc.arg(name), quota = sqlc.arg(quota), active = sqlc.arg(active),
    phone = sqlc.arg(phone), email_other = sqlc.arg(email_other),
    modified = now() -- ENGINE
WHERE username = sqlc.arg(username);

-- name: UpdateMailboxPassword :exec
-- A new password also restarts its expiry, as MailboxHandler does.
UPDATE mailbox
SET password = sqlc.arg(password),
    password_expiry = date_trunc('minute', now() + make_interval(days => sqlc.arg(expiry_days)::int)) -- ENGINE
WHERE username = sqlc.arg(username);

-- name: SyncSelfAliasActive :exec
-- The mailbox's self-alias follows mailbox.active (AliasHandler in edit mode).
UPDATE alias SET active = (SELECT m.active FROM mailbox m WHERE m.username = alias.address),
    modified = now() -- ENGINE
WHERE address = sqlc.arg(username);

-- The cascade of MailboxHandler::delete(), in PostfixAdmin's order.

-- name: DeleteFetchmailOfMailbox :exec
DELETE FROM fetchmail WHERE mailbox = sqlc.arg(username);

-- name: DeleteVacationOfMailbox :exec
DELETE FROM vacation WHERE email = sqlc.arg(username);

-- name: DeleteVacationNotificationsOfMailbox :exec
DELETE FROM vacation_notification WHERE on_vacation = sqlc.arg(username);

-- name: DeleteQuotaOfMailbox :exec
DELETE FROM quota WHERE username = sqlc.arg(username);

-- name: DeleteQuota2OfMailbox :exec
DELETE FROM quota2 WHERE username = sqlc.arg(username);

-- name: DeleteSelfAlias :exec
DELETE FROM alias WHERE address = sqlc.arg(username);

-- name: DeleteMailbox :execrows
DELETE FROM mailbox WHERE username = sqlc.arg(username);
