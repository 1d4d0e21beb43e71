package io.gatehouse.transport.auth;

import io.netty.util.AttributeKey;
import io.netty.util.AttributeMap;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * How long the credential behind a request stays good: until {@link #validUntil()} (certificate
 * {@code notAfter} or token {@code exp}, clock skew included), and as long as its {@link
 * Revalidation} keeps answering true (OCSP for certificates, the key store for API keys). The
 * authentication stages attach one to each authenticated request; the MCP endpoint binds the
 * connection, its open streams and the sessions the request used to it, so nothing outlives the
 * credential that opened it (docs/security.md, "Streams bound to their credential").
 */
public final class CredentialLease {
  /** The request attribute holding the lease of the request's credential. */
  public static final AttributeKey<CredentialLease> KEY =
      AttributeKey.valueOf("gatehouse.credential-lease");

  /** Asks again whether a credential is still good; must not block the calling thread on I/O. */
  @FunctionalInterface
  public interface Revalidation {
    /** Completes with true while the credential is good, false once it is refused. */
    CompletionStage<Boolean> stillValid();
  }

  private final Instant validUntil;
  private volatile Revalidation revalidation;
  private volatile boolean refused;

  private CredentialLease(Instant validUntil, Revalidation revalidation) {
    this.validUntil = validUntil;
    this.revalidation = revalidation;
  }

  /** A credential good until {@code validUntil} (null: no end of its own). */
  public static CredentialLease until(Instant validUntil) {
    return new CredentialLease(validUntil, null);
  }

  /** A credential without an end of its own, re-checked with {@code revalidation}. */
  public static CredentialLease revalidated(Revalidation revalidation) {
    return new CredentialLease(null, Objects.requireNonNull(revalidation, "revalidation"));
  }

  /** When the credential stops being valid, if it has such an instant. */
  public Optional<Instant> validUntil() {
    return Optional.ofNullable(validUntil);
  }

  /** How to re-check the credential, if it can be re-checked. */
  public Optional<Revalidation> revalidation() {
    return Optional.ofNullable(revalidation);
  }

  /**
   * Sets the re-check unless one is set (the revocation stage adds OCSP to a certificate's lease,
   * which the authentication stage created).
   */
  public synchronized void revalidateWith(Revalidation check) {
    if (revalidation == null) {
      revalidation = Objects.requireNonNull(check, "check");
    }
  }

  /** Records that a re-check refused the credential; it stays refused. */
  public void refuse() {
    refused = true;
  }

  /** True once a re-check refused the credential. */
  public boolean refused() {
    return refused;
  }

  /** Attaches {@code lease} to {@code request}. */
  public static void set(AttributeMap request, CredentialLease lease) {
    request.attr(KEY).set(Objects.requireNonNull(lease, "lease"));
  }

  /** The lease of {@code request}'s credential, if a stage attached one. */
  public static Optional<CredentialLease> get(AttributeMap request) {
    return Optional.ofNullable(orNull(request));
  }

  /** The lease of {@code request}'s credential, or null (no wrapper, no attribute added). */
  public static CredentialLease orNull(AttributeMap request) {
    return request.hasAttr(KEY) ? request.attr(KEY).get() : null;
  }

  /** True once a re-check is set ({@link #revalidateWith} then changes nothing). */
  public boolean hasRevalidation() {
    return revalidation != null;
  }
}
