package io.gatehouse.ca.est;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PresentedCertificates;
import io.gatehouse.ca.authority.TtlPolicy;
import io.gatehouse.ca.db.CertificateKind;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.StoreException;
import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.ca.issue.CertificationRequests;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.provisioner.Provisioner;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions behind RFC 7030's endpoints. Only the public key and the CN are taken from a CSR;
 * identity, roles and lifetime come from the enrollment token or from the presented certificate,
 * within the provisioner's limits as they are at the time of the request. Every refusal is one
 * line, logged and appended to the store's audit chain. Called from worker threads, never from an
 * event loop (it reads and writes the store and signs).
 */
public final class EstService {
  /** Requests per minute from one source address (simpleenroll and simplereenroll together). */
  public static final int DEFAULT_PER_SOURCE_PER_MINUTE = 30;
  /** Enrollments per minute through one provisioner. */
  public static final int DEFAULT_PER_PROVISIONER_PER_MINUTE = 120;
  /** Default window of {@link Limits#refusalAuditWindow()}. */
  public static final Duration DEFAULT_REFUSAL_AUDIT_WINDOW = Duration.ofSeconds(10);
  /** The only CSR media type accepted (RFC 7030 4.2.1). */
  public static final String PKCS10 = "application/pkcs10";
  /** Response media type of enroll and cacerts (RFC 7030 4.1.3, 4.2.3). */
  public static final String CERTS_ONLY = "application/pkcs7-mime; smime-type=certs-only";

  private static final Logger LOG = LoggerFactory.getLogger(EstService.class);

  /**
   * Rate limits.
   *
   * @param perSourcePerMinute requests a minute from one source address
   * @param perProvisionerPerMinute enrollments a minute through one provisioner
   * @param refusalAuditWindow how long repeats of one refusal are counted into one audit entry
   *     ({@link RefusalAudit})
   */
  public record Limits(int perSourcePerMinute, int perProvisionerPerMinute, Duration refusalAuditWindow) {
    /** With the default refusal audit window. */
    public Limits(int perSourcePerMinute, int perProvisionerPerMinute) {
      this(perSourcePerMinute, perProvisionerPerMinute, DEFAULT_REFUSAL_AUDIT_WINDOW);
    }

    /** The defaults above. */
    public static Limits defaults() {
      return new Limits(DEFAULT_PER_SOURCE_PER_MINUTE, DEFAULT_PER_PROVISIONER_PER_MINUTE);
    }
  }

  private final CertificateAuthority ca;
  private final Issuer issuer;
  private final EnrollmentTokens tokens;
  private final Clock clock;
  private final RateLimiter perSource;
  private final RateLimiter perProvisioner;
  private final byte[] cacerts;
  private final java.util.function.Supplier<String> storeNotReady;
  private final RefusalAudit refusals;

  /** An EST service issuing through {@code issuer} and verifying tokens with {@code tokens}. */
  public EstService(CertificateAuthority ca, Issuer issuer, EnrollmentTokens tokens, Clock clock, Limits limits)
      throws CaException {
    this(ca, issuer, tokens, clock, limits, () -> null);
  }

  /**
   * As above, refusing every enrollment with 503 while {@code storeNotReady} gives a reason (the
   * store failed verification against its signed audit chain, or is unreachable: docs/ca.md).
   */
  public EstService(CertificateAuthority ca, Issuer issuer, EnrollmentTokens tokens, Clock clock, Limits limits,
      java.util.function.Supplier<String> storeNotReady) throws CaException {
    this.storeNotReady = storeNotReady;
    this.ca = ca;
    this.issuer = issuer;
    this.tokens = tokens;
    this.clock = clock;
    this.perSource = new RateLimiter(limits.perSourcePerMinute(), System::nanoTime);
    this.perProvisioner = new RateLimiter(limits.perProvisionerPerMinute(), System::nanoTime);
    this.cacerts = certsOnly(ca.chain());
    this.refusals = new RefusalAudit(limits.refusalAuditWindow(), System::nanoTime);
  }

  /** {@code GET cacerts}: the CA chain (issuing CA first, root last) as base64 certs-only CMS. */
  public byte[] cacerts() {
    return cacerts.clone();
  }

  /**
   * {@code POST simpleenroll}: authenticated by a one-time enrollment token.
   *
   * @param label the optional CA label of {@code /.well-known/est/<label>/}: a provisioner name
   * @param authorization the Authorization header, or null
   * @param contentType the Content-Type header, or null
   * @param body the base64 DER CSR
   * @param source the peer address (rate limits, audit)
   * @return the base64 certs-only CMS holding the new certificate
   */
  public byte[] enroll(String label, String authorization, String contentType, byte[] body, String source)
      throws EstRefusal {
    try {
      limit(perSource, source, "source " + source);
      requireStore();
      CertificationRequests.VerifiedRequest csr = csr(contentType, body);
      String token = bearer(authorization);
      EnrollmentTokens.Claims claims = tokens.verify(token, clock.instant());
      if (label != null && !label.equals(claims.provisioner())) {
        throw EstRefusal.unauthorized("the enrollment token is for provisioner '" + claims.provisioner()
            + "', not '" + label + "'");
      }
      Provisioner provisioner = ca.store().findProvisioner(claims.provisioner()).orElseThrow(
          () -> EstRefusal.unauthorized("provisioner '" + claims.provisioner() + "' no longer exists"));
      limit(perProvisioner, provisioner.name(), "provisioner " + provisioner.name());
      if (provisioner.kind() != claims.kind()) {
        throw EstRefusal.forbidden("provisioner '" + provisioner.name() + "' now issues "
            + provisioner.kind().label() + " certificates, the token asks for " + claims.kind().label());
      }
      within(provisioner, claims.name(), claims.roles(), claims.dnsNames(), claims.ipAddresses());
      if (!csr.name().equals(claims.name())) {
        throw EstRefusal.forbidden("the CSR asks for CN=" + csr.name() + ", the token is for " + claims.name());
      }
      if (!ca.store().spendEnrollmentToken(claims.jti(), provisioner.name(), claims.name(),
          claims.expiresAt(), clock.instant())) {
        throw EstRefusal.unauthorized("the enrollment token was already used");
      }
      X509Certificate issued = issue(provisioner, claims.kind(), claims.name(), claims.roles(),
          claims.dnsNames(), claims.ipAddresses(), null, csr);
      LOG.info("EST simpleenroll from {}: issued {} to {} (provisioner {})", source,
          issued.getSerialNumber().toString(16), claims.name(), provisioner.name());
      return certsOnly(List.of(issued));
    } catch (EstRefusal refusal) {
      throw audited("simpleenroll", source, "-", refusal);
    } catch (CaException e) {
      throw audited("simpleenroll", source, "-", failure(e));
    }
  }

  /**
   * {@code POST simplereenroll}: authenticated by the current certificate over mTLS; the new
   * certificate has the same identity, checked against the provisioner's current limits.
   *
   * @param peer the client's TLS certificate chain (leaf first), or null when none was presented
   */
  public byte[] reenroll(String label, X509Certificate[] peer, String contentType, byte[] body, String source)
      throws EstRefusal {
    String serial = "-";
    try {
      limit(perSource, source, "source " + source);
      requireStore();
      if (peer == null || peer.length == 0) {
        throw EstRefusal.unauthorized("simplereenroll needs the current certificate as the TLS client certificate");
      }
      X509Certificate current = peer[0];
      serial = current.getSerialNumber().toString(16);
      String currentSerial = serial;
      CertificateRecord record;
      try {
        record = PresentedCertificates.check(ca, current, clock.instant());
      } catch (PresentedCertificates.Refused refused) {
        boolean expired = refused.getMessage().contains("expired or not yet valid");
        throw EstRefusal.unauthorized(refused.getMessage() + (expired ? ": enroll again with a new token" : ""));
      }
      String provisionerName = ca.store().enrollmentProvisioner(current.getSerialNumber()).orElseThrow(
          () -> EstRefusal.forbidden("certificate " + currentSerial + " was not enrolled through a provisioner:"
              + " renew it with 'gatehouse ca renew' on the CA host"));
      if (label != null && !label.equals(provisionerName)) {
        throw EstRefusal.forbidden("certificate " + serial + " belongs to provisioner '" + provisionerName
            + "', not '" + label + "'");
      }
      Provisioner provisioner = ca.store().findProvisioner(provisionerName).orElseThrow(
          () -> EstRefusal.forbidden("provisioner '" + provisionerName + "' of certificate " + currentSerial
              + " no longer exists"));
      limit(perProvisioner, provisioner.name(), "provisioner " + provisioner.name());
      CertificationRequests.VerifiedRequest csr = csr(contentType, body);
      Duration original = Duration.between(current.getNotBefore().toInstant(), current.getNotAfter().toInstant())
          .minusMinutes(1);
      X509Certificate issued;
      if (record.kind() == CertificateKind.CLIENT && provisioner.kind() == Provisioner.Kind.CLIENT) {
        CertificateIdentity identity;
        try {
          identity = CertificateIdentity.from(current);
        } catch (IdentityFormatException e) {
          throw EstRefusal.unauthorized("the client certificate has no valid Gatehouse identity");
        }
        String name = identity.spiffeId().name();
        within(provisioner, name, identity.roles(), List.of(), List.of());
        sameIdentity(csr, name);
        issued = issue(provisioner, Provisioner.Kind.CLIENT, name, identity.roles(), List.of(), List.of(),
            original, csr);
      } else if (record.kind() == CertificateKind.SERVER && provisioner.kind() == Provisioner.Kind.SERVER) {
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        try {
          for (List<?> san : current.getSubjectAlternativeNames()) {
            (Integer.valueOf(2).equals(san.get(0)) ? dns : ips).add(String.valueOf(san.get(1)));
          }
        } catch (CertificateParsingException | RuntimeException e) {
          throw EstRefusal.unauthorized("the client certificate has unreadable names");
        }
        within(provisioner, dns.isEmpty() ? "" : dns.get(0), List.of(), dns, ips);
        sameIdentity(csr, dns.get(0));
        issued = issue(provisioner, Provisioner.Kind.SERVER, dns.get(0), List.of(), dns, ips, original, csr);
      } else {
        throw EstRefusal.forbidden("certificate " + serial + " is a " + record.kind().label()
            + " certificate and provisioner '" + provisioner.name() + "' now issues " + provisioner.kind().label()
            + " certificates");
      }
      LOG.info("EST simplereenroll from {}: {} renewed as {} (provisioner {})", source, serial,
          issued.getSerialNumber().toString(16), provisioner.name());
      return certsOnly(List.of(issued));
    } catch (EstRefusal refusal) {
      throw audited("simplereenroll", source, serial, refusal);
    } catch (CaException e) {
      throw audited("simplereenroll", source, serial, failure(e));
    }
  }

  private static void sameIdentity(CertificationRequests.VerifiedRequest csr, String name) throws EstRefusal {
    if (!csr.name().equals(name)) {
      throw EstRefusal.forbidden("the CSR asks for CN=" + csr.name() + ", but the certificate is " + name
          + ": re-enrollment keeps the identity");
    }
  }

  private void within(Provisioner provisioner, String name, List<String> roles, List<String> dns, List<String> ips)
      throws EstRefusal {
    try {
      if (provisioner.kind() == Provisioner.Kind.CLIENT) {
        EstLimits.checkClient(provisioner, name, roles);
      } else {
        EstLimits.checkServer(provisioner, dns, ips);
      }
    } catch (InvalidRequestException e) {
      throw EstRefusal.forbidden(e.getMessage());
    }
  }

  /** Signs under a lock: issuance is rare, and one at a time keeps the store's serial checks simple. */
  private synchronized X509Certificate issue(Provisioner provisioner, Provisioner.Kind kind, String name,
      List<String> roles, List<String> dns, List<String> ips, Duration previous,
      CertificationRequests.VerifiedRequest csr) throws CaException {
    TtlPolicy policy = kind == Provisioner.Kind.CLIENT ? ca.config().clientPolicy() : ca.config().serverPolicy();
    Duration lifetime = previous == null ? policy.defaultTtl() : previous;
    lifetime = min(min(lifetime, provisioner.maxTtl()), policy.maxTtl());
    if (lifetime.compareTo(TtlPolicy.MINIMUM) < 0) {
      lifetime = TtlPolicy.MINIMUM;
    }
    X509Certificate issued = kind == Provisioner.Kind.CLIENT
        ? issuer.issueClient(name, null, roles, lifetime, csr.publicKey())
        : issuer.issueServer(dns, ips, lifetime, csr.publicKey());
    ca.store().recordEnrollment(issued.getSerialNumber(), provisioner.name(), clock.instant());
    return issued;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void limit(RateLimiter limiter, String key, String what) throws EstRefusal {
    long wait = limiter.acquire(key);
    if (wait > 0) {
      throw EstRefusal.tooMany("rate limit for " + what + " reached: retry in " + wait + " s");
    }
  }

  private static CertificationRequests.VerifiedRequest csr(String contentType, byte[] body) throws EstRefusal {
    String type = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!PKCS10.equals(type)) {
      throw EstRefusal.badRequest("the request body must be a base64 CSR of type " + PKCS10
          + ", not '" + (contentType == null ? "" : contentType.replaceAll("[^\\x20-\\x7e]", "?")) + "'");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw EstRefusal.badRequest("the CSR is not base64");
    }
    try {
      return CertificationRequests.fromDer(der);
    } catch (InvalidRequestException e) {
      throw EstRefusal.badRequest(e.getMessage());
    }
  }

  private static String bearer(String authorization) throws EstRefusal {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        || authorization.substring(7).isBlank()) {
      throw EstRefusal.unauthorized("simpleenroll needs 'Authorization: Bearer <enrollment token>'"
          + " (from 'gatehouse ca enroll-token')");
    }
    return authorization.substring(7).trim();
  }

  /** Provisioners, spent tokens and enrollments are read only from a store that verifies. */
  private void requireStore() throws EstRefusal {
    if (storeNotReady.get() != null) {
      throw new EstRefusal(503, "the CA store is not available; try again later");
    }
  }

  /** A CA-side failure (store, signing): the client learns only that it failed. */
  private static EstRefusal failure(CaException e) {
    LOG.warn("EST request failed: {}", e.getMessage());
    return new EstRefusal(500, "the CA could not complete the request; try again later");
  }

  private EstRefusal audited(String operation, String source, String serial, EstRefusal refusal) {
    LOG.warn("EST {} from {} refused ({}): {}", operation, source, refusal.status(), refusal.getMessage());
    if (refusal.status() == 429 || refusal.status() == 503) {
      // Not audited: a flood of rate-limited requests must not become a flood of durable writes,
      // and nothing is signed into a chain on top of a store that failed verification.
      return refusal;
    }
    RefusalAudit.Entry entry = refusals.refused(operation, source, serial, refusal.status(), refusal.getMessage());
    if (entry != null) {
      write(entry);
    }
    return refusal;
  }

  /**
   * Writes the counts of repeated refusals whose window has ended ({@code all}: every count, at
   * shutdown). {@code ca serve}'s watcher calls it on its timer.
   */
  public void flushRefusals(boolean all) {
    List<RefusalAudit.Entry> due = refusals.due(all);
    if (due.isEmpty()) {
      return;
    }
    if (storeNotReady.get() != null) {
      // Nothing is signed on top of a store that failed verification: the counts go to the log.
      due.forEach(entry -> LOG.error("EST refusals not audited (CA store not available): {}", entry.detail()));
      return;
    }
    due.forEach(this::write);
  }

  private void write(RefusalAudit.Entry entry) {
    try {
      ca.store().recordAuditEvent(clock.instant(), "est-refuse", entry.serial(), entry.detail());
    } catch (StoreException e) {
      LOG.error("cannot audit an EST refusal: {}", e.getMessage());
    }
  }

  /** RFC 7030 4.1.3 / 4.2.3: a degenerate CMS SignedData holding certificates, base64. */
  static byte[] certsOnly(List<X509Certificate> certificates) throws CaException {
    try {
      CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
      generator.addCertificates(new JcaCertStore(certificates));
      byte[] der = generator.generate(new CMSAbsentContent()).getEncoded();
      // 64-character lines ending in LF, as OpenSSL and libest write them: every base64 decoder
      // (coreutils' included, which rejects CR) reads them.
      return (Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    } catch (CMSException | IOException | CertificateEncodingException e) {
      throw new CaException("cannot encode the certificates: " + e.getMessage(), e);
    }
  }
}
