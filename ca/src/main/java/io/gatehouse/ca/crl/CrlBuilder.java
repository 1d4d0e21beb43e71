package io.gatehouse.ca.crl;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.RevocationReason;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;

/**
 * Builds RFC 5280 CRLs from the store: one entry per revoked certificate that has not yet expired
 * (an expired certificate is invalid anyway), CRL number from the store (monotonic across
 * processes), AuthorityKeyIdentifier, and a reason code unless the reason is unspecified (RFC 5280
 * 5.3.1 says to omit it then).
 */
public final class CrlBuilder {
  /** How long a CRL is valid; {@code ca serve} regenerates it well before that. */
  public static final Duration VALIDITY = Duration.ofHours(24);

  private CrlBuilder() {}

  /** Signs a CRL of {@code store}'s revocations with {@code issuer}, valid from {@code now}. */
  public static X509CRL build(CertificateStore store, IssuerKey issuer, Instant now, Duration validity)
      throws CaException {
    return build(store.listRevoked(), store, issuer, now, validity);
  }

  /**
   * Signs a CRL of {@code revoked} (rows the caller read, and checked, from {@code store}), drawing
   * its number from {@code store}.
   */
  public static X509CRL build(List<CertificateRecord> revoked, CertificateStore store, IssuerKey issuer,
      Instant now, Duration validity) throws CaException {
    Instant thisUpdate = now.truncatedTo(ChronoUnit.SECONDS);
    X509v2CRLBuilder builder = new X509v2CRLBuilder(issuer.subject(), Date.from(thisUpdate));
    builder.setNextUpdate(Date.from(thisUpdate.plus(validity)));
    for (CertificateRecord record : revoked) {
      if (record.revokedAt() != null && record.notAfter().isAfter(thisUpdate)) {
        addEntry(builder, record.serial(), record.revokedAt(), record.revocationReason());
      }
    }
    try {
      builder.addExtension(Extension.authorityKeyIdentifier, false, issuer.authorityKeyIdentifier());
      builder.addExtension(Extension.cRLNumber, false,
          new CRLNumber(BigInteger.valueOf(store.nextCrlNumber())));
      return new JcaX509CRLConverter().getCRL(builder.build(issuer.contentSigner()));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new CaException("cannot build the CRL: " + e.getMessage(), e);
    }
  }

  private static void addEntry(X509v2CRLBuilder builder, BigInteger serial, Instant revokedAt,
      RevocationReason reason) {
    if (reason == RevocationReason.UNSPECIFIED) {
      builder.addCRLEntry(serial, Date.from(revokedAt), (Extensions) null);
    } else {
      builder.addCRLEntry(serial, Date.from(revokedAt), reason.code());
    }
  }
}
