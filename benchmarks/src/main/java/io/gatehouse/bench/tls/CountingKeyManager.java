package io.gatehouse.bench.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A client key manager that counts how often the TLS stack asks it for a client certificate:
 * once per full mTLS handshake, never in a resumed one (TLS 1.3 PSK resumption sends no
 * CertificateRequest). That makes "the session was resumed" observable with either provider.
 */
final class CountingKeyManager extends X509ExtendedKeyManager {
  private final X509ExtendedKeyManager delegate;
  private final AtomicInteger certificateRequests = new AtomicInteger();

  CountingKeyManager(X509ExtendedKeyManager delegate) {
    this.delegate = delegate;
  }

  /** Client certificate requests so far. */
  int certificateRequests() {
    return certificateRequests.get();
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    certificateRequests.incrementAndGet();
    return delegate.chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    certificateRequests.incrementAndGet();
    return delegate.chooseEngineClientAlias(keyType, issuers, engine);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return delegate.getClientAliases(keyType, issuers);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return delegate.getServerAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return delegate.chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return delegate.getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return delegate.getPrivateKey(alias);
  }
}
