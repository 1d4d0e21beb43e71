/** OCSP revocation checking of client certificates, with its Caffeine cache and fail-closed policy. */
package io.gatehouse.transport.auth.revocation;
