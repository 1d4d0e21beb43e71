/** Shared fixtures of the benchmarks: a throwaway PKI and CA, targets, temp folders. */
package io.gatehouse.bench.support;
