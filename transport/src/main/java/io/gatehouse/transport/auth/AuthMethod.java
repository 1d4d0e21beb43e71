package io.gatehouse.transport.auth;

/** How a caller proved who it is, in the order the pipeline tries them. */
public enum AuthMethod {
  /** An mTLS client certificate issued by a trusted CA. */
  CERTIFICATE,
  /** A bearer JWT. */
  JWT,
  /** An {@code X-API-Key} header. */
  API_KEY,
  /** Nobody: only when authentication is switched off (tests, benchmarks). */
  NONE
}
