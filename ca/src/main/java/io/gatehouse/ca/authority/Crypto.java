package io.gatehouse.ca.authority;

import java.security.Provider;
import java.security.SecureRandom;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The JCA provider and randomness the CA uses. BouncyCastle is used as an explicit provider
 * instance, never installed globally, so the host application's provider order is untouched.
 */
public final class Crypto {
  /** BouncyCastle: an order of magnitude faster than the JDK for ECDSA/EdDSA on JDK 17. */
  public static final Provider BC = new BouncyCastleProvider();

  private static final SecureRandom RANDOM = new SecureRandom();

  private Crypto() {}

  /** The process-wide CSPRNG. */
  public static SecureRandom random() {
    return RANDOM;
  }
}
