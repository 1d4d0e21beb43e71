/**
 * The durable store of issued certificates, revocations, CRL numbers and the audit chain; SQLite today, portable SQL for PostgreSQL later.
 */
package io.gatehouse.ca.db;
