package io.gatehouse.transport.server;

import io.gatehouse.transport.config.TransportConfig;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import io.gatehouse.transport.watch.FileWatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context, rebuilt when its certificate, key or client trust bundle changes on
 * disk: each new connection takes the context current when it is accepted ({@link #get}, one
 * volatile read); a connection already open keeps the engine of the context it started with, so
 * renewal never disturbs it. Netty's {@link SslContext} is immutable, so a change means a new
 * context, which also means a new TLS session cache: a client cannot resume a session that was
 * validated against a trust bundle since rotated away.
 *
 * <p>A new file that is unreadable, half-written, not a certificate, expired, or whose key is not
 * the certificate's is refused: the previous material stays in force, one WARN line says which
 * file and why, and the next change is tried again. The certificate/key pair and the trust bundle
 * are taken independently, so a bad certificate does not hold back a good bundle.
 */
final class ReloadingSslContext implements Supplier<SslContext>, AutoCloseable {
  /** How long the files must stay unchanged before they are read (writes come in bursts). */
  static final Duration DEBOUNCE = Duration.ofMillis(200);
  /** How often the files are also polled, for changes no file-system event reports. */
  static final Duration POLL_INTERVAL = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(ReloadingSslContext.class);

  private final TransportConfig.Tls tls;
  private final TrustManagerFactory fixedTrust; // set: client trust not from the bundle file
  private final Function<List<X509Certificate>, TrustManagerFactory> bundleTrust;
  private final Consumer<List<X509Certificate>> bundleLoaded;
  private final boolean usesBundle;
  private final AtomicReference<SslContext> current = new AtomicReference<>();
  private final FileWatcher watcher;
  // Last good material and the hashes of the bytes last tried (good or bad), under this lock.
  private ServerTls.ServerKeys keys;
  private List<X509Certificate> anchors;
  private byte[] keysTried;
  private byte[] bundleTried;

  private ReloadingSslContext(TransportConfig.Tls tls, TrustManagerFactory fixedTrust,
      Function<List<X509Certificate>, TrustManagerFactory> bundleTrust,
      Consumer<List<X509Certificate>> bundleLoaded, Duration debounce, Duration pollInterval) {
    this.tls = tls;
    this.fixedTrust = fixedTrust;
    this.bundleTrust = bundleTrust != null ? bundleTrust : ServerTls::trustManagerFor;
    this.bundleLoaded = bundleLoaded != null ? bundleLoaded : anchors -> { };
    this.usesBundle = tls.clientAuth() != TransportConfig.ClientAuthMode.NONE && fixedTrust == null;
    Instant now = Instant.now();
    this.keys = ServerTls.readKeys(tls, now);
    this.keysTried = hash(tls.certificate(), tls.privateKey());
    if (usesBundle) {
      Path bundle = tls.trustBundle();
      if (bundle == null) {
        throw new IllegalArgumentException(
            "tls.trustBundle is required for TLS client authentication");
      }
      this.anchors = ServerTls.readTrustBundle(bundle, now);
      this.bundleTried = hash(bundle);
      this.bundleLoaded.accept(anchors);
    }
    current.set(ServerTls.build(tls, keys, clientTrust()));
    List<Path> watched = new ArrayList<>(List.of(tls.certificate(), tls.privateKey()));
    if (usesBundle) {
      watched.add(tls.trustBundle());
    }
    this.watcher = FileWatcher.start("tls", watched, debounce, pollInterval, this::reload);
    reload(); // a change between the first read and the watcher's first look is not lost
  }

  /**
   * Loads the material of {@code tls} and watches its files.
   *
   * @param fixedTrust checks client certificates instead of the bundle (not reloaded); or null
   * @param bundleTrust turns the bundle's CA certificates into the client-certificate trust
   *     manager at start and at every change; null: plain PKIX
   * @param bundleLoaded told the bundle's CA certificates at start and after each accepted change,
   *     before new connections use them; or null
   * @throws IllegalArgumentException when the initial material is missing or unusable
   */
  static ReloadingSslContext start(TransportConfig.Tls tls, TrustManagerFactory fixedTrust,
      Function<List<X509Certificate>, TrustManagerFactory> bundleTrust,
      Consumer<List<X509Certificate>> bundleLoaded) {
    return new ReloadingSslContext(tls, fixedTrust, bundleTrust, bundleLoaded, DEBOUNCE,
        POLL_INTERVAL);
  }

  /** The context for a connection accepted now. */
  @Override
  public SslContext get() {
    return current.get();
  }

  /** Runs on the watcher thread after a debounced change of any watched file. */
  private synchronized void reload() {
    Instant now = Instant.now();
    ServerTls.ServerKeys newKeys = keys;
    List<X509Certificate> newAnchors = anchors;
    byte[] keysHash = hash(tls.certificate(), tls.privateKey());
    if (!Arrays.equals(keysHash, keysTried)) {
      keysTried = keysHash;
      try {
        newKeys = ServerTls.readKeys(tls, now);
      } catch (IllegalArgumentException e) {
        log.warn("TLS reload refused, still serving certificate serial {}: {}",
            keys.leaf().getSerialNumber().toString(16), e.getMessage());
      }
    }
    if (usesBundle) {
      byte[] bundleHash = hash(tls.trustBundle());
      if (!Arrays.equals(bundleHash, bundleTried)) {
        bundleTried = bundleHash;
        try {
          newAnchors = ServerTls.readTrustBundle(tls.trustBundle(), now);
        } catch (IllegalArgumentException e) {
          log.warn("TLS reload refused, still trusting the previous {} CA certificate(s): {}",
              anchors.size(), e.getMessage());
        }
      }
    }
    if (newKeys == keys && newAnchors == anchors) {
      return;
    }
    try {
      TrustManagerFactory trust = usesBundle ? bundleTrust.apply(newAnchors) : fixedTrust;
      SslContext context = ServerTls.build(tls, newKeys, trust);
      if (newAnchors != anchors) {
        bundleLoaded.accept(newAnchors);
      }
      current.set(context);
    } catch (RuntimeException e) {
      log.warn("TLS reload refused, keeping the previous TLS material: {}", e.getMessage());
      return;
    }
    if (newKeys != keys) {
      X509Certificate leaf = newKeys.leaf();
      log.info("TLS reload: new connections get certificate serial {} (valid until {}), was {}",
          leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant(),
          keys.leaf().getSerialNumber().toString(16));
    }
    if (newAnchors != anchors) {
      log.info("TLS reload: new connections trust client certificates from {} CA certificate(s)"
          + " in {}", newAnchors.size(), tls.trustBundle());
    }
    keys = newKeys;
    anchors = newAnchors;
  }

  private TrustManagerFactory clientTrust() {
    return usesBundle ? bundleTrust.apply(anchors) : fixedTrust;
  }

  /** SHA-256 over the files' bytes (an unreadable file hashes as empty: it is read again later). */
  private static byte[] hash(Path... files) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : files) {
        try {
          byte[] content = Files.readAllBytes(file);
          digest.update(Integer.toString(content.length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          digest.update(content);
        } catch (IOException e) {
          digest.update((byte) 0xff);
        }
      }
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops watching; the current context stays usable. */
  @Override
  public void close() {
    watcher.close();
  }
}
