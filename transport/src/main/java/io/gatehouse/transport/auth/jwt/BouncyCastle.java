package io.gatehouse.transport.auth.jwt;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * One BouncyCastle provider instance, passed explicitly to the verifiers that need it rather than
 * registered JVM-wide. Its ECDSA P-256 and Ed25519 verification is about ten times faster than
 * the JDK's SunEC on our machines (docs/authentication.md).
 */
final class BouncyCastle {
  static final Provider PROVIDER = new BouncyCastleProvider();

  private BouncyCastle() {}
}
