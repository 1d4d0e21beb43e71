/**
 * Client-certificate authentication: the identity (SPIFFE URI SAN) and roles (Gatehouse roles
 * extension) of a certificate chain already verified by the TLS handshake.
 */
package io.gatehouse.transport.auth.cert;
