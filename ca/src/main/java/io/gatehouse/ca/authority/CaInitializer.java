package io.gatehouse.ca.authority;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.PostgresCertificateStore;
import io.gatehouse.ca.db.SqliteCertificateStore;
import io.gatehouse.ca.db.StoreLocation;
import io.gatehouse.pki.identity.SpiffeId;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * {@code ca init}: creates the root (and optionally an intermediate), the encrypted key files, the
 * chain, the store and {@code ca.json}, in that order: {@code ca.json} is written last and is what
 * marks a CA as complete.
 */
public final class CaInitializer {
  /** Shortest CA passphrase accepted; the key files may leave the machine in backups. */
  public static final int MIN_PASSPHRASE_LENGTH = 12;

  private static final Duration ROOT_LIFETIME = Duration.ofDays(3650);
  private static final Duration INTERMEDIATE_LIFETIME = Duration.ofDays(1825);

  /**
   * What to create.
   *
   * @param dir the {@code --dir} root
   * @param name the root CA common name
   * @param trustDomain SPIFFE trust domain
   * @param keyType CA key type
   * @param intermediate whether to create an intermediate that issues leaves
   * @param ocspUrl OCSP URL for AIA, or null
   * @param crlUrl CRL URL for CDP, or null
   * @param clientTtl default client lifetime
   * @param clientMaxTtl maximum client lifetime
   * @param serverTtl default server lifetime
   * @param serverMaxTtl maximum server lifetime
   * @param issuer JWT issuer URL, or null for {@code https://<trustDomain>}
   * @param jwtAlgorithm JWS algorithm for {@code gatehouse token} (ES256, RS256, EdDSA)
   * @param force replace an existing CA (its files are moved aside, not deleted)
   */
  public record Options(
      Path dir,
      String name,
      String trustDomain,
      KeyType keyType,
      boolean intermediate,
      String ocspUrl,
      String crlUrl,
      Duration clientTtl,
      Duration clientMaxTtl,
      Duration serverTtl,
      Duration serverMaxTtl,
      String issuer,
      String jwtAlgorithm,
      boolean force) {}

  private CaInitializer() {}

  /**
   * Creates the CA.
   *
   * @return the path an existing CA was moved to (with {@code force}), or null
   */
  public static Path init(Options options, char[] passphrase, Instant now) throws CaException {
    return init(options, passphrase, now, null, Map.of());
  }

  /**
   * Creates the CA on the store {@code storeUrl}: null for the embedded SQLite file, else a
   * migrated, empty PostgreSQL database ({@code postgresql://…}, recorded in {@code ca.json}
   * without credentials; {@code env} supplies the password).
   *
   * @return the path an existing CA was moved to (with {@code force}), or null
   */
  public static Path init(Options options, char[] passphrase, Instant now, String storeUrl,
      Map<String, String> env) throws CaException {
    CaConfig config = validate(options, passphrase);
    CertificateStore store = null;
    if (storeUrl != null) {
      StoreLocation location = StoreLocation.parse(storeUrl);
      config = config.withStore(location.url());
      store = PostgresCertificateStore.open(location, env);
    }
    try {
      return create(options, config, passphrase, now, store);
    } finally {
      if (store != null) {
        store.close();
      }
    }
  }

  private static Path create(Options options, CaConfig config, char[] passphrase, Instant now,
      CertificateStore external) throws CaException {
    CaLayout layout = new CaLayout(options.dir());
    Path movedAside = prepareDirectory(layout, options.force(), now);

    Instant notBefore = now.minus(1, ChronoUnit.MINUTES);
    KeyPair rootPair = options.keyType().generate();
    X500Name rootName = name(options.name());
    X509v3CertificateBuilder root = caBuilder(rootName, rootName, notBefore,
        now.plus(ROOT_LIFETIME), rootPair, options.intermediate() ? 1 : 0);
    IssuerKey rootKey = IssuerKey.of(
        IssuerKey.toJdk(root.build(selfSigner(rootPair))), rootPair.getPrivate());
    X509Certificate[] chain;
    CertificateStore store = external != null ? external : SqliteCertificateStore.create(layout.database());
    PemFiles.writeEncryptedKey(layout.rootKey(), rootPair.getPrivate(), passphrase);
    IssuerKey issuing = rootKey;
    if (options.intermediate()) {
      KeyPair pair = options.keyType().generate();
      X509v3CertificateBuilder builder = caBuilder(rootKey.subject(), name(intermediateName(options.name())),
          notBefore, now.plus(INTERMEDIATE_LIFETIME), pair, 0);
      addExtension(builder, Extension.authorityKeyIdentifier, false, rootKey.authorityKeyIdentifier());
      X509Certificate intermediate = rootKey.sign(builder);
      PemFiles.writeEncryptedKey(layout.intermediateKey(), pair.getPrivate(), passphrase);
      SecureFiles.writePublic(layout.intermediateCertificate(), PemFiles.encode(intermediate));
      chain = new X509Certificate[] {intermediate, rootKey.certificate()};
      issuing = IssuerKey.of(intermediate, pair.getPrivate());
    } else {
      chain = new X509Certificate[] {rootKey.certificate()};
    }
    SecureFiles.writePublic(layout.rootCertificate(), PemFiles.encode(rootKey.certificate()));
    SecureFiles.writePublic(layout.chain(), PemFiles.encode((Object[]) chain));
    try {
      store.attach(issuing.auditSigner(CertificateAuthority.localActor()));
      store.recordInit(sha256Hex(issuing.certificate()), now);
      CertificateAuthority.markSealed(layout);
    } finally {
      if (external == null) {
        store.close();
      }
    }
    config.write(layout.config());
    return movedAside;
  }

  private static String sha256Hex(X509Certificate certificate) throws CaException {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (java.security.GeneralSecurityException e) {
      throw new CaException("cannot encode the issuing certificate", e);
    }
  }

  private static CaConfig validate(Options options, char[] passphrase) throws CaException {
    if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new InvalidRequestException(
          "CA passphrase too short: use at least " + MIN_PASSPHRASE_LENGTH + " characters");
    }
    if (!SpiffeId.isValidTrustDomain(options.trustDomain())) {
      throw new InvalidRequestException("invalid trust domain '" + options.trustDomain()
          + "': use lowercase letters, digits, '.', '_' or '-'");
    }
    if (options.name() == null || options.name().isBlank() || options.name().length() > 64) {
      throw new InvalidRequestException("CA name must be 1 to 64 characters");
    }
    try {
      new TtlPolicy(options.clientTtl(), options.clientMaxTtl());
      new TtlPolicy(options.serverTtl(), options.serverMaxTtl());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("invalid lifetime policy: " + e.getMessage());
    }
    return new CaConfig(1, options.name(), options.trustDomain(), options.keyType().cliName(),
        options.intermediate(), httpUrl(options.ocspUrl(), "--ocsp-url"),
        httpUrl(options.crlUrl(), "--crl-url"),
        Ttl.format(options.clientTtl()), Ttl.format(options.clientMaxTtl()),
        Ttl.format(options.serverTtl()), Ttl.format(options.serverMaxTtl()),
        options.issuer() == null ? null : httpUrl(options.issuer(), "--issuer"),
        jwtAlgorithm(options.jwtAlgorithm()), CaConfig.DEFAULT_TOKEN_TTL, CaConfig.DEFAULT_TOKEN_MAX_TTL);
  }

  /** Refuses to overwrite a CA unless forced; a forced init moves the old {@code ca/} aside. */
  private static Path prepareDirectory(CaLayout layout, boolean force, Instant now) throws CaException {
    Path caDir = layout.caDir();
    boolean exists = Files.exists(layout.config()) || Files.exists(layout.database())
        || Files.exists(layout.rootKey());
    Path movedAside = null;
    if (exists) {
      if (!force) {
        throw new CaException("a CA already exists in " + caDir
            + ": use --force to replace it (the old one is moved aside)");
      }
      movedAside = caDir.resolveSibling("ca.replaced-" + now.toEpochMilli());
      try {
        Files.move(caDir, movedAside);
      } catch (IOException e) {
        throw new CaException("cannot move the existing CA aside: " + SecureFiles.reason(e), e);
      }
    }
    SecureFiles.ensureDirectory(caDir);
    return movedAside;
  }

  private static X509v3CertificateBuilder caBuilder(X500Name issuer, X500Name subject,
      Instant notBefore, Instant notAfter, KeyPair pair, int pathLength) {
    BigInteger serial = IssuerKey.newSerial();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial,
        Date.from(notBefore), Date.from(notAfter), subject, pair.getPublic());
    addExtension(builder, Extension.basicConstraints, true, new BasicConstraints(pathLength));
    addExtension(builder, Extension.keyUsage, true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    addExtension(builder, Extension.subjectKeyIdentifier, false,
        IssuerKey.subjectKeyIdentifier(pair.getPublic()));
    return builder;
  }

  private static ContentSigner selfSigner(KeyPair pair) {
    try {
      return new JcaContentSignerBuilder(KeyType.of(pair.getPrivate()).signatureAlgorithm())
          .setProvider(Crypto.BC)
          .build(pair.getPrivate());
    } catch (OperatorCreationException | InvalidRequestException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Adds an extension; encoding our own well-formed values cannot fail in practice. */
  public static void addExtension(X509v3CertificateBuilder builder, ASN1ObjectIdentifier oid,
      boolean critical, ASN1Encodable value) {
    try {
      builder.addExtension(oid, critical, value);
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot encode extension " + oid, e);
    }
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static String intermediateName(String rootName) {
    return rootName.contains("Root")
        ? rootName.replace("Root", "Intermediate")
        : rootName + " Intermediate";
  }

  private static String jwtAlgorithm(String name) throws InvalidRequestException {
    for (String known : new String[] {"ES256", "RS256", "EdDSA"}) {
      if (known.equalsIgnoreCase(name)) {
        return known;
      }
    }
    throw new InvalidRequestException("unsupported JWT algorithm '" + name + "': use ES256, RS256 or EdDSA");
  }

  private static String httpUrl(String url, String flag) throws InvalidRequestException {
    if (url == null) {
      return null;
    }
    try {
      URI uri = new URI(url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new URISyntaxException(url, "not an http(s) URL");
      }
      return uri.toString();
    } catch (URISyntaxException e) {
      throw new InvalidRequestException(flag + " must be an absolute http(s) URL, got '" + url + "'");
    }
  }
}
