package io.gatehouse.ca.authority;

import io.gatehouse.pki.BouncyCastle;
import java.security.Provider;
import java.security.SecureRandom;

/**
 * The JCA provider and randomness the CA uses: the shared {@link BouncyCastle} holder, used as an
 * explicit provider instance, never installed globally.
 */
public final class Crypto {
  /** The one BouncyCastle provider ({@link BouncyCastle#PROVIDER}). */
  public static final Provider BC = BouncyCastle.PROVIDER;

  private Crypto() {}

  /** The process-wide CSPRNG. */
  public static SecureRandom random() {
    return BouncyCastle.random();
  }
}
