/**
 * Bearer-JWT authentication with Nimbus JOSE+JWT: an explicit algorithm allow-list, keys from a
 * local file or a cached, rate-limited JWKS URL, strict claim checks (RFC 7519, RFC 8707 audience,
 * RFC 8705 certificate binding) and a bounded verified-token cache.
 */
package io.gatehouse.transport.auth.jwt;
