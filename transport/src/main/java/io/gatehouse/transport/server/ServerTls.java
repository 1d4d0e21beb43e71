package io.gatehouse.transport.server;

import io.gatehouse.transport.config.TransportConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context: TLS 1.3 and 1.2 only, ECDHE key exchange with AEAD ciphers only,
 * certificate chain and key from PEM, client certificates checked against a PEM trust bundle (or
 * a trust manager the auth pipeline supplies) when client auth is OPTIONAL or REQUIRE.
 */
public final class ServerTls {
  /** The only protocol versions offered. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** The only cipher suites offered, strongest first (TLS 1.3 suites, then ECDHE+AEAD 1.2). */
  public static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_256_GCM_SHA384",
      "TLS_AES_128_GCM_SHA256",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** The JSSE system property that refuses client-initiated renegotiation. */
  static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  private ServerTls() {}

  /**
   * Builds the context for {@code tls}.
   *
   * @param trustManager overrides the trust bundle for client certificates when not null
   * @throws IllegalArgumentException when files are missing or the provider is unavailable; the
   *     message names the problem, never key material
   */
  public static SslContext build(TransportConfig.Tls tls, TrustManagerFactory trustManager) {
    refuseClientInitiatedRenegotiation();
    Path cert = required(tls.certificate(), "tls.certificate");
    Path key = required(tls.privateKey(), "tls.privateKey");
    warnIfReadableByOthers(key);
    SslContextBuilder builder = SslContextBuilder.forServer(cert.toFile(), key.toFile())
        .sslProvider(provider(tls.provider()))
        .protocols(PROTOCOLS)
        .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_1_1))
        .clientAuth(ClientAuth.valueOf(tls.clientAuth().name()));
    if (tls.clientAuth() != TransportConfig.ClientAuthMode.NONE) {
      if (trustManager != null) {
        builder.trustManager(trustManager);
      } else {
        builder.trustManager(required(tls.trustBundle(), "tls.trustBundle").toFile());
      }
    }
    try {
      return builder.build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot load TLS certificate/key (" + cert + ", " + key + "): " + e.getMessage(), e);
    }
  }

  /**
   * TLS 1.2 client-initiated renegotiation is a cheap way to make a server redo handshakes (DoS)
   * and has no use here. OpenSSL (netty-tcnative) refuses it; JSSE accepts it unless {@value
   * #REJECT_RENEGOTIATION} is true, which JSSE reads once, when the first server-side handshake of
   * the JVM runs. So it is set here, before this server's first handshake, unless the operator
   * chose a value (a {@code false} is logged). TLS 1.3 has no renegotiation.
   */
  static void refuseClientInitiatedRenegotiation() {
    String chosen = System.getProperty(REJECT_RENEGOTIATION);
    if (chosen == null) {
      System.setProperty(REJECT_RENEGOTIATION, "true");
    } else if (!Boolean.parseBoolean(chosen)) {
      log.warn("{}={}: TLS 1.2 clients may renegotiate (a denial-of-service vector)",
          REJECT_RENEGOTIATION, chosen);
    }
  }

  /** The provider {@code choice} resolves to on this machine. */
  public static SslProvider provider(TransportConfig.TlsProvider choice) {
    return switch (choice) {
      case JDK -> SslProvider.JDK;
      case AUTO -> openSslUsable() ? SslProvider.OPENSSL : SslProvider.JDK;
      case OPENSSL -> {
        if (!openSslUsable()) {
          throw new IllegalArgumentException("tls.provider is openssl, but OpenSSL (netty-tcnative"
              + " BoringSSL) " + unavailable(OpenSsl.unavailabilityCause())
              + "; use provider jdk, or auto to fall back to it");
        }
        yield SslProvider.OPENSSL;
      }
    };
  }

  /** Why OpenSSL cannot be used, in one line, without a stack trace or class-loading jargon. */
  static String unavailable(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
        return "is not in this build (gatehouse.jar ships it for linux-x86_64 and linux-aarch64)";
      }
      if (t instanceof UnsatisfiedLinkError) {
        return "cannot load on this platform (" + System.getProperty("os.name") + " "
            + System.getProperty("os.arch") + "; gatehouse.jar ships linux-x86_64 and linux-aarch64)";
      }
    }
    return cause == null ? "does not support TLS 1.3 here"
        : "cannot load here (" + cause.getClass().getSimpleName() + ")";
  }

  private static boolean openSslUsable() {
    try {
      return OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL);
    } catch (LinkageError e) {
      return false; // a partial netty-tcnative on the class path: treated as absent
    }
  }

  private static Path required(Path path, String key) {
    if (path == null) {
      throw new IllegalArgumentException(key + " is required for TLS (or set plainHttp on loopback)");
    }
    if (!Files.isReadable(path)) {
      throw new IllegalArgumentException(key + ": cannot read " + path);
    }
    return path;
  }

  private static void warnIfReadableByOthers(Path key) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(key);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn("private key {} is readable by group/others; chmod 600 it", key);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to check.
    }
  }
}
