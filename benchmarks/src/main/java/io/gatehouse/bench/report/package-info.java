/** Turns benchmark scores into RESULTS.md tables and charts. */
package io.gatehouse.bench.report;
