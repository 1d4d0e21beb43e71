/** Per-principal and per-tool rate limits, and the lockout of refused credentials. */
package io.gatehouse.transport.auth.ratelimit;
