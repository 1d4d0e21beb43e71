package io.gatehouse.ca.est;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.ca.authority.KeyType;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.util.Set;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The client half of RFC 7030 for {@code gatehouse bootstrap|enroll|renew}: HTTPS to the CA's EST
 * listener, trusting only the pinned root (hostname verification on), optionally presenting the
 * current certificate for {@code simplereenroll}.
 */
public final class EstClient {
  /** Connect and request timeout. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** Largest response read: a few certificates. */
  private static final int MAX_RESPONSE = 256 * 1024;

  /** The CA answered, and said no (4xx other than 429): retrying will not help. */
  public static final class Refused extends CaException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  private final URI base;
  private final HttpClient http;

  /**
   * A client of the EST service at {@code ca} ({@code https://host:port}, with or without the
   * {@code /.well-known/est} path).
   *
   * @param root the pinned root, the only trust anchor
   * @param keyManagers the client certificate for re-enrollment, or null
   */
  public EstClient(String ca, X509Certificate root, KeyManager[] keyManagers) throws CaException {
    this.base = base(ca);
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("root", root);
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(trust);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(keyManagers, factory.getTrustManagers(), Crypto.random());
      this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(TIMEOUT).build();
    } catch (GeneralSecurityException | IOException e) {
      throw new CaException("cannot set up TLS to the CA: " + e.getMessage(), e);
    }
  }

  /** Key managers presenting {@code key} with {@code chain} (leaf first). */
  public static KeyManager[] presenting(PrivateKey key, List<X509Certificate> chain) throws CaException {
    try {
      char[] transientPassword = "in-memory".toCharArray();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("client", key, transientPassword, chain.toArray(Certificate[]::new));
      KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
      factory.init(store, transientPassword);
      return factory.getKeyManagers();
    } catch (GeneralSecurityException | IOException e) {
      throw new CaException("cannot use the client certificate: " + e.getMessage(), e);
    }
  }

  /** {@code GET cacerts}. */
  public List<X509Certificate> cacerts() throws CaException {
    return send(HttpRequest.newBuilder(base.resolve("cacerts")).timeout(TIMEOUT).GET().build(), "cacerts");
  }

  /** {@code POST simpleenroll} with a bearer enrollment token; returns the issued certificate. */
  public X509Certificate simpleEnroll(PKCS10CertificationRequest csr, String token) throws CaException {
    return single(send(post("simpleenroll", csr).header("Authorization", "Bearer " + token).build(), "simpleenroll"));
  }

  /** {@code POST simplereenroll} over mTLS; returns the new certificate. */
  public X509Certificate simpleReenroll(PKCS10CertificationRequest csr) throws CaException {
    return single(send(post("simplereenroll", csr).build(), "simplereenroll"));
  }

  private HttpRequest.Builder post(String operation, PKCS10CertificationRequest csr) throws CaException {
    try {
      return HttpRequest.newBuilder(base.resolve(operation)).timeout(TIMEOUT)
          .header("Content-Type", EstService.PKCS10)
          .header("Content-Transfer-Encoding", "base64")
          .POST(HttpRequest.BodyPublishers.ofByteArray(Base64.getMimeEncoder().encode(csr.getEncoded())));
    } catch (IOException e) {
      throw new CaException("cannot encode the CSR", e);
    }
  }

  private List<X509Certificate> send(HttpRequest request, String operation) throws CaException {
    HttpResponse<InputStream> response;
    byte[] body;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        body = in.readNBytes(MAX_RESPONSE);
      }
    } catch (IOException e) {
      throw new CaException("cannot reach the CA at " + base + " (" + operation + "): " + reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaException("interrupted while talking to the CA", e);
    }
    if (response.statusCode() != 200) {
      String line = new String(body, StandardCharsets.UTF_8).strip().replaceAll("[\\r\\n]+", " ");
      if (line.length() > 300) {
        line = line.substring(0, 300) + "...";
      }
      String message = "the CA refused " + operation + " (" + response.statusCode() + "): " + line;
      int status = response.statusCode();
      throw status >= 400 && status < 500 && status != 429 ? new Refused(message) : new CaException(message);
    }
    return certsOnly(body);
  }

  private static X509Certificate single(List<X509Certificate> certificates) throws CaException {
    if (certificates.size() != 1) {
      throw new CaException("the CA answered with " + certificates.size() + " certificates, expected 1");
    }
    return certificates.get(0);
  }

  /** Parses a base64 certs-only CMS response. */
  static List<X509Certificate> certsOnly(byte[] base64) throws CaException {
    try {
      CMSSignedData data = new CMSSignedData(Base64.getMimeDecoder().decode(base64));
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> out = new ArrayList<>();
      for (var holder : data.getCertificates().getMatches(null)) {
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(holder.getEncoded())));
      }
      return out;
    } catch (CMSException | IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new CaException("the CA's answer is not a certs-only PKCS#7 (" + e.getMessage() + ")", e);
    }
  }

  /**
   * {@code GET cacerts} before any trust exists (bootstrap): TLS is not verified here, so the answer
   * is worth nothing until the caller matches the root against the fingerprint it was given and
   * fetches again through {@link EstClient} pinned to that root.
   */
  public static List<X509Certificate> cacertsUnverified(String ca) throws CaException {
    URI cacerts = base(ca).resolve("cacerts");
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {new AnyServer()}, Crypto.random());
      HttpsURLConnection connection = (HttpsURLConnection) cacerts.toURL().openConnection();
      connection.setSSLSocketFactory(tls.getSocketFactory());
      connection.setHostnameVerifier((host, session) -> true);
      connection.setConnectTimeout((int) TIMEOUT.toMillis());
      connection.setReadTimeout((int) TIMEOUT.toMillis());
      try {
        if (connection.getResponseCode() != 200) {
          throw new CaException("the CA answered cacerts with HTTP " + connection.getResponseCode());
        }
        try (InputStream in = connection.getInputStream()) {
          return certsOnly(in.readNBytes(MAX_RESPONSE));
        }
      } finally {
        connection.disconnect();
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new CaException("cannot reach the CA at " + cacerts + ": " + reason(e), e);
    }
  }

  /** Only for {@link #cacertsUnverified}: its answer is verified by fingerprint afterwards. */
  private static final class AnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // bootstrap: the fetched root is checked against the pinned fingerprint instead
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** Lowercase hex SHA-256 of the certificate's DER (what {@code openssl x509 -fingerprint -sha256} shows). */
  public static String fingerprint(X509Certificate certificate) throws CaException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new CaException("cannot fingerprint a certificate", e);
    }
  }

  /** Normalises a fingerprint typed with or without colons, in either case. */
  public static String normaliseFingerprint(String text) throws InvalidRequestException {
    String hex = text == null ? "" : text.replace(":", "").replace(" ", "").toLowerCase(Locale.ROOT);
    if (hex.startsWith("sha256=")) {
      hex = hex.substring("sha256=".length());
    }
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new InvalidRequestException("--fingerprint must be the root's SHA-256 fingerprint: 64 hex digits,"
          + " colons optional (openssl x509 -in root.crt -noout -fingerprint -sha256)");
    }
    return hex;
  }

  /** A PKCS#10 request for {@code commonName}, signed with {@code key}. */
  public static PKCS10CertificationRequest csr(String commonName, KeyPair key) throws CaException {
    try {
      X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
      return new JcaPKCS10CertificationRequestBuilder(subject, key.getPublic())
          .build(new JcaContentSignerBuilder(KeyType.of(key.getPrivate()).signatureAlgorithm())
              .setProvider(Crypto.BC).build(key.getPrivate()));
    } catch (OperatorCreationException e) {
      throw new CaException("cannot sign the CSR: " + e.getMessage(), e);
    }
  }

  /** A re-enrollment request: the CN of {@code current} (the CA checks it), signed with {@code key}. */
  public static PKCS10CertificationRequest reenrollCsr(X509Certificate current, KeyPair key) throws CaException {
    RDN[] names = X500Name.getInstance(current.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
    if (names.length != 1) {
      throw new CaException("the certificate has no single CN");
    }
    return csr(IETFUtils.valueToString(names[0].getFirst().getValue()), key);
  }

  /**
   * Checks what the CA returned before anything is written: it certifies {@code requestedKey} and
   * validates to {@code root} through {@code intermediates}. {@code rootName} says in the message
   * which root (e.g. "the pinned root").
   */
  public static void checkIssued(X509Certificate issued, PublicKey requestedKey,
      List<X509Certificate> intermediates, X509Certificate root, String rootName) throws CaException {
    if (!issued.getPublicKey().equals(requestedKey)) {
      throw new CaException("the CA returned a certificate for another key: nothing was written");
    }
    try {
      List<X509Certificate> path = new ArrayList<>();
      path.add(issued);
      path.addAll(intermediates);
      PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
      parameters.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    } catch (GeneralSecurityException e) {
      throw new CaException("the returned certificate does not chain to " + rootName + ": nothing was written");
    }
  }

  private static URI base(String ca) throws InvalidRequestException {
    try {
      URI uri = new URI(ca);
      if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
        throw new URISyntaxException(ca, "not https");
      }
      String path = uri.getPath() == null ? "" : uri.getPath();
      if (!path.endsWith("/")) {
        path = path + "/";
      }
      if (!path.endsWith(EstHttpHandler.PREFIX)) {
        path = path + EstHttpHandler.PREFIX.substring(1);
      }
      return new URI("https", null, uri.getHost(), uri.getPort(), path, null, null);
    } catch (URISyntaxException e) {
      throw new InvalidRequestException("--ca must be the CA's HTTPS URL (EST requires TLS), e.g."
          + " https://ca.internal:8090, got '" + ca + "'");
    }
  }

  private static String reason(Exception e) {
    String message = e.getMessage();
    return (message == null ? e.getClass().getSimpleName() : message).replaceAll("[\\r\\n]+", " ");
  }
}
