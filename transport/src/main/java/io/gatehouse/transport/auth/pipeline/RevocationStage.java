package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import io.gatehouse.transport.auth.revocation.RevocationChecker;
import io.gatehouse.transport.auth.revocation.RevocationDecision;
import io.gatehouse.transport.auth.revocation.RevocationTarget;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

/**
 * Refuses revoked client certificates, on every request of a certificate principal: a cached OCSP
 * answer is used at once (a hash lookup); on a miss the check runs asynchronously and the
 * connection resumes when it completes. Unavailable status is refused (fail-closed) or admitted
 * with an audited warning (soft-fail). The revocation target is computed once per TLS session;
 * the issuer is {@code chain[1]} when the client sent it, else the trust-bundle certificate that
 * issued the leaf. Each change of status on a connection is audited once.
 */
final class RevocationStage implements RequestStage {
  private final RevocationChecker checker;
  private final List<X509Certificate> trustBundle;
  private final AuthFailureLockout lockout;
  private final Decisions decisions;
  private final AuthMetrics metrics;

  RevocationStage(RevocationChecker checker, List<X509Certificate> trustBundle,
      AuthFailureLockout lockout, Decisions decisions) {
    this.checker = checker;
    this.trustBundle = trustBundle;
    this.lockout = lockout;
    this.decisions = decisions;
    this.metrics = decisions.metrics();
  }

  @Override
  public String name() {
    return "ocsp";
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    Principal principal = RequestPrincipal.get(request).orElse(null);
    if (principal == null || principal.method() != AuthMethod.CERTIFICATE) {
      return StageResult.proceedNow();
    }
    ConnectionAuth connection =
        ConnectionAuth.of(request.channel(), request.sslSession().orElse(null));
    if (connection.revocationTarget == null) {
      Optional<RevocationTarget> target = target(connection.chain);
      if (target.isEmpty()) {
        return decide(request, connection, principal, null);
      }
      connection.revocationTarget = target.get();
    }
    Optional<RevocationDecision> cached = checker.cachedDecision(connection.revocationTarget);
    if (cached.isPresent()) {
      metrics.ocspHit();
      return decide(request, connection, principal, cached.get());
    }
    metrics.ocspMiss();
    long start = System.nanoTime();
    return checker.check(connection.revocationTarget).thenCompose(decision -> {
      metrics.ocspChecked(decision.status().name().toLowerCase(Locale.ROOT), System.nanoTime() - start);
      return decide(request, connection, principal, decision);
    });
  }

  /** {@code decision} null: no issuer found for the leaf (cannot happen after PKIX; fail closed). */
  private CompletionStage<StageResult> decide(GatehouseRequest request, ConnectionAuth connection,
      Principal principal, RevocationDecision decision) {
    InetSocketAddress remote = request.remoteAddress();
    RevocationDecision.Status status =
        decision == null ? RevocationDecision.Status.UNAVAILABLE : decision.status();
    boolean admitted = decision != null && decision.admitted();
    boolean changed = connection.auditedStatus != status;
    connection.auditedStatus = status;
    if (!admitted) {
      lockout.recordFailure(remote.getAddress());
      return decisions.revoked(principal, remote,
          decision == null ? "issuer of the certificate not found" : decision.detail());
    }
    if (changed) {
      if (decision.isWarning()) {
        decisions.authenticatedWithWarning(principal, remote,
            "revocation status unavailable: " + decision.detail());
      } else {
        decisions.authenticated(principal, remote);
      }
    }
    return StageResult.proceedNow();
  }

  /** The revocation target of the chain's leaf, with its issuer from the chain or the bundle. */
  private Optional<RevocationTarget> target(List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      return Optional.empty();
    }
    X509Certificate leaf = chain.get(0);
    X500Principal issuerName = leaf.getIssuerX500Principal();
    // chain[1] was validated by PKIX as the leaf's issuer; a bundle entry must match by name and
    // key identifier (a rolled CA keeps its name but not its key).
    List<X509Certificate> candidates = new ArrayList<>();
    if (chain.size() > 1) {
      candidates.add(chain.get(1));
    }
    byte[] authorityKeyId = keyIdentifier(leaf, Extension.authorityKeyIdentifier);
    trustBundle.stream()
        .filter(c -> c.getSubjectX500Principal().equals(issuerName))
        .filter(c -> sameKeyId(authorityKeyId, keyIdentifier(c, Extension.subjectKeyIdentifier)))
        .forEach(candidates::add);
    for (X509Certificate issuer : candidates) {
      try {
        return Optional.of(checker.target(leaf, issuer));
      } catch (IllegalArgumentException notThisOne) {
        // Not the leaf's issuer: try the next candidate.
      }
    }
    return Optional.empty();
  }

  private static boolean sameKeyId(byte[] authorityKeyId, byte[] subjectKeyId) {
    return authorityKeyId == null || subjectKeyId == null
        || Arrays.equals(authorityKeyId, subjectKeyId);
  }

  /** The key identifier in the AKI or SKI extension {@code oid}, or null when absent. */
  private static byte[] keyIdentifier(X509Certificate cert, ASN1ObjectIdentifier oid) {
    byte[] ext = cert.getExtensionValue(oid.getId());
    if (ext == null) {
      return null;
    }
    try {
      byte[] value = ASN1OctetString.getInstance(ext).getOctets();
      return oid.equals(Extension.authorityKeyIdentifier)
          ? AuthorityKeyIdentifier.getInstance(value).getKeyIdentifierOctets()
          : SubjectKeyIdentifier.getInstance(value).getKeyIdentifier();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
