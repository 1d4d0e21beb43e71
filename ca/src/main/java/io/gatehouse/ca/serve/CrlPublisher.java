package io.gatehouse.ca.serve;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.crl.CrlBuilder;
import io.gatehouse.ca.db.CertificateStore;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/** The CRL served at {@code /crl}: re-signed on every store change and at half its validity. */
final class CrlPublisher {
  /** A signed CRL and its validity. */
  record Snapshot(byte[] der, Instant thisUpdate, Instant nextUpdate) {}

  private final CertificateStore store;
  private final IssuerKey issuer;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  /** Every revoked serial when the current CRL was signed (expired ones included). */
  private volatile java.util.Set<java.math.BigInteger> revokedInCurrent = java.util.Set.of();

  CrlPublisher(CertificateStore store, IssuerKey issuer) {
    this.store = store;
    this.issuer = issuer;
  }

  /** Signs a fresh CRL and publishes it. */
  void regenerate(Instant now) throws CaException {
    java.util.Set<java.math.BigInteger> revoked = new java.util.HashSet<>();
    for (io.gatehouse.ca.db.CertificateRecord record : store.list()) {
      if (record.revokedAt() != null) {
        revoked.add(record.serial());
      }
    }
    X509CRL crl = CrlBuilder.build(store, issuer, now, CrlBuilder.VALIDITY);
    revokedInCurrent = revoked;
    try {
      current.set(new Snapshot(crl.getEncoded(), crl.getThisUpdate().toInstant(),
          crl.getNextUpdate().toInstant()));
    } catch (CRLException e) {
      throw new CaException("cannot encode the CRL", e);
    }
  }

  /** Signs a fresh CRL when the revoked serials differ from those of the current one. */
  void regenerateIfRevocationsChanged(Instant now) throws CaException {
    java.util.Set<java.math.BigInteger> revoked = new java.util.HashSet<>();
    for (io.gatehouse.ca.db.CertificateRecord record : store.list()) {
      if (record.revokedAt() != null) {
        revoked.add(record.serial());
      }
    }
    if (current.get() == null || !revoked.equals(revokedInCurrent)) {
      regenerate(now);
    }
  }

  /** True when half the current CRL's validity has passed. */
  boolean due(Instant now) {
    Snapshot snapshot = current.get();
    if (snapshot == null) {
      return true;
    }
    Duration half = Duration.between(snapshot.thisUpdate(), snapshot.nextUpdate()).dividedBy(2);
    return !now.isBefore(snapshot.thisUpdate().plus(half));
  }

  /** The CRL to serve. */
  Snapshot current() {
    return current.get();
  }
}
