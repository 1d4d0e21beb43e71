package io.gatehouse.pki.identity;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.Extension;

/**
 * The Gatehouse roles extension: OID {@value #OID}, non-critical, value {@code SEQUENCE OF
 * UTF8String} with one role per string.
 */
public final class RolesExtension {
  /** Gatehouse's private OID arc; sub-arcs {@code .2}, {@code .3}… are free for later extensions. */
  public static final String GATEHOUSE_ARC = "2.25.247206763756750229341921405081419835453";

  /** The roles extension OID. */
  public static final String OID = GATEHOUSE_ARC + ".1";

  /** The roles extension OID as a BouncyCastle identifier. */
  public static final ASN1ObjectIdentifier ASN1_OID = new ASN1ObjectIdentifier(OID);

  /** Upper bound on the extension's encoded size; protects decoders from hostile certificates. */
  private static final int MAX_ENCODED_LENGTH = 4096;

  private RolesExtension() {}

  /** DER of the extension value ({@code SEQUENCE OF UTF8String}) for validated roles. */
  public static byte[] encodeValue(List<String> roles) throws IdentityFormatException {
    List<String> valid = RoleNames.validate(roles);
    if (valid.isEmpty()) {
      throw new IdentityFormatException("at least one role is required");
    }
    ASN1Encodable[] items = new ASN1Encodable[valid.size()];
    for (int i = 0; i < items.length; i++) {
      items[i] = new DERUTF8String(valid.get(i));
    }
    try {
      return new DERSequence(items).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IdentityFormatException("cannot encode roles", e);
    }
  }

  /** The complete, non-critical X.509 extension carrying {@code roles}. */
  public static Extension toExtension(List<String> roles) throws IdentityFormatException {
    return new Extension(ASN1_OID, false, encodeValue(roles));
  }

  /**
   * Decodes the extension value (the DER inside the extension's OCTET STRING).
   *
   * @throws IdentityFormatException when the value is not a well-formed, non-empty list of valid
   *     role names
   */
  public static List<String> decodeValue(byte[] der) throws IdentityFormatException {
    if (der == null || der.length == 0) {
      throw new IdentityFormatException("roles extension is empty");
    }
    if (der.length > MAX_ENCODED_LENGTH) {
      throw new IdentityFormatException("roles extension is too large");
    }
    ASN1Primitive parsed;
    try {
      parsed = ASN1Primitive.fromByteArray(der);
      if (!java.util.Arrays.equals(parsed.getEncoded(ASN1Encoding.DER), der)) {
        throw new IdentityFormatException("roles extension is not DER-encoded");
      }
    } catch (IOException | RuntimeException e) {
      throw new IdentityFormatException("roles extension is not valid DER", e);
    }
    if (!(parsed instanceof ASN1Sequence sequence)) {
      throw new IdentityFormatException("roles extension is not a SEQUENCE");
    }
    List<String> roles = new ArrayList<>(sequence.size());
    for (ASN1Encodable item : sequence) {
      if (!(item instanceof ASN1UTF8String utf8)) {
        throw new IdentityFormatException("roles extension holds a non-UTF8String element");
      }
      roles.add(utf8.getString());
    }
    if (roles.isEmpty()) {
      throw new IdentityFormatException("roles extension lists no role");
    }
    List<String> valid = RoleNames.validate(roles);
    if (valid.size() != roles.size()) {
      throw new IdentityFormatException("roles extension lists a role twice");
    }
    return valid;
  }

  /**
   * The roles in {@code certificate}, or empty when it has no roles extension.
   *
   * @throws IdentityFormatException when the extension is present but malformed or critical
   */
  public static Optional<List<String>> fromCertificate(X509Certificate certificate)
      throws IdentityFormatException {
    byte[] wrapped = certificate.getExtensionValue(OID);
    if (wrapped == null) {
      return Optional.empty();
    }
    if (certificate.getCriticalExtensionOIDs() != null
        && certificate.getCriticalExtensionOIDs().contains(OID)) {
      throw new IdentityFormatException("roles extension must not be critical");
    }
    byte[] value;
    try {
      value = ASN1OctetString.getInstance(ASN1Primitive.fromByteArray(wrapped)).getOctets();
    } catch (IOException | RuntimeException e) {
      throw new IdentityFormatException("roles extension is not wrapped in an OCTET STRING", e);
    }
    return Optional.of(decodeValue(value));
  }
}
