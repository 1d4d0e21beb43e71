/** Outbound HTTP with hard bounds (scheme, time, size, no redirects) for OCSP, JWKS and discovery. */
package io.gatehouse.transport.fetch;
