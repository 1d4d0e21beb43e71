package io.gatehouse.ca.serve;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.issue.Renewer;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS listener's certificate: the operator's ({@code --tls-cert}/{@code --tls-key}, re-read
 * when the files change), or one the CA issues to itself for the listener's DNS names and IPs,
 * kept in memory only and re-issued at two thirds of its lifetime. New connections take the
 * current context; open ones keep theirs.
 */
final class HttpsIdentity {
  /** Lifetime of the self-issued certificate: short, since it renews itself. */
  static final Duration SELF_ISSUED_TTL = Duration.ofDays(7);

  private static final Logger LOG = LoggerFactory.getLogger(HttpsIdentity.class);

  private final CertificateAuthority ca;
  private final Issuer issuer;
  private final List<String> dnsNames;
  private final List<String> ipAddresses;
  private final Clock clock;
  private volatile SslContext context;
  private volatile X509Certificate certificate;
  private volatile Instant renewAt;
  private Path certificateFile;
  private Path keyFile;
  private FileState seen;
  private final AtomicInteger refusedReloads = new AtomicInteger();

  private HttpsIdentity(CertificateAuthority ca, Issuer issuer, List<String> dnsNames, List<String> ipAddresses,
      Clock clock) {
    this.ca = ca;
    this.issuer = issuer;
    this.dnsNames = List.copyOf(dnsNames);
    this.ipAddresses = List.copyOf(ipAddresses);
    this.clock = clock;
  }

  /**
   * The operator's certificate and key; never renewed here, but re-read by {@link
   * #reloadIfChanged()} when either file changes (the operator's tooling renews them).
   */
  static HttpsIdentity fromFiles(CertificateAuthority ca, Path certificateFile, Path keyFile) throws CaException {
    HttpsIdentity identity = new HttpsIdentity(ca, null, List.of(), List.of(), Clock.systemUTC());
    identity.certificateFile = certificateFile;
    identity.keyFile = keyFile;
    identity.seen = FileState.of(certificateFile, keyFile);
    identity.load(Clock.systemUTC().instant());
    return identity;
  }

  /** Size, modification time and file identity of both files, following symlinks: what a change is. */
  private record FileState(List<Object> parts) {
    static FileState of(Path... files) {
      List<Object> parts = new ArrayList<>();
      for (Path file : files) {
        try {
          BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
          parts.add(attributes.size());
          parts.add(attributes.lastModifiedTime());
          parts.add(String.valueOf(attributes.fileKey()));
        } catch (IOException e) {
          parts.add("missing");
        }
      }
      return new FileState(parts);
    }
  }

  /**
   * Re-reads {@code --tls-cert}/{@code --tls-key} once either changed: new connections get the new
   * certificate, open ones keep theirs. A pair that does not load, does not belong together or is
   * not valid now is refused with one WARN line (once per change) and the current one stays.
   * Called from the watcher every {@link CaService#WATCH_MILLIS} ms: a stat of two files.
   */
  void reloadIfChanged() {
    if (certificateFile == null) {
      return;
    }
    FileState now = FileState.of(certificateFile, keyFile);
    if (now.equals(seen)) {
      return;
    }
    seen = now;
    BigInteger before = certificate.getSerialNumber();
    try {
      load(clock.instant());
      if (!certificate.getSerialNumber().equals(before)) {
        LOG.info("reloaded the HTTPS certificate from {}: serial {} (was {})", certificateFile,
            certificate.getSerialNumber().toString(16), before.toString(16));
      }
    } catch (CaException e) {
      refusedReloads.incrementAndGet();
      LOG.warn("HTTPS certificate reload refused, still serving serial {}: {}", before.toString(16), e.getMessage());
    }
  }

  /** Reloads refused so far (each logged once). */
  int refusedReloads() {
    return refusedReloads.get();
  }

  private void load(Instant now) throws CaException {
    List<X509Certificate> chain = PemFiles.readCertificates(certificateFile);
    PrivateKey key = PemFiles.readKey(keyFile);
    X509Certificate leaf = chain.get(0);
    if (!IssuerKey.belongTogether(key, leaf.getPublicKey())) {
      throw new CaException(keyFile + " does not match the public key of " + certificateFile + " (serial "
          + leaf.getSerialNumber().toString(16) + ")");
    }
    if (now.isAfter(leaf.getNotAfter().toInstant()) || now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new CaException(certificateFile + " (serial " + leaf.getSerialNumber().toString(16)
          + ") is not valid now: notBefore " + leaf.getNotBefore().toInstant() + ", notAfter "
          + leaf.getNotAfter().toInstant());
    }
    install(key, chain);
  }

  /** A certificate issued now by the CA itself, renewed by {@link #renewIfDue()}. */
  static HttpsIdentity selfIssued(CertificateAuthority ca, Issuer issuer, List<String> dnsNames,
      List<String> ipAddresses, Clock clock) throws CaException {
    HttpsIdentity identity = new HttpsIdentity(ca, issuer, dnsNames, ipAddresses, clock);
    identity.issue();
    return identity;
  }

  /** The context new connections use. */
  SslContext context() {
    return context;
  }

  /** The current server certificate. */
  X509Certificate certificate() {
    return certificate;
  }

  /** Re-issues the self-issued certificate once it is due; a failure keeps the old one and retries. */
  void renewIfDue() {
    if (issuer == null || clock.instant().isBefore(renewAt)) {
      return;
    }
    try {
      issue();
      LOG.info("renewed the HTTPS certificate: serial {}", certificate.getSerialNumber().toString(16));
    } catch (CaException e) {
      LOG.warn("cannot renew the HTTPS certificate (keeping the current one): {}", e.getMessage());
    }
  }

  private void issue() throws CaException {
    KeyPair pair = KeyType.EC_P256.generate();
    Duration ttl = SELF_ISSUED_TTL.compareTo(ca.config().serverPolicy().maxTtl()) > 0
        ? ca.config().serverPolicy().maxTtl() : SELF_ISSUED_TTL;
    X509Certificate leaf = issuer.issueServer(dnsNames, ipAddresses, ttl, pair.getPublic());
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(leaf);
    chain.addAll(ca.intermediates());
    install(pair.getPrivate(), chain);
    renewAt = Renewer.renewAt(leaf, RandomGenerator.getDefault());
  }

  private void install(PrivateKey key, List<X509Certificate> chain) throws CaException {
    try {
      context = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
          .protocols("TLSv1.3", "TLSv1.2")
          .trustManager(new ClientCertificateRecorder())
          .clientAuth(ClientAuth.OPTIONAL)
          .build();
      certificate = chain.get(0);
    } catch (Exception e) {
      throw new CaException("cannot set up the HTTPS listener's TLS: " + e.getMessage(), e);
    }
  }

  /**
   * Accepts any client certificate at the TLS layer; TLS still proves the client holds its key
   * (CertificateVerify). The EST service then decides from the certificate itself — issued by this
   * CA, unexpired, in the store, unrevoked — so a refusal is a 401 with a reason and an audit
   * entry rather than a bare handshake alert, and an expired certificate is named as expired.
   * No issuer names are sent in the CertificateRequest, so clients offer what they hold.
   */
  private static final class ClientCertificateRecorder extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
      // decided by EstService (see class comment)
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      // decided by EstService (see class comment)
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      // decided by EstService (see class comment)
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("a server-side trust manager checks no servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("a server-side trust manager checks no servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a server-side trust manager checks no servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
