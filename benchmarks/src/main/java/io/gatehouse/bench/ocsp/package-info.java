/** JMH: OCSP answers (pre-signed and nonce) and the client-side cache. */
package io.gatehouse.bench.ocsp;
