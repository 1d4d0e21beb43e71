package io.gatehouse.pki.pem;

import io.gatehouse.pki.BouncyCastle;
import io.gatehouse.pki.PkiException;
import io.gatehouse.pki.files.SecureFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.jcajce.JcePKCSPBEOutputEncryptorBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * PEM encoding of certificates and keys. CA keys are encrypted PKCS#8: PBES2 with AES-256-CBC and
 * PBKDF2-HMAC-SHA256 at {@value #PBKDF2_ITERATIONS} iterations (OWASP's 2023 figure), readable by
 * {@code openssl pkey} and every PKCS#8 implementation. Leaf keys are plain PKCS#8 (TLS stacks
 * need them unlocked) and protected by mode 0600.
 */
public final class PemFiles {
  /** PBKDF2 iterations for CA keys; costs a fraction of a second per unlock, by design. */
  public static final int PBKDF2_ITERATIONS = 600_000;

  private PemFiles() {}

  /** PEM text of certificates, keys or CRLs, in order. */
  public static byte[] encode(Object... objects) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new IllegalStateException("PEM encoding failed", e);
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** PEM of a DER object under {@code type} (e.g. {@code X509 CRL}). */
  public static byte[] encode(String type, byte[] der) {
    return encode(new PemObject(type, der));
  }

  /** Writes {@code key} encrypted under {@code passphrase}, mode 0600, atomically. */
  public static void writeEncryptedKey(Path file, PrivateKey key, char[] passphrase)
      throws PkiException {
    try {
      OutputEncryptor encryptor =
          new JcePKCSPBEOutputEncryptorBuilder(NISTObjectIdentifiers.id_aes256_CBC)
              .setPRF(new AlgorithmIdentifier(PKCSObjectIdentifiers.id_hmacWithSHA256, DERNull.INSTANCE))
              .setIterationCount(PBKDF2_ITERATIONS)
              .setRandom(BouncyCastle.random())
              .setProvider(BouncyCastle.PROVIDER)
              .build(passphrase);
      SecureFiles.writeSecret(file, encode(new JcaPKCS8Generator(key, encryptor).generate()));
    } catch (OperatorCreationException | IOException e) {
      throw new PkiException("cannot encrypt key for " + file, e);
    }
  }

  /** Writes an unencrypted PKCS#8 key, mode 0600, atomically. */
  public static void writeKey(Path file, PrivateKey key) throws PkiException {
    try {
      SecureFiles.writeSecret(file, encode(new JcaPKCS8Generator(key, null).generate()));
    } catch (IOException e) {
      throw new PkiException("cannot encode key for " + file, e);
    }
  }

  /**
   * Reads an encrypted PKCS#8 key.
   *
   * @throws PkiException saying the passphrase is wrong when decryption fails
   */
  public static PrivateKey readEncryptedKey(Path file, char[] passphrase) throws PkiException {
    Object parsed = readObject(file);
    if (!(parsed instanceof PKCS8EncryptedPrivateKeyInfo encrypted)) {
      throw new PkiException(file + " is not an encrypted PKCS#8 key");
    }
    PrivateKeyInfo info;
    try {
      info = encrypted.decryptPrivateKeyInfo(
          new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BouncyCastle.PROVIDER).build(passphrase));
    } catch (Exception e) {
      // Wrong passphrase shows up as bad padding or garbage DER; never echo details.
      throw new PkiException("wrong CA passphrase for " + file
          + " (check GATEHOUSE_CA_PASSPHRASE)");
    }
    return toKey(file, info);
  }

  /** Reads an unencrypted PKCS#8 (or traditional) private key. */
  public static PrivateKey readKey(Path file) throws PkiException {
    Object parsed = readObject(file);
    if (parsed instanceof PrivateKeyInfo info) {
      return toKey(file, info);
    }
    if (parsed instanceof org.bouncycastle.openssl.PEMKeyPair pair) {
      return toKey(file, pair.getPrivateKeyInfo());
    }
    throw new PkiException(file + " holds no unencrypted private key");
  }

  /** All certificates in a PEM file, in file order. */
  public static List<X509Certificate> readCertificates(Path file) throws PkiException {
    try (var in = Files.newInputStream(file)) {
      List<X509Certificate> certificates = new ArrayList<>();
      for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) certificate);
      }
      if (certificates.isEmpty()) {
        throw new PkiException(file + " holds no certificate");
      }
      return certificates;
    } catch (NoSuchFileException e) {
      throw new PkiException(file + " does not exist");
    } catch (IOException | GeneralSecurityException e) {
      throw new PkiException(file + " is not a readable PEM certificate: " + SecureFiles.reason(e), e);
    }
  }

  /** The first certificate of a PEM file. */
  public static X509Certificate readCertificate(Path file) throws PkiException {
    return readCertificates(file).get(0);
  }

  /** The first PEM object of {@code file}. */
  public static Object readObject(Path file) throws PkiException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      Object object = parser.readObject();
      if (object == null) {
        throw new PkiException(file + " holds no PEM object");
      }
      return object;
    } catch (NoSuchFileException e) {
      throw new PkiException(file + " does not exist");
    } catch (IOException | RuntimeException e) {
      throw new PkiException(file + " is not valid PEM: " + SecureFiles.reason(e), e);
    }
  }

  private static PrivateKey toKey(Path file, PrivateKeyInfo info) throws PkiException {
    try {
      return new JcaPEMKeyConverter().setProvider(BouncyCastle.PROVIDER).getPrivateKey(info);
    } catch (IOException e) {
      throw new PkiException(file + " holds an unsupported private key", e);
    }
  }
}
