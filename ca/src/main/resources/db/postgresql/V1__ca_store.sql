-- Gatehouse CA store, PostgreSQL. Applied only by 'gatehouse ca db migrate' (Flyway), never by
-- nodes starting up. Same tables and columns as the SQLite store (schema 2), see docs/ca.md.

CREATE TABLE certificates (
  serial VARCHAR(64) NOT NULL PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  subject VARCHAR(1024) NOT NULL,
  roles VARCHAR(4096) NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  issued_at BIGINT NOT NULL,
  der BYTEA NOT NULL,
  revoked_at BIGINT,
  revocation_reason INTEGER
);

CREATE TABLE counters (
  name VARCHAR(32) NOT NULL PRIMARY KEY,
  counter_value BIGINT NOT NULL
);

CREATE TABLE audit (
  seq BIGINT NOT NULL PRIMARY KEY,
  at_millis BIGINT NOT NULL,
  action VARCHAR(32) NOT NULL,
  serial VARCHAR(64) NOT NULL,
  detail VARCHAR(4096) NOT NULL,
  prev_hash CHAR(64) NOT NULL,
  entry_hash CHAR(64) NOT NULL,
  actor VARCHAR(256),
  row_digest CHAR(64),
  head_signature BYTEA
);

INSERT INTO counters (name, counter_value) VALUES ('schema', 2), ('crl_number', 0), ('revision', 0);

-- Every committed change, by Gatehouse or by hand, wakes the 'ca serve' nodes (LISTEN
-- gatehouse_ca): they re-verify the chain and drop cached OCSP answers. PostgreSQL delivers a
-- notification only at commit and folds duplicates within a transaction.
CREATE FUNCTION gatehouse_ca_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gatehouse_ca', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER certificates_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON certificates
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_ca_notify();
CREATE TRIGGER audit_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_ca_notify();
CREATE TRIGGER counters_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON counters
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_ca_notify();
