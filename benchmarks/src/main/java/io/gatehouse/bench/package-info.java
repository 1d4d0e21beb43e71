/** Entry point of {@code ./gatehouse bench}: runs the JMH suites and the end-to-end harness, writes RESULTS.md. */
package io.gatehouse.bench;
