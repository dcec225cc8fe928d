-- Aliases as SCIM Groups: alias rows that are not a mailbox's self-alias.
-- The three engines' files differ only where marked ENGINE. alias.description
-- exists only on master layouts: reads go through the alias_description
-- template (replaced by '' elsewhere), and SetAliasDescription is called only
-- where the column exists.

-- name: GetGroup :one
SELECT a.address, a.goto, a.domain, a.active, a.created, a.modified,
       /* TEMPLATE_BEGIN: alias_description */ a.description /* TEMPLATE_END */ AS description,
       /* TEMPLATE_BEGIN: group_external_id */ CONCAT('') /* TEMPLATE_END */ AS external_id -- ENGINE
FROM alias a
WHERE a.address = sqlc.arg(address)
  AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = a.address);

-- name: ListGroups :many
-- Catch-alls (@domain) are reached by id only. The where and order templates
-- take a filter and sortBy translated by internal/scimfilter.
SELECT a.address, a.goto, a.domain, a.active, a.created, a.modified,
       /* TEMPLATE_BEGIN: alias_description */ a.description /* TEMPLATE_END */ AS description,
       /* TEMPLATE_BEGIN: group_external_id */ CONCAT('') /* TEMPLATE_END */ AS external_id -- ENGINE
FROM alias a
WHERE a.address NOT LIKE '@%'
  AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = a.address)
  AND (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */)
ORDER BY /* TEMPLATE_BEGIN: order */ a.address /* TEMPLATE_END */
LIMIT ? OFFSET ?; -- ENGINE

-- name: CountGroups :one
SELECT COUNT(*) FROM alias a
WHERE a.address NOT LIKE '@%'
  AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = a.address)
  AND (/* TEMPLATE_BEGIN: where */ 1 = 1 /* TEMPLATE_END */);

-- name: MailboxNames :many
-- Which of a list of addresses are mailboxes: the addresses template is an
-- IN list of placeholders (one query for a whole page of groups).
SELECT m.username, m.name FROM mailbox m
WHERE m.username IN (/* TEMPLATE_BEGIN: addresses */ '' /* TEMPLATE_END */);

-- name: CountAliasesOfDomain :one
-- Every alias row of the domain, self-aliases included: AliasHandler's limit
-- check subtracts the mailbox count.
SELECT COUNT(*) FROM alias WHERE domain = sqlc.arg(domain);

-- name: UpdateAliasGoto :execrows
UPDATE alias SET goto = sqlc.arg(goto), active = sqlc.arg(active), modified = NOW() -- ENGINE
WHERE address = sqlc.arg(address);

-- name: SetAliasDescription :exec
UPDATE alias SET description = sqlc.arg(description) WHERE address = sqlc.arg(address);

-- name: DeleteGroup :execrows
DELETE FROM alias
WHERE address = sqlc.arg(address)
  AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = alias.address);

-- name: AliasesTargeting :many
-- The aliases (self-aliases of other mailboxes included) that deliver to a
-- target, for removing a deleted mailbox (its own alias already gone) from
-- them. goto is not indexed: this reads the alias table once.
SELECT a.address, a.goto, a.domain, a.active FROM alias a
WHERE FIND_IN_SET(sqlc.arg(target), a.goto) > 0; -- ENGINE

-- name: DeleteGroupExternalID :exec
DELETE FROM scim_external_id WHERE resource_type = 'Group' AND resource_id = sqlc.arg(resource_id);

-- name: ListGroupTargets :many
-- Every Group's goto, for the groups attribute of Users (returned on request
-- only: goto is not indexed, so this reads every alias that is not a mailbox's).
SELECT a.address, a.goto,
       /* TEMPLATE_BEGIN: alias_description */ a.description /* TEMPLATE_END */ AS description
FROM alias a
WHERE a.address NOT LIKE '@%'
  AND NOT EXISTS (SELECT 1 FROM mailbox m WHERE m.username = a.address)
ORDER BY a.address;
