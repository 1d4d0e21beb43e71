/**
 * The durable store of issued certificates, revocations, CRL numbers and the signed audit chain, on SQLite or PostgreSQL.
 */
package io.gatehouse.ca.db;
