package io.gatehouse.cli.ca;

import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Builds CSRs for tests, honest or forged. */
final class Csrs {
  private static KeyPair last;

  private Csrs() {}

  static KeyPair lastKey() {
    return last;
  }

  /**
   * Writes a CSR for {@code cn} that asks for a roles extension and a DNS SAN.
   *
   * @param pem PEM (else DER)
   * @param forged signed by a different key than the one it carries
   */
  static Path write(Path file, String cn, boolean pem, boolean forged) throws Exception {
    last = KeyType.EC_P256.generate();
    KeyPair signer = forged ? KeyType.EC_P256.generate() : last;
    Extensions requested = new Extensions(new Extension[] {
        new Extension(io.gatehouse.pki.identity.RolesExtension.ASN1_OID, false,
            new DERSequence(new DERUTF8String("admin")).getEncoded()),
        new Extension(Extension.subjectAlternativeName, false,
            new GeneralNames(new GeneralName(GeneralName.dNSName, "evil.example")).getEncoded())});
    PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), last.getPublic())
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, requested)
        .build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.BC).build(signer.getPrivate()));
    Files.write(file, pem ? PemFiles.encode(csr) : csr.getEncoded());
    return file;
  }
}
