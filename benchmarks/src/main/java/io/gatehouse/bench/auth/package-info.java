/** JMH: the cost of each authentication path against the raw primitive it is built on. */
package io.gatehouse.bench.auth;
