/** JMH: full and resumed mutual-TLS handshakes, JDK and OpenSSL providers. */
package io.gatehouse.bench.tls;
