package io.gatehouse.testing;

import io.gatehouse.pki.identity.RolesExtension;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Client certificates built with BouncyCastle, in the Gatehouse profile unless told otherwise. */
public final class TestCerts {
  private static final KeyPair CA = ecKey();

  /** What to put in a certificate; the defaults give a good Gatehouse client certificate. */
  public static final class Spec {
    public List<String> uris = new ArrayList<>(List.of("spiffe://gatehouse.local/client/alice"));
    public byte[] rolesValue = encodeRoles(List.of("viewer", "manager"));
    public boolean clientAuth = true;
    public boolean ca = false;
    public Instant notBefore = Instant.now().minus(Duration.ofMinutes(1));
    public Instant notAfter = Instant.now().plus(Duration.ofHours(1));
  }

  private TestCerts() {}

  public static X509Certificate client() {
    return build(new Spec());
  }

  public static X509Certificate build(Spec spec) {
    try {
      KeyPair subject = ecKey();
      var builder =
          new JcaX509v3CertificateBuilder(
              new X500Name("CN=Test CA"),
              BigInteger.valueOf(System.nanoTime()).abs(),
              Date.from(spec.notBefore),
              Date.from(spec.notAfter),
              new X500Name("CN=alice"),
              subject.getPublic());
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      if (spec.ca) {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      }
      if (spec.clientAuth) {
        builder.addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      } else {
        builder.addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      }
      if (!spec.uris.isEmpty()) {
        GeneralName[] names =
            spec.uris.stream()
                .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
                .toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      if (spec.rolesValue != null) {
        builder.addExtension(
            new Extension(new ASN1ObjectIdentifier(RolesExtension.OID), false, spec.rolesValue));
      }
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(CA.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] encodeRoles(List<String> roles) {
    try {
      return RolesExtension.encodeValue(roles);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair ecKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
