/**
 * {@code ca serve}: OCSP, CRL and JWKS over Netty HTTP(S), with a watcher that follows the store.
 */
package io.gatehouse.ca.serve;
