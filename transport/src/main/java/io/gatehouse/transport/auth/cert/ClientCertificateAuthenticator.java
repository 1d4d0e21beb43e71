package io.gatehouse.transport.auth.cert;

import io.gatehouse.transport.setting.Setting;
import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.SpiffeId;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Authenticates the client certificate the TLS handshake verified (PKIX chain to the trust
 * bundle). The handshake's trust manager decides trust; this class re-checks, defensively, what
 * a trust manager may be configured to skip: the {@code clientAuth} extended key usage, the
 * validity period (with a small clock skew), that the leaf is not a CA certificate, and
 * {@code digitalSignature} when key usage is present. The identity is the single SPIFFE URI SAN,
 * optionally restricted to one trust domain; roles come from the Gatehouse roles extension, and a
 * malformed one refuses the certificate.
 *
 * <p>Principal: id = the SPIFFE ID ({@code spiffe://<domain>/client/<name>}), credentialId = the
 * serial in lowercase hex.
 */
public final class ClientCertificateAuthenticator implements Authenticator {
  private static final String EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int KU_DIGITAL_SIGNATURE = 0;
  /** Tolerance on notBefore/notAfter. */
  public static final Setting<Duration> CLOCK_SKEW = Setting.duration(
      "auth.certificate.clockSkew", Duration.ofSeconds(60), Duration.ZERO, Duration.ofMinutes(5));

  private final String trustDomain;
  private final Duration skew;
  private final Clock clock;

  private ClientCertificateAuthenticator(Builder b) {
    this.trustDomain = b.trustDomain;
    this.skew = b.skew;
    this.clock = b.clock;
  }

  /** A builder; the defaults accept any trust domain with 60 s of clock skew. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public AuthMethod method() {
    return AuthMethod.CERTIFICATE;
  }

  @Override
  public AuthResult authenticate(AuthRequest request) {
    if (request.peerCertificates().isEmpty()) {
      return AuthResult.notPresent();
    }
    X509Certificate leaf = request.peerCertificates().get(0);
    String problem = checkProfile(leaf);
    if (problem != null) {
      return reject(problem);
    }
    CertificateIdentity identity;
    try {
      identity = CertificateIdentity.from(leaf);
    } catch (IdentityFormatException e) {
      return reject("certificate identity: " + e.getMessage());
    }
    SpiffeId id = identity.spiffeId();
    if (trustDomain != null && !trustDomain.equals(id.trustDomain())) {
      return reject("certificate trust domain '" + id.trustDomain() + "' is not accepted");
    }
    return AuthResult.authenticated(
        new Principal(
            id.toUri(),
            new LinkedHashSet<>(identity.roles()),
            AuthMethod.CERTIFICATE,
            identity.serialHex()),
        // The same bound as checkProfile: what this check admits, streams keep no longer.
        CredentialLease.until(leaf.getNotAfter().toInstant().plus(skew)));
  }

  /** The first way {@code leaf} breaks the client profile, or null when it follows it. */
  private String checkProfile(X509Certificate leaf) {
    Instant now = clock.instant();
    if (now.isAfter(leaf.getNotAfter().toInstant().plus(skew))) {
      return "certificate expired";
    }
    if (now.isBefore(leaf.getNotBefore().toInstant().minus(skew))) {
      return "certificate not yet valid";
    }
    if (leaf.getBasicConstraints() != -1) {
      return "certificate is a CA certificate";
    }
    boolean[] keyUsage = leaf.getKeyUsage();
    if (keyUsage != null && !keyUsage[KU_DIGITAL_SIGNATURE]) {
      return "certificate key usage lacks digitalSignature";
    }
    List<String> eku;
    try {
      eku = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      return "certificate extended key usage is malformed";
    }
    if (eku == null || !eku.contains(EKU_CLIENT_AUTH)) {
      return "certificate lacks the clientAuth extended key usage";
    }
    return null;
  }

  private static AuthResult reject(String reason) {
    return AuthResult.rejected(AuthMethod.CERTIFICATE, reason);
  }

  /** Configures a {@link ClientCertificateAuthenticator}. */
  public static final class Builder {
    private String trustDomain;
    private Duration skew = CLOCK_SKEW.defaultValue();
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Accept only SPIFFE IDs in this trust domain (default: any domain the CA vouches for). */
    public Builder trustDomain(String trustDomain) {
      if (!SpiffeId.isValidTrustDomain(trustDomain)) {
        throw new IllegalArgumentException("invalid trust domain: " + trustDomain);
      }
      this.trustDomain = trustDomain;
      return this;
    }

    /** Clock skew tolerated on notBefore/notAfter; at most 5 minutes (default 60 s). */
    public Builder clockSkew(Duration skew) {
      this.skew = CLOCK_SKEW.check(skew);
      return this;
    }

    /** The clock validity is checked against (tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public ClientCertificateAuthenticator build() {
      return new ClientCertificateAuthenticator(this);
    }
  }
}
