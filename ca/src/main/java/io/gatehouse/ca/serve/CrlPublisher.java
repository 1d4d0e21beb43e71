package io.gatehouse.ca.serve;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.crl.CrlBuilder;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.StoreIntegrity;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The CRL served at {@code /crl}: re-signed when the verified chain records a new revocation and
 * at half its validity. It reads only the revoked rows and checks each against the chain ({@link
 * StoreIntegrity#checkRevoked}), so neither a change nor a CRL costs a read of every certificate,
 * and a row un-revoked by hand fails the store instead of dropping out of the CRL.
 */
final class CrlPublisher {
  /** A signed CRL and its validity. */
  record Snapshot(byte[] der, Instant thisUpdate, Instant nextUpdate) {}

  private final CertificateStore store;
  private final StoreIntegrity integrity;
  private final IssuerKey issuer;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  /** The chain's count of revoke entries when the current CRL was signed. */
  private volatile long revocationsInCurrent = -1;

  CrlPublisher(CertificateStore store, StoreIntegrity integrity, IssuerKey issuer) {
    this.store = store;
    this.integrity = integrity;
    this.issuer = issuer;
  }

  /** Signs a fresh CRL from checked rows and publishes it. */
  void regenerate(Instant now) throws CaException {
    long revocations = integrity.revocations();
    List<CertificateRecord> revoked = store.listRevoked();
    integrity.checkRevoked(revoked);
    X509CRL crl = CrlBuilder.build(revoked, store, issuer, now, CrlBuilder.VALIDITY);
    revocationsInCurrent = revocations;
    try {
      current.set(new Snapshot(crl.getEncoded(), crl.getThisUpdate().toInstant(),
          crl.getNextUpdate().toInstant()));
    } catch (CRLException e) {
      throw new CaException("cannot encode the CRL", e);
    }
  }

  /**
   * Signs a fresh CRL when the verified chain holds revocations the current one was not built
   * after. Reads nothing: a change that revoked nothing (an issuance, another node's CRL number)
   * costs no CRL and no row read.
   */
  void regenerateIfRevocationsChanged(Instant now) throws CaException {
    if (current.get() == null || integrity.revocations() != revocationsInCurrent) {
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
