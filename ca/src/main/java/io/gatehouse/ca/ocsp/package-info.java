/**
 * The RFC 6960 / RFC 5019 OCSP responder: delegated signer, pre-signed responses, nonces.
 */
package io.gatehouse.ca.ocsp;
