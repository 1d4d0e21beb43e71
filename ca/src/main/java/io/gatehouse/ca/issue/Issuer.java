package io.gatehouse.ca.issue;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.CaInitializer;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.db.CertificateKind;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.DuplicateSerialException;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.pki.identity.RolesExtension;
import io.gatehouse.pki.identity.SpiffeId;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * Issues leaf certificates per the certificate profiles in docs/contracts.md and records each one in the store before
 * returning it: a certificate this class hands out is always one the store knows.
 */
public final class Issuer {
  /** Longest client name; it becomes a file name and a SPIFFE path segment. */
  public static final int MAX_NAME_LENGTH = 64;

  private static final Pattern CLIENT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern DNS_NAME = Pattern.compile(
      "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Duration BACKDATE = Duration.ofMinutes(1);
  private static final int SERIAL_ATTEMPTS = 3;

  private final CertificateAuthority ca;
  private final IssuerKey issuerKey;
  private final Clock clock;

  /** An issuer signing with {@code issuerKey} (from {@link CertificateAuthority#unlock}). */
  public Issuer(CertificateAuthority ca, IssuerKey issuerKey, Clock clock) {
    this.ca = ca;
    this.issuerKey = issuerKey;
    this.clock = clock;
  }

  /**
   * Issues a client certificate: {@code CN=name[,O=org]}, SAN {@code spiffe://<td>/client/<name>},
   * the roles extension, EKU clientAuth.
   *
   * @param ttl the requested lifetime, or null for the policy default
   */
  public X509Certificate issueClient(
      String name, String organization, List<String> roles, Duration ttl, PublicKey key)
      throws CaException {
    CaConfig config = ca.config();
    Duration lifetime = checkClientRequest(config, name, roles, ttl);
    List<String> validRoles = validateRoles(roles);
    KeyType.of(key);
    // Most significant RDN first in the encoding, so the RFC 4514 form reads CN=name,O=org.
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
    if (organization != null && !organization.isBlank()) {
      subject.addRDN(BCStyle.O, organization);
    }
    subject.addRDN(BCStyle.CN, name);
    SpiffeId id = SpiffeId.forClient(config.trustDomain(), name);
    GeneralNames san = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.toUri()));
    return issue(CertificateKind.CLIENT, subject.build(), key, lifetime, validRoles, builder -> {
      add(builder, Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      add(builder, Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      add(builder, Extension.subjectAlternativeName, false, san);
      try {
        builder.addExtension(RolesExtension.toExtension(validRoles));
      } catch (IdentityFormatException | CertIOException e) {
        throw new IllegalStateException("validated roles failed to encode", e);
      }
    });
  }

  /**
   * Issues a TLS server certificate: {@code CN=<first DNS name>}, SAN DNS and IP names, EKU
   * serverAuth.
   */
  public X509Certificate issueServer(
      List<String> dnsNames, List<String> ipAddresses, Duration ttl, PublicKey key)
      throws CaException {
    Duration lifetime = checkServerRequest(ca.config(), dnsNames, ipAddresses, ttl);
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
    ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
    KeyType keyType = KeyType.of(key);
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, dnsNames.get(0)).build();
    int usage = KeyUsage.digitalSignature | (keyType.isRsa() ? KeyUsage.keyEncipherment : 0);
    GeneralNames san = new GeneralNames(names.toArray(GeneralName[]::new));
    return issue(CertificateKind.SERVER, subject, key, lifetime, List.of(), builder -> {
      add(builder, Extension.keyUsage, true, new KeyUsage(usage));
      add(builder, Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      add(builder, Extension.subjectAlternativeName, false, san);
    });
  }

  /**
   * Issues a delegated OCSP signing certificate (RFC 6960 4.2.2.2): EKU OCSPSigning, {@code
   * id-pkix-ocsp-nocheck}, KU digitalSignature, so responders sign with it and never with the CA
   * key.
   */
  public X509Certificate issueOcspSigner(PublicKey key, Duration lifetime) throws CaException {
    String issuerName = IETFUtils.valueToString(issuerKey.subject().getRDNs(BCStyle.CN)[0].getFirst().getValue());
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.CN, issuerName + " OCSP Responder").build();
    return issue(CertificateKind.OCSP_SIGNING, subject, key, lifetime, List.of(), builder -> {
      add(builder, Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      add(builder, Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
      add(builder, OCSPObjectIdentifiers.id_pkix_ocsp_nocheck, false, DERNull.INSTANCE);
    });
  }

  /**
   * Validates a client request without signing anything (the CLI calls it before asking for the
   * passphrase).
   *
   * @return the lifetime to use
   */
  public static Duration checkClientRequest(
      CaConfig config, String name, List<String> roles, Duration ttl) throws InvalidRequestException {
    checkClientName(name);
    validateRoles(roles);
    return config.clientPolicy().resolve(ttl, "client certificate");
  }

  /**
   * Validates a server request without signing anything.
   *
   * @return the lifetime to use
   */
  public static Duration checkServerRequest(CaConfig config, List<String> dnsNames,
      List<String> ipAddresses, Duration ttl) throws InvalidRequestException {
    checkServerNames(dnsNames, ipAddresses);
    return config.serverPolicy().resolve(ttl, "server certificate");
  }

  /** Validates a server certificate's DNS names (at least one) and IP addresses. */
  public static void checkServerNames(List<String> dnsNames, List<String> ipAddresses)
      throws InvalidRequestException {
    if (dnsNames.isEmpty()) {
      throw new InvalidRequestException("a server certificate needs at least one --dns name");
    }
    for (String dns : dnsNames) {
      if (!DNS_NAME.matcher(dns).matches()) {
        throw new InvalidRequestException("invalid DNS name '" + dns
            + "': use lowercase letters, digits and '-' in dot-separated labels (no wildcards)");
      }
    }
    for (String ip : ipAddresses) {
      if (!IPAddress.isValid(ip)) {
        throw new InvalidRequestException("invalid IP address '" + ip + "'");
      }
    }
  }

  /** Checks a client name: it becomes a file name and a SPIFFE path segment. */
  public static void checkClientName(String name) throws InvalidRequestException {
    if (name == null || !CLIENT_NAME.matcher(name).matches()) {
      throw new InvalidRequestException("invalid client name '" + name
          + "': use letters, digits, '.', '_' or '-', starting with a letter or digit, at most "
          + MAX_NAME_LENGTH + " characters");
    }
  }

  private static List<String> validateRoles(List<String> roles) throws InvalidRequestException {
    try {
      List<String> valid = RoleNames.validate(roles);
      if (valid.isEmpty()) {
        throw new InvalidRequestException("a client certificate needs at least one --role");
      }
      return valid;
    } catch (IdentityFormatException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  /** Profile-specific extensions. */
  private interface Profile {
    void apply(X509v3CertificateBuilder builder);
  }

  private X509Certificate issue(CertificateKind kind, X500Name subject, PublicKey key,
      Duration lifetime, List<String> roles, Profile profile) throws CaException {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = now.plus(lifetime);
    if (notAfter.isAfter(issuerKey.certificate().getNotAfter().toInstant())) {
      throw new CaException("the CA certificate expires before " + notAfter
          + ": shorten --ttl or re-initialise the CA");
    }
    for (int attempt = 1; ; attempt++) {
      BigInteger serial = IssuerKey.newSerial();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerKey.subject(), serial,
          Date.from(notBefore), Date.from(notAfter), subject, key);
      add(builder, Extension.basicConstraints, true, new BasicConstraints(false));
      add(builder, Extension.subjectKeyIdentifier, false, IssuerKey.subjectKeyIdentifier(key));
      add(builder, Extension.authorityKeyIdentifier, false, issuerKey.authorityKeyIdentifier());
      if (kind != CertificateKind.OCSP_SIGNING) {
        addRevocationPointers(builder);
      }
      profile.apply(builder);
      X509Certificate certificate = issuerKey.sign(builder);
      try {
        ca.ensureAuthorized(issuerKey);
        ca.store().insert(new CertificateRecord(serial, kind,
            certificate.getSubjectX500Principal().getName(), roles, notBefore, notAfter, now,
            certificate.getEncoded(), null, null));
        return certificate;
      } catch (DuplicateSerialException e) {
        if (attempt == SERIAL_ATTEMPTS) {
          throw e;
        }
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private void addRevocationPointers(X509v3CertificateBuilder builder) {
    CaConfig config = ca.config();
    if (config.ocspUrl() != null) {
      add(builder, Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
          new AccessDescription(AccessDescription.id_ad_ocsp,
              new GeneralName(GeneralName.uniformResourceIdentifier, config.ocspUrl()))));
    }
    if (config.crlUrl() != null) {
      GeneralNames where = new GeneralNames(
          new GeneralName(GeneralName.uniformResourceIdentifier, config.crlUrl()));
      add(builder, Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
          new DistributionPoint(new DistributionPointName(where), null, null)}));
    }
  }

  private static void add(X509v3CertificateBuilder builder, ASN1ObjectIdentifier oid,
      boolean critical, ASN1Encodable value) {
    CaInitializer.addExtension(builder, oid, critical, value);
  }
}
