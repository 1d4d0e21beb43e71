package io.gatehouse.testing;

import io.gatehouse.pki.identity.RolesExtension;
import io.gatehouse.pki.identity.SpiffeId;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
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
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The one test-certificate builder: roots, intermediates, leaves, OCSP signers, good or deliberately
 * malformed, built with BouncyCastle (not with the CA's own code) and signed SHA256withECDSA.
 *
 * <pre>{@code
 * KeyPair rootKeys = TestCerts.ecKey();
 * X509Certificate root = TestCerts.selfSigned("CN=Root", rootKeys).ca().build();
 * X509Certificate leaf = TestCerts.issuedBy(root, rootKeys.getPrivate()).subject("CN=alice")
 *     .leaf().clientAuth().spiffeClient("alice").roles("viewer").ocspUrl(url).build();
 * }</pre>
 *
 * Nothing is added unless asked for; {@link #client()} gives a ready Gatehouse client certificate.
 */
public final class TestCerts {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Signs {@link #client()}: one throw-away CA per test JVM. */
  private static final KeyPair THROWAWAY_CA = ecKey();

  private final X500Name issuer;
  private final PrivateKey signer;
  private final PublicKey issuerPublicKey;
  private X500Name subject;
  private PublicKey publicKey;
  private KeyPair generated;
  private BigInteger serial;
  private Instant notBefore;
  private Instant notAfter;
  private final List<KeyPurposeId> extendedKeyUsages = new ArrayList<>();
  private final List<GeneralName> subjectAltNames = new ArrayList<>();
  private final List<Extension> extensions = new ArrayList<>();
  private boolean keyIdentifiers;

  private TestCerts(X500Name issuer, PrivateKey signer, PublicKey issuerPublicKey) {
    this.issuer = issuer;
    this.signer = signer;
    this.issuerPublicKey = issuerPublicKey;
    Instant now = Instant.now();
    this.notBefore = now.minus(Duration.ofMinutes(5));
    this.notAfter = now.plus(Duration.ofDays(1));
    this.serial = new BigInteger(128, RANDOM).setBit(127);
  }

  /** A self-signed certificate (a root) for {@code keys}, subject and issuer {@code name}. */
  public static TestCerts selfSigned(String name, KeyPair keys) {
    return selfSigned(new X500Name(name), keys);
  }

  /** A self-signed certificate (a root) for {@code keys}, subject and issuer {@code name}. */
  public static TestCerts selfSigned(X500Name name, KeyPair keys) {
    return new TestCerts(name, keys.getPrivate(), keys.getPublic()).subject(name)
        .publicKey(keys.getPublic());
  }

  /** A certificate issued by {@code issuer} (its subject and key identifier), signed by {@code key}. */
  public static TestCerts issuedBy(X509Certificate issuer, PrivateKey key) {
    return new TestCerts(X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), key,
        issuer.getPublicKey());
  }

  /**
   * A certificate naming {@code issuer}, signed by {@code key} (null when only {@link #template()}
   * is wanted, e.g. for a signer outside this class). No authority key identifier is derived.
   */
  public static TestCerts issuedBy(X500Name issuer, PrivateKey key) {
    return new TestCerts(issuer, key, null);
  }

  /** A good Gatehouse client certificate for {@code client/alice} (viewer, manager), 1 h. */
  public static X509Certificate client() {
    return build(new Spec());
  }

  /** What {@link #build(Spec)} puts in a client certificate; the defaults give a good one. */
  public static final class Spec {
    public List<String> uris = new ArrayList<>(List.of("spiffe://gatehouse.local/client/alice"));
    public byte[] rolesValue = encodeRoles(List.of("viewer", "manager"));
    /** EKU clientAuth when true, serverAuth when false. */
    public boolean clientAuth = true;
    public boolean ca = false;
    public Instant notBefore = Instant.now().minus(Duration.ofMinutes(1));
    public Instant notAfter = Instant.now().plus(Duration.ofHours(1));
  }

  /** A client certificate for {@code CN=alice} from the throw-away CA, as {@code spec} says. */
  public static X509Certificate build(Spec spec) {
    TestCerts b = issuedBy(new X500Name("CN=Test CA"), THROWAWAY_CA.getPrivate())
        .subject("CN=alice").validity(spec.notBefore, spec.notAfter)
        .keyUsage(KeyUsage.digitalSignature)
        .extendedKeyUsage(spec.clientAuth ? KeyPurposeId.id_kp_clientAuth
            : KeyPurposeId.id_kp_serverAuth);
    if (spec.ca) {
      b.extension(Extension.basicConstraints, true, new BasicConstraints(true));
    }
    spec.uris.forEach(b::uri);
    if (spec.rolesValue != null) {
      b.rawRoles(spec.rolesValue);
    }
    return b.build();
  }

  public TestCerts subject(String name) {
    return subject(new X500Name(name));
  }

  public TestCerts subject(X500Name name) {
    this.subject = name;
    return this;
  }

  /** The subject's key; when never set, {@link #build} generates an EC P-256 key. */
  public TestCerts publicKey(PublicKey key) {
    this.publicKey = key;
    return this;
  }

  public TestCerts keys(KeyPair keys) {
    return publicKey(keys.getPublic());
  }

  /** Default: a random positive 128-bit serial. */
  public TestCerts serial(BigInteger serial) {
    this.serial = serial;
    return this;
  }

  /** Default: from 5 minutes ago for one day. */
  public TestCerts validity(Instant from, Instant to) {
    this.notBefore = from;
    this.notAfter = to;
    return this;
  }

  /** A CA: basicConstraints CA:true, keyUsage keyCertSign + cRLSign (both critical). */
  public TestCerts ca() {
    return ca(KeyUsage.keyCertSign | KeyUsage.cRLSign);
  }

  /** A CA with its own key usage bits. */
  public TestCerts ca(int keyUsage) {
    extension(Extension.basicConstraints, true, new BasicConstraints(true));
    return keyUsage(keyUsage);
  }

  /** An end entity: basicConstraints CA:false, keyUsage digitalSignature (both critical). */
  public TestCerts leaf() {
    extension(Extension.basicConstraints, true, new BasicConstraints(false));
    return keyUsage(KeyUsage.digitalSignature);
  }

  /** A critical keyUsage extension. */
  public TestCerts keyUsage(int bits) {
    return extension(Extension.keyUsage, true, new KeyUsage(bits));
  }

  /** Extended key usages (one non-critical extension holding all given). */
  public TestCerts extendedKeyUsage(KeyPurposeId... purposes) {
    extendedKeyUsages.addAll(Arrays.asList(purposes));
    return this;
  }

  public TestCerts clientAuth() {
    return extendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
  }

  public TestCerts serverAuth() {
    return extendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
  }

  /** EKU id-kp-OCSPSigning: a delegated OCSP responder. */
  public TestCerts ocspSigning() {
    return extendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning);
  }

  /** A URI subject alternative name. */
  public TestCerts uri(String uri) {
    subjectAltNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
    return this;
  }

  /** The SPIFFE ID {@code spiffe://gatehouse.local/client/<name>} as URI SAN. */
  public TestCerts spiffeClient(String name) {
    return spiffeClient(SpiffeId.DEFAULT_TRUST_DOMAIN, name);
  }

  public TestCerts spiffeClient(String trustDomain, String name) {
    return uri(SpiffeId.forClient(trustDomain, name).toUri());
  }

  public TestCerts dnsName(String name) {
    subjectAltNames.add(new GeneralName(GeneralName.dNSName, name));
    return this;
  }

  public TestCerts ipAddress(String address) {
    subjectAltNames.add(new GeneralName(GeneralName.iPAddress, address));
    return this;
  }

  /** The Gatehouse roles extension, encoded by the pki identity codec. */
  public TestCerts roles(String... roles) {
    return roles(List.of(roles));
  }

  public TestCerts roles(List<String> roles) {
    return rawRoles(encodeRoles(roles));
  }

  /** A roles extension with this exact (possibly malformed) value. */
  public TestCerts rawRoles(byte[] value) {
    extensions.add(new Extension(RolesExtension.ASN1_OID, false, new DEROctetString(value)));
    return this;
  }

  /** AIA with an OCSP responder URL. */
  public TestCerts ocspUrl(String url) {
    return extension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
        AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, url)));
  }

  /**
   * Subject key identifier and, when the issuer's key is known (self-signed or
   * {@link #issuedBy(X509Certificate, PrivateKey)}), authority key identifier.
   */
  public TestCerts keyIdentifiers() {
    this.keyIdentifiers = true;
    return this;
  }

  /** Any other extension, as given. */
  public TestCerts extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
    try {
      extensions.add(new Extension(oid, critical, value.toASN1Primitive().getEncoded()));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  public TestCerts extension(Extension extension) {
    extensions.add(extension);
    return this;
  }

  /** The key generated for the subject when none was given (null otherwise, or before build). */
  public KeyPair generatedKeys() {
    return generated;
  }

  /** The unsigned certificate with all extensions, for signing by a key this class never sees. */
  public X509v3CertificateBuilder template() {
    try {
      if (publicKey == null) {
        generated = ecKey();
        publicKey = generated.getPublic();
      }
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial,
          Date.from(notBefore), Date.from(notAfter), subject, publicKey);
      for (Extension e : extensions) {
        b.addExtension(e);
      }
      if (!extendedKeyUsages.isEmpty()) {
        b.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(extendedKeyUsages.toArray(KeyPurposeId[]::new)));
      }
      if (!subjectAltNames.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
      }
      if (keyIdentifiers) {
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false,
            utils.createSubjectKeyIdentifier(publicKey));
        if (issuerPublicKey != null) {
          b.addExtension(Extension.authorityKeyIdentifier, false,
              utils.createAuthorityKeyIdentifier(issuerPublicKey));
        }
      }
      return b;
    } catch (Exception e) {
      throw new IllegalStateException("cannot build test certificate", e);
    }
  }

  /** Signs with the issuer's key. */
  public X509Certificate build() {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          template().build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot sign test certificate", e);
    }
  }

  /** All certificates in a PEM file, read with the JDK only (not with the code under test). */
  public static List<X509Certificate> read(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      List<X509Certificate> list = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in)
          .forEach(c -> list.add((X509Certificate) c));
      return list;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read certificates from " + pem, e);
    }
  }

  /** Validates {@code chain} (leaf first) against {@code root} with the JDK's PKIX validator. */
  public static void validate(List<X509Certificate> chain, X509Certificate root)
      throws GeneralSecurityException {
    CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    parameters.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(path, parameters);
  }

  /** The DER value of a roles extension for {@code roles}. */
  public static byte[] encodeRoles(List<String> roles) {
    try {
      return RolesExtension.encodeValue(roles);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh EC P-256 key pair. */
  public static KeyPair ecKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
