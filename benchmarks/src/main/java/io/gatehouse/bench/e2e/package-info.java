/** The end-to-end load harness: one client, each target server in its own JVM, steady-state windows. */
package io.gatehouse.bench.e2e;
