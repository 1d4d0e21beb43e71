package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.revocation.RevocationDecision;
import io.gatehouse.transport.auth.revocation.RevocationTarget;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What the auth stages remember about one TLS session of a connection: the verified client chain,
 * the certificate principal (a certificate does not change within a session, so it is decided
 * once), and its revocation target and last audited status. Bound to the {@link SSLSession} it was
 * computed for, so a TLS 1.2 renegotiation with another certificate starts afresh. Touched only on
 * the connection's event loop.
 */
final class ConnectionAuth {
  private static final AttributeKey<ConnectionAuth> KEY =
      AttributeKey.valueOf("gatehouse.connection-auth");

  final SSLSession session;
  final List<X509Certificate> chain;
  /** The certificate principal and when it stops being valid; null until authenticated. */
  Principal certificatePrincipal;
  /** The certificate's notAfter in epoch milliseconds (an X.509 time has no finer part). */
  long certificateNotAfterMillis;
  /** The certificate's lease, shared by every request of the session (one OCSP re-check). */
  CredentialLease certificateLease;
  /** Computed on the first revocation check; null until then. */
  RevocationTarget revocationTarget;
  /** The revocation status last written to the audit log, to audit each change once. */
  RevocationDecision.Status auditedStatus;

  private ConnectionAuth(SSLSession session, List<X509Certificate> chain) {
    this.session = session;
    this.chain = chain;
  }

  /** The state of {@code channel}'s current TLS session ({@code session} null on plain HTTP). */
  static ConnectionAuth of(Channel channel, SSLSession session) {
    ConnectionAuth state = channel.attr(KEY).get();
    if (state == null || state.session != session) {
      state = new ConnectionAuth(session, peerChain(session));
      channel.attr(KEY).set(state);
    }
    return state;
  }

  /**
   * The valid certificate principal, if one was authenticated on this session and has not expired
   * at {@code nowMillis} (epoch milliseconds).
   */
  Principal certificatePrincipal(long nowMillis) {
    return certificatePrincipal != null && nowMillis < certificateNotAfterMillis
        ? certificatePrincipal : null;
  }

  private static List<X509Certificate> peerChain(SSLSession session) {
    if (session == null) {
      return List.of();
    }
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate c : session.getPeerCertificates()) {
        chain.add((X509Certificate) c);
      }
      return List.copyOf(chain);
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }
}
