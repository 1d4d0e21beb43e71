/**
 * RFC 5280 CRLs built from the store.
 */
package io.gatehouse.ca.crl;
