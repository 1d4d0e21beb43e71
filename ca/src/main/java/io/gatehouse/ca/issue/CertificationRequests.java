package io.gatehouse.ca.issue;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.SecureFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Reads PKCS#10 requests for {@code ca sign}. Only two things are taken from a request — its
 * public key and its common name — and only after its self-signature verifies. Requested
 * extensions are ignored: roles come from the CA operator, never from the requester.
 */
public final class CertificationRequests {
  /** Largest CSR file read; real ones are a few hundred bytes. */
  private static final long MAX_SIZE = 64 * 1024;

  /**
   * What a verified CSR contributes.
   *
   * @param name the requested common name (becomes the client name)
   * @param publicKey the requester's public key
   */
  public record VerifiedRequest(String name, PublicKey publicKey) {}

  private CertificationRequests() {}

  /** Reads a PEM or DER CSR, verifies its signature and extracts name and key. */
  public static VerifiedRequest read(Path file) throws CaException {
    return verify(parse(file), "CSR " + file);
  }

  /**
   * Parses a DER CSR received over the network (EST), verifies its signature and extracts name and
   * key; every failure is an {@link InvalidRequestException}.
   */
  public static VerifiedRequest fromDer(byte[] der) throws InvalidRequestException {
    PKCS10CertificationRequest csr;
    try {
      if (der.length == 0 || der.length > MAX_SIZE) {
        throw new IllegalArgumentException("empty or too large");
      }
      csr = new PKCS10CertificationRequest(der);
    } catch (IOException | RuntimeException e) {
      throw new InvalidRequestException("the CSR is not a DER PKCS#10 request");
    }
    try {
      return verify(csr, "the CSR");
    } catch (InvalidRequestException e) {
      throw e;
    } catch (CaException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  private static VerifiedRequest verify(PKCS10CertificationRequest csr, String what) throws CaException {
    boolean valid;
    try {
      valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder()
          .setProvider(Crypto.BC).build(csr.getSubjectPublicKeyInfo()));
    } catch (Exception e) {
      throw new CaException(what + " signature cannot be checked: " + SecureFiles.reason(e), e);
    }
    if (!valid) {
      throw new CaException(what + " has an invalid self-signature: it was altered or forged");
    }
    RDN[] commonNames = csr.getSubject().getRDNs(BCStyle.CN);
    if (commonNames.length != 1 || commonNames[0].isMultiValued()) {
      throw new InvalidRequestException(what + " must name exactly one CN");
    }
    String name = IETFUtils.valueToString(commonNames[0].getFirst().getValue());
    Issuer.checkClientName(name);
    PublicKey key;
    try {
      key = new JcaPKCS10CertificationRequest(csr).setProvider(Crypto.BC).getPublicKey();
    } catch (GeneralSecurityException e) {
      throw new CaException(what + " carries an unreadable public key", e);
    }
    KeyType.of(key);
    return new VerifiedRequest(name, key);
  }

  private static PKCS10CertificationRequest parse(Path file) throws CaException {
    try {
      if (!Files.isRegularFile(file)) {
        throw new CaException("CSR " + file + " does not exist");
      }
      if (Files.size(file) > MAX_SIZE) {
        throw new CaException("CSR " + file + " is too large");
      }
      byte[] bytes = Files.readAllBytes(file);
      String text = new String(bytes, StandardCharsets.US_ASCII);
      if (!text.contains("-----BEGIN")) {
        return new PKCS10CertificationRequest(bytes);
      }
      try (PEMParser parser = new PEMParser(new StringReader(text))) {
        if (parser.readObject() instanceof PKCS10CertificationRequest csr) {
          return csr;
        }
      }
      throw new CaException("CSR " + file + " is PEM but not a certificate request");
    } catch (IOException | RuntimeException e) {
      throw new CaException("CSR " + file + " is malformed: " + SecureFiles.reason(e), e);
    }
  }
}
