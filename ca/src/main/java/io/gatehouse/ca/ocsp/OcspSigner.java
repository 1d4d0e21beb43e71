package io.gatehouse.ca.ocsp;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.issue.Issuer;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * The delegated OCSP signer: a P-256 key that exists only in the responder's memory, certified
 * by the CA when the responder starts and again before the certificate reaches two thirds of its
 * life. The CA key signs one certificate per rotation, never a response.
 */
public final class OcspSigner {
  /** Lifetime of a delegated signer certificate. */
  public static final Duration LIFETIME = Duration.ofHours(24);

  private final IssuerKey key;

  private OcspSigner(IssuerKey key) {
    this.key = key;
  }

  /** Generates a key and has {@code issuer} certify it (recorded in the store like any issue). */
  public static OcspSigner issue(Issuer issuer) throws CaException {
    KeyPair pair = KeyType.EC_P256.generate();
    X509Certificate certificate = issuer.issueOcspSigner(pair.getPublic(), LIFETIME);
    return new OcspSigner(IssuerKey.of(certificate, pair.getPrivate()));
  }

  /** The signing key with its certificate. */
  IssuerKey key() {
    return key;
  }

  /** The delegated certificate. */
  public X509Certificate certificate() {
    return key.certificate();
  }

  /** True once two thirds of the certificate's life have passed. */
  public boolean needsRotation(Instant now) {
    Instant notBefore = certificate().getNotBefore().toInstant();
    Duration life = Duration.between(notBefore, certificate().getNotAfter().toInstant());
    return !now.isBefore(notBefore.plus(life.multipliedBy(2).dividedBy(3)));
  }
}
