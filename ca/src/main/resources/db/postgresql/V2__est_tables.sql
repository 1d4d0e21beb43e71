-- Gatehouse CA store, PostgreSQL, schema 3: the EST tables (issue 14) as store tables, bound by
-- the audit chain and moved by 'ca db copy' (docs/ca.md, "EST tables"). Same DDL as the SQLite
-- store's (EstTables.SCHEMA).

CREATE TABLE est_provisioners (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  roles VARCHAR(4096) NOT NULL,
  name_pattern VARCHAR(256) NOT NULL,
  dns_patterns VARCHAR(4096) NOT NULL,
  ip_patterns VARCHAR(4096) NOT NULL,
  max_ttl_seconds BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE est_spent_tokens (
  jti VARCHAR(128) NOT NULL PRIMARY KEY,
  provisioner VARCHAR(64) NOT NULL,
  subject VARCHAR(256) NOT NULL,
  used_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE est_enrollments (
  serial VARCHAR(64) NOT NULL PRIMARY KEY,
  provisioner VARCHAR(64) NOT NULL,
  enrolled_at BIGINT NOT NULL
);

-- An EST row's audit subject is 'provisioner:<name>', 'token:<jti>' or 'enrollment:<serial>'.
ALTER TABLE audit ALTER COLUMN serial TYPE VARCHAR(256);

UPDATE counters SET counter_value = 3 WHERE name = 'schema';

CREATE TRIGGER est_provisioners_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON est_provisioners
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_ca_notify();
CREATE TRIGGER est_spent_tokens_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON est_spent_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_ca_notify();
CREATE TRIGGER est_enrollments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON est_enrollments
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_ca_notify();
