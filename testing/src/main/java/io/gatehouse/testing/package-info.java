/** Shared test fixtures (a test-scoped dependency): a throwaway PKI with PEM files and SSLContexts, client-certificate builders, a settable clock. */
package io.gatehouse.testing;
