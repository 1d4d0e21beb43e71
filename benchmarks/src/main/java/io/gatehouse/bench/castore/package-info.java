/** The {@code ca-store} suite: CA issuance and OCSP answers on SQLite beside PostgreSQL, and revoke-to-revoked time between two CA nodes. */
package io.gatehouse.bench.castore;
