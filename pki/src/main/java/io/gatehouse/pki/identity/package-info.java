/**
 * The identity codec: how a Gatehouse client certificate says who its holder is (a SPIFFE URI SAN)
 * and which roles it holds (a private X.509 extension). The CA writes it, the transport reads it.
 */
package io.gatehouse.pki.identity;
