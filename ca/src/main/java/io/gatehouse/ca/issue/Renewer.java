package io.gatehouse.ca.issue;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.TtlPolicy;
import io.gatehouse.ca.db.CertificateKind;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.pki.identity.IdentityFormatException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * {@code ca renew}: re-issues the identity of a current certificate — same name, roles or DNS/IP
 * names, same lifetime (within today's policy) — after proving that the certificate is this CA's,
 * that the caller holds its key, and that it is neither expired nor revoked.
 */
public final class Renewer {
  private final CertificateAuthority ca;
  private final Issuer issuer;
  private final Clock clock;

  /** A renewer issuing through {@code issuer}. */
  public Renewer(CertificateAuthority ca, Issuer issuer, Clock clock) {
    this.ca = ca;
    this.issuer = issuer;
    this.clock = clock;
  }

  /**
   * Checks {@code current} and issues its successor for {@code newKey} (the current public key
   * unless rekeying).
   */
  public X509Certificate renew(X509Certificate current, PrivateKey currentKey, PublicKey newKey)
      throws CaException {
    String serial = current.getSerialNumber().toString(16);
    try {
      current.verify(ca.issuerCertificate().getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CaException("certificate " + serial + " was not issued by this CA");
    }
    if (!IssuerKey.belongTogether(currentKey, current.getPublicKey())) {
      throw new CaException("the key file does not belong to certificate " + serial);
    }
    Instant now = clock.instant();
    if (now.isAfter(current.getNotAfter().toInstant())) {
      throw new CaException("certificate " + serial + " expired at " + current.getNotAfter().toInstant()
          + ": it cannot renew; issue a new one with 'ca issue'");
    }
    CertificateRecord record = ca.store().find(current.getSerialNumber())
        .orElseThrow(() -> new CaException("certificate " + serial + " is unknown to this CA's store"));
    if (record.revokedAt() != null) {
      throw new CaException("certificate " + serial + " is revoked (" + record.revocationReason()
          + "): it cannot renew");
    }
    Duration original = Duration.between(current.getNotBefore().toInstant(), current.getNotAfter().toInstant())
        .minusMinutes(1);
    if (record.kind() == CertificateKind.CLIENT) {
      try {
        CertificateIdentity identity = CertificateIdentity.from(current);
        return issuer.issueClient(identity.spiffeId().name(), organization(current), identity.roles(),
            clamp(original, ca.config().clientPolicy()), newKey);
      } catch (IdentityFormatException e) {
        throw new CaException("certificate " + serial + " has no valid Gatehouse identity: " + e.getMessage());
      }
    }
    if (record.kind() == CertificateKind.SERVER) {
      List<String> dns = new ArrayList<>();
      List<String> ips = new ArrayList<>();
      try {
        for (List<?> san : current.getSubjectAlternativeNames()) {
          (Integer.valueOf(2).equals(san.get(0)) ? dns : ips).add(String.valueOf(san.get(1)));
        }
      } catch (CertificateParsingException | RuntimeException e) {
        throw new CaException("certificate " + serial + " has unreadable names");
      }
      return issuer.issueServer(dns, ips, clamp(original, ca.config().serverPolicy()), newKey);
    }
    throw new CaException("certificate " + serial + " is a " + record.kind().label() + " certificate, which does not renew");
  }

  /**
   * When to renew {@code certificate}: at two thirds of its lifetime, up to a tenth of the
   * lifetime earlier at random, so a fleet issued together does not renew together.
   */
  public static Instant renewAt(X509Certificate certificate, RandomGenerator random) {
    Instant notBefore = certificate.getNotBefore().toInstant();
    Duration life = Duration.between(notBefore, certificate.getNotAfter().toInstant());
    long jitterMillis = random.nextLong(Math.max(1, life.toMillis() / 10));
    return notBefore.plus(life.multipliedBy(2).dividedBy(3)).minusMillis(jitterMillis);
  }

  private static Duration clamp(Duration lifetime, TtlPolicy policy) {
    if (lifetime.compareTo(TtlPolicy.MINIMUM) < 0) {
      return TtlPolicy.MINIMUM;
    }
    return lifetime.compareTo(policy.maxTtl()) > 0 ? policy.maxTtl() : lifetime;
  }

  private static String organization(X509Certificate certificate) {
    RDN[] organizations = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded())
        .getRDNs(BCStyle.O);
    return organizations.length == 0 ? null : IETFUtils.valueToString(organizations[0].getFirst().getValue());
  }
}
