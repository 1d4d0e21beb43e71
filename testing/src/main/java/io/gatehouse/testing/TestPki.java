package io.gatehouse.testing;

import io.gatehouse.pki.identity.SpiffeId;
import io.gatehouse.pki.tls.PemSslContexts;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away PKI for tests, written as PEM files into a directory: an EC P-256 root CA, a server
 * certificate for {@code localhost}/{@code 127.0.0.1}, and client certificates shaped like the
 * Gatehouse CA issues them (SPIFFE URI SAN, roles extension, EKU clientAuth) — or deliberately
 * not, through {@link ClientSpec}. Keys are PKCS#8 PEM with mode 0600.
 */
public final class TestPki {
  private final Path dir;
  private final String name;
  private final KeyPair rootKeys;
  private final X509Certificate root;
  private final Path rootPem;

  private TestPki(Path dir, String name) {
    this.dir = dir;
    this.name = name;
    this.rootKeys = TestCerts.ecKey();
    Instant now = Instant.now();
    this.root = TestCerts.selfSigned("CN=" + name + " Test Root", rootKeys)
        .validity(now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(1)))
        .ca().keyIdentifiers().build();
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
    return issue(leaf("server", now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(1)))
        .dnsName("localhost").ipAddress("127.0.0.1").serverAuth());
  }

  /** A well-formed client certificate for {@code client/<name>} with {@code roles}. */
  public Issued client(String clientName, String... roles) {
    return client(ClientSpec.of(clientName, roles));
  }

  /** A client certificate as {@code spec} describes, good or deliberately bad. */
  public Issued client(ClientSpec spec) {
    TestCerts b = leaf(spec.name(), spec.notBefore(), spec.notAfter())
        .spiffeClient(spec.trustDomain(), spec.name());
    if (spec.clientAuthEku()) {
      b.clientAuth();
    }
    if (spec.rolesDer() != null) {
      b.rawRoles(spec.rolesDer());
    } else if (!spec.roles().isEmpty()) {
      b.roles(spec.roles());
    }
    return issue(b);
  }

  /** A client context trusting this root and presenting {@code identity} (null: no cert). */
  public SSLContext clientContext(Issued identity) {
    try {
      return PemSslContexts.of(List.of(root),
          identity == null ? null : List.of(identity.certificate(), root),
          identity == null ? null : identity.key());
    } catch (GeneralSecurityException e) {
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

  private TestCerts leaf(String subject, Instant from, Instant to) {
    return TestCerts.issuedBy(root, rootKeys.getPrivate()).subject("CN=" + subject)
        .validity(from, to).leaf().keyIdentifiers();
  }

  private Issued issue(TestCerts builder) {
    X509Certificate cert = builder.build();
    PrivateKey key = builder.generatedKeys().getPrivate();
    String subject = cert.getSubjectX500Principal().getName().substring("CN=".length());
    String base = name + "-" + subject + "-" + cert.getSerialNumber().toString(16);
    Path certPem = writeCertificates(base + ".crt", cert, root);
    Path keyPem = dir.resolve(base + ".key");
    try {
      Files.createFile(keyPem, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
      Files.writeString(keyPem, pem(new PemObject("PRIVATE KEY", key.getEncoded())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Issued(cert, key, certPem, keyPem);
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

}
