package io.gatehouse.transport.auth;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The transport's one BouncyCastle provider instance (JWT verification, OCSP request digests and
 * response verification), passed explicitly to the code that needs it rather than registered
 * JVM-wide, so the host application's provider order is untouched. Its ECDSA P-256 and Ed25519
 * verification is about ten times faster than the JDK's SunEC on our machines
 * (docs/authentication.md). The {@code ca} module has its own ({@code Crypto.BC}): transport main
 * code uses only {@code ca}'s identity codec.
 */
public final class BouncyCastle {
  public static final Provider PROVIDER = new BouncyCastleProvider();

  private BouncyCastle() {}
}
