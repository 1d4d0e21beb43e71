package io.gatehouse.ca.db;

/** Checks a chain-head signature against the issuing CA certificate's public key. */
@FunctionalInterface
public interface HeadVerifier {
  /** True when {@code signature} is the CA's signature over {@code message}. */
  boolean verify(byte[] message, byte[] signature);
}
