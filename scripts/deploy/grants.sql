-- The privileges postfixadmin-scim needs on PostfixAdmin's database, for a
-- user of its own (not PostfixAdmin's, not root). It reads and writes the
-- tables PostfixAdmin's handlers write for domains, mailboxes and aliases,
-- reads admin rows (never writes them: the bootstrap admin is only created
-- in a SQLite file it makes itself), and owns its two companion tables,
-- which "postfixadmin-scim migrate" creates (CREATE/INDEX/ALTER/DROP are
-- needed for that step only; run it once with them, then revoke them).

-- MariaDB / MySQL (database "postfix"):
CREATE USER 'pfscim'@'10.0.0.%' IDENTIFIED BY 'change-me';
GRANT SELECT ON postfix.admin TO 'pfscim'@'10.0.0.%';
GRANT SELECT ON postfix.domain_admins TO 'pfscim'@'10.0.0.%';
GRANT SELECT ON postfix.config TO 'pfscim'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON postfix.domain TO 'pfscim'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON postfix.mailbox TO 'pfscim'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON postfix.alias TO 'pfscim'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE ON postfix.alias_domain TO 'pfscim'@'10.0.0.%';
GRANT SELECT, INSERT, DELETE ON postfix.log TO 'pfscim'@'10.0.0.%';
GRANT SELECT, DELETE ON postfix.vacation TO 'pfscim'@'10.0.0.%';
GRANT SELECT, DELETE ON postfix.vacation_notification TO 'pfscim'@'10.0.0.%';
GRANT SELECT, DELETE ON postfix.quota TO 'pfscim'@'10.0.0.%';
GRANT SELECT, DELETE ON postfix.quota2 TO 'pfscim'@'10.0.0.%';
GRANT SELECT, DELETE ON postfix.fetchmail TO 'pfscim'@'10.0.0.%';
-- Deleting domains (domain_delete_cascade) also clears their admin assignments:
GRANT DELETE ON postfix.domain_admins TO 'pfscim'@'10.0.0.%';
-- The companion tables (after migrate) and migrate itself:
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, INDEX, ALTER, DROP ON postfix.scim_external_id TO 'pfscim'@'10.0.0.%';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, INDEX, ALTER, DROP ON postfix.scim_user_spelling TO 'pfscim'@'10.0.0.%';

-- PostgreSQL (database "postfix", schema public):
-- CREATE ROLE pfscim LOGIN PASSWORD 'change-me';
-- GRANT CONNECT ON DATABASE postfix TO pfscim;
-- GRANT USAGE ON SCHEMA public TO pfscim;
-- GRANT SELECT ON admin, domain_admins, config TO pfscim;
-- GRANT SELECT, INSERT, UPDATE, DELETE ON domain, mailbox, alias, alias_domain TO pfscim;
-- GRANT SELECT, INSERT, DELETE ON log TO pfscim;
-- GRANT USAGE ON SEQUENCE log_id_seq TO pfscim;
-- GRANT SELECT, DELETE ON vacation, vacation_notification, quota, quota2, fetchmail, domain_admins TO pfscim;
-- For migrate (once), then the tables it creates are owned by pfscim:
-- GRANT CREATE ON SCHEMA public TO pfscim;
