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
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context: TLS 1.3 and 1.2 only, ECDHE key exchange with AEAD ciphers only,
 * certificate chain and key from PEM, client certificates checked against a PEM trust bundle (or
 * a trust manager the auth pipeline supplies) when client auth is OPTIONAL or REQUIRE. The
 * material is checked before use (every PEM block parses, the leaf is current, the key is the
 * leaf's), so a reload can refuse a bad file and keep what it had ({@link ReloadingSslContext}).
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
  private static final SecureRandom RANDOM = new SecureRandom();

  private ServerTls() {}

  /**
   * Builds the context for {@code tls} from the files as they are now (no reloading).
   *
   * @param trustManager overrides the trust bundle for client certificates when not null
   * @throws IllegalArgumentException when files are missing, unusable or the provider is
   *     unavailable; the message names the problem, never key material
   */
  public static SslContext build(TransportConfig.Tls tls, TrustManagerFactory trustManager) {
    TrustManagerFactory clientTrust = trustManager;
    if (clientTrust == null && tls.clientAuth() != TransportConfig.ClientAuthMode.NONE) {
      clientTrust = trustManagerFor(
          readTrustBundle(required(tls.trustBundle(), "tls.trustBundle"), Instant.now()));
    }
    return build(tls, readKeys(tls, Instant.now()), clientTrust);
  }

  /** The server's certificate chain (leaf first) and the private key of its leaf. */
  record ServerKeys(List<X509Certificate> chain, PrivateKey key) {
    X509Certificate leaf() {
      return chain.get(0);
    }
  }

  /**
   * Builds the context from material already read and checked.
   *
   * @param clientTrust checks client certificates; null when {@code tls.clientAuth} is NONE
   */
  static SslContext build(TransportConfig.Tls tls, ServerKeys keys, TrustManagerFactory clientTrust) {
    refuseClientInitiatedRenegotiation();
    SslContextBuilder builder = SslContextBuilder
        .forServer(keys.key(), keys.chain().toArray(X509Certificate[]::new))
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
      builder.trustManager(Objects.requireNonNull(clientTrust, "clientTrust"));
    }
    try {
      return builder.build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load TLS certificate/key (" + tls.certificate()
          + ", " + tls.privateKey() + "): " + e.getMessage(), e);
    }
  }

  /**
   * Reads and checks {@code tls.certificate} and {@code tls.privateKey}: every PEM block of the
   * certificate file parses as a certificate (a half-written file does not), the leaf is valid at
   * {@code now}, and the key is the leaf's (it signs what the leaf's public key verifies).
   *
   * @throws IllegalArgumentException saying which file is wrong and why, never with key material
   */
  static ServerKeys readKeys(TransportConfig.Tls tls, Instant now) {
    Path certificate = required(tls.certificate(), "tls.certificate");
    Path key = required(tls.privateKey(), "tls.privateKey");
    warnIfReadableByOthers(key);
    List<X509Certificate> chain = readCertificates(certificate, "tls.certificate");
    X509Certificate leaf = chain.get(0);
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new IllegalArgumentException("tls.certificate " + certificate + " (serial "
          + leaf.getSerialNumber().toString(16) + ") expired at " + leaf.getNotAfter().toInstant());
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new IllegalArgumentException("tls.certificate " + certificate + " (serial "
          + leaf.getSerialNumber().toString(16) + ") is not valid before "
          + leaf.getNotBefore().toInstant());
    }
    PrivateKey privateKey = readPrivateKey(key);
    if (!keyMatches(privateKey, leaf.getPublicKey())) {
      throw new IllegalArgumentException("tls.privateKey " + key + " does not match the public key"
          + " of tls.certificate " + certificate + " (serial "
          + leaf.getSerialNumber().toString(16) + ")");
    }
    return new ServerKeys(chain, privateKey);
  }

  /**
   * The CA certificates of a client trust bundle; refused when a PEM block does not parse, when
   * it holds none, or when none of them is valid at {@code now}.
   */
  static List<X509Certificate> readTrustBundle(Path bundle, Instant now) {
    List<X509Certificate> anchors = readCertificates(bundle, "tls.trustBundle");
    boolean anyValid = anchors.stream().anyMatch(c -> !now.isBefore(c.getNotBefore().toInstant())
        && !now.isAfter(c.getNotAfter().toInstant()));
    if (!anyValid) {
      throw new IllegalArgumentException(
          "tls.trustBundle " + bundle + ": every certificate in it has expired (or is not yet valid)");
    }
    return anchors;
  }

  /** A PKIX trust manager for client certificates chaining to {@code anchors}. */
  static TrustManagerFactory trustManagerFor(List<X509Certificate> anchors) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < anchors.size(); i++) {
        store.setCertificateEntry("ca-" + i, anchors.get(i));
      }
      TrustManagerFactory pkix = TrustManagerFactory.getInstance("PKIX");
      pkix.init(store);
      return pkix;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot use the trust bundle: " + e.getMessage(), e);
    }
  }

  /** Every PEM block of {@code file}, each of which must be a certificate; at least one. */
  private static List<X509Certificate> readCertificates(Path file, String key) {
    List<Object> blocks = new ArrayList<>();
    List<X509Certificate> certs = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser pem = new PEMParser(in)) {
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
        blocks.add(o);
        if (o instanceof X509CertificateHolder holder) {
          certs.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new IllegalArgumentException(key + " " + file + " is not a readable PEM certificate"
          + " file (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
    if (certs.size() != blocks.size()) {
      throw new IllegalArgumentException(key + " " + file + " holds a PEM block that is not a"
          + " certificate");
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException(key + " " + file + " holds no PEM certificate");
    }
    return List.copyOf(certs);
  }

  /** A PKCS#8, SEC1 (EC) or PKCS#1 (RSA) PEM private key; the message never quotes the file. */
  private static PrivateKey readPrivateKey(Path file) {
    PrivateKey key = null;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser pem = new PEMParser(in)) {
      Object o = pem.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        key = converter.getPrivateKey(info);
      } else if (o instanceof PEMKeyPair pair) {
        // Only the private part: a SEC1 key may come without its public key.
        key = converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
    } catch (IOException | RuntimeException e) {
      // The parser's message may quote the file; say only what kind of failure it was.
      throw new IllegalArgumentException("tls.privateKey " + file + " is not a readable PEM private"
          + " key (" + e.getClass().getSimpleName() + ")", e);
    }
    if (key == null) {
      throw new IllegalArgumentException("tls.privateKey " + file + " holds no unencrypted PEM"
          + " private key (PKCS#8, EC or RSA)");
    }
    return key;
  }

  /** True when {@code key} signs what {@code publicKey} verifies (so they are one key pair). */
  private static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "RSASSA-PSS" -> "RSASSA-PSS";
      case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
      default -> null;
    };
    if (algorithm == null) {
      return true; // not a key type Gatehouse issues; the handshake is the check then
    }
    try {
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      Signature signer = signature(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = signature(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false; // e.g. an RSA key with an EC certificate
    }
  }

  private static Signature signature(String algorithm) throws GeneralSecurityException {
    Signature s = Signature.getInstance(algorithm);
    if ("RSASSA-PSS".equals(algorithm)) {
      s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
    }
    return s;
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
