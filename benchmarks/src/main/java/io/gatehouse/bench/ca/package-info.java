/** JMH: certificate issuance by the CA. */
package io.gatehouse.bench.ca;
