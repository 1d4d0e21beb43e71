/** The JSON-lines audit log: decisions, aggregated refusals, rolling 0600 files. */
package io.gatehouse.transport.auth.audit;
