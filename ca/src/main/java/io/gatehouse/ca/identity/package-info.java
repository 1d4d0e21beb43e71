/**
 * The identity codec: how a Gatehouse client certificate says who its holder is (a SPIFFE URI SAN)
 * and which roles it holds (a private X.509 extension). This package is the only part of {@code ca}
 * that the transport depends on, so it depends on nothing else of {@code ca}.
 */
package io.gatehouse.ca.identity;
