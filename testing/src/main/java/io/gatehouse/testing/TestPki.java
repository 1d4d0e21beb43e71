package io.gatehouse.testing;

import io.gatehouse.pki.identity.RolesExtension;
import io.gatehouse.pki.identity.SpiffeId;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away PKI for tests, written as PEM files into a directory: an EC P-256 root CA, a server
 * certificate for {@code localhost}/{@code 127.0.0.1}, and client certificates shaped like the
 * Gatehouse CA issues them (SPIFFE URI SAN, roles extension, EKU clientAuth) — or deliberately
 * not, through {@link ClientSpec}. Keys are PKCS#8 PEM with mode 0600.
 */
public final class TestPki {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final String name;
  private final KeyPair rootKeys;
  private final X509Certificate root;
  private final Path rootPem;

  private TestPki(Path dir, String name) {
    this.dir = dir;
    this.name = name;
    this.rootKeys = ecKeyPair();
    Instant now = Instant.now();
    this.root = sign(new X500Name("CN=" + name + " Test Root"), rootKeys, null,
        now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(1)), b -> {
          b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
          b.addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        });
    this.rootPem = writeCertificates(name + "-root.crt", root);
  }

  /** A new root CA named {@code name} writing into {@code dir}. */
  public static TestPki create(Path dir, String name) {
    return new TestPki(dir, name);
  }

  /** The root certificate. */
  public X509Certificate root() {
    return root;
  }

  /** PEM file of the root (the trust bundle). */
  public Path rootPem() {
    return rootPem;
  }

  /** A server certificate for localhost and 127.0.0.1, EKU serverAuth. */
  public Issued server() {
    Instant now = Instant.now();
    return issue("server", now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(1)), b -> {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.dNSName, "localhost"),
          new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    });
  }

  /** A well-formed client certificate for {@code client/<name>} with {@code roles}. */
  public Issued client(String clientName, String... roles) {
    return client(ClientSpec.of(clientName, roles));
  }

  /** A client certificate as {@code spec} describes, good or deliberately bad. */
  public Issued client(ClientSpec spec) {
    return issue(spec.name(), spec.notBefore(), spec.notAfter(), b -> {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(
          GeneralName.uniformResourceIdentifier,
          SpiffeId.forClient(spec.trustDomain(), spec.name()).toUri())));
      if (spec.clientAuthEku()) {
        b.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      }
      if (spec.rolesDer() != null) {
        b.addExtension(RolesExtension.ASN1_OID, false, spec.rolesDer());
      } else if (!spec.roles().isEmpty()) {
        b.addExtension(RolesExtension.toExtension(spec.roles()));
      }
    });
  }

  /** A client context trusting this root and presenting {@code identity} (null: no cert). */
  public SSLContext clientContext(Issued identity) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("root", root);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (identity != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "test".toCharArray();
        keys.setKeyEntry("me", identity.key(), password,
            new X509Certificate[] {identity.certificate(), root});
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a client certificate should look like. */
  public record ClientSpec(String name, List<String> roles, String trustDomain, Instant notBefore,
      Instant notAfter, boolean clientAuthEku, byte[] rolesDer) {
    /** A valid certificate, 1h lifetime, default trust domain. */
    public static ClientSpec of(String name, String... roles) {
      Instant now = Instant.now();
      return new ClientSpec(name, List.of(roles), SpiffeId.DEFAULT_TRUST_DOMAIN,
          now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1)), true, null);
    }

    /** This spec with another validity window (expired, not yet valid). */
    public ClientSpec validity(Instant from, Instant to) {
      return new ClientSpec(name, roles, trustDomain, from, to, clientAuthEku, rolesDer);
    }

    /** This spec without EKU clientAuth. */
    public ClientSpec withoutClientAuth() {
      return new ClientSpec(name, roles, trustDomain, notBefore, notAfter, false, rolesDer);
    }

    /** This spec with a raw (possibly malformed) roles extension value. */
    public ClientSpec rawRoles(byte[] der) {
      return new ClientSpec(name, roles, trustDomain, notBefore, notAfter, clientAuthEku, der);
    }
  }

  /** An issued certificate, its key and their PEM files. */
  public record Issued(X509Certificate certificate, PrivateKey key, Path certificatePem,
      Path keyPem) {}

  private Issued issue(String subject, Instant from, Instant to, Extensions extensions) {
    KeyPair keys = ecKeyPair();
    X509Certificate cert = sign(new X500Name("CN=" + subject), keys, root, from, to, b -> {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      extensions.add(b);
    });
    String base = name + "-" + subject + "-" + cert.getSerialNumber().toString(16);
    Path certPem = writeCertificates(base + ".crt", cert, root);
    Path keyPem = dir.resolve(base + ".key");
    try {
      Files.createFile(keyPem, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
      Files.writeString(keyPem, pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Issued(cert, keys.getPrivate(), certPem, keyPem);
  }

  private interface Extensions {
    void add(X509v3CertificateBuilder builder) throws Exception;
  }

  private X509Certificate sign(X500Name subject, KeyPair keys, X509Certificate issuer,
      Instant from, Instant to, Extensions extensions) {
    try {
      X500Name issuerName = issuer == null ? subject : new X500Name(
          issuer.getSubjectX500Principal().getName());
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
          new BigInteger(128, RANDOM).setBit(127), Date.from(from), Date.from(to), subject,
          keys.getPublic());
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          utils.createSubjectKeyIdentifier(keys.getPublic()));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          utils.createAuthorityKeyIdentifier(issuer == null ? keys.getPublic()
              : issuer.getPublicKey()));
      extensions.add(builder);
      PrivateKey signer = issuer == null ? keys.getPrivate() : rootKeys.getPrivate();
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue test certificate", e);
    }
  }

  private Path writeCertificates(String file, X509Certificate... certs) {
    try {
      StringBuilder text = new StringBuilder();
      for (X509Certificate cert : certs) {
        text.append(pem(cert));
      }
      return Files.writeString(dir.resolve(file), text, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
