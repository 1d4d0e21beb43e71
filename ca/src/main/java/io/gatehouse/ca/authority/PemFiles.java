package io.gatehouse.ca.authority;

import io.gatehouse.ca.CaException;
import io.gatehouse.pki.PkiException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The CA's view of {@link io.gatehouse.pki.pem.PemFiles} (PEM encoding of certificates and keys;
 * CA keys as encrypted PKCS#8): the same calls, failing with {@link CaException}.
 */
public final class PemFiles {
  private PemFiles() {}

  /** PEM text of certificates, keys or CRLs, in order. */
  public static byte[] encode(Object... objects) {
    return io.gatehouse.pki.pem.PemFiles.encode(objects);
  }

  /** PEM of a DER object under {@code type} (e.g. {@code X509 CRL}). */
  public static byte[] encode(String type, byte[] der) {
    return io.gatehouse.pki.pem.PemFiles.encode(type, der);
  }

  /** Writes {@code key} encrypted under {@code passphrase}, mode 0600, atomically. */
  public static void writeEncryptedKey(Path file, PrivateKey key, char[] passphrase)
      throws CaException {
    try {
      io.gatehouse.pki.pem.PemFiles.writeEncryptedKey(file, key, passphrase);
    } catch (PkiException e) {
      throw SecureFiles.asCa(e);
    }
  }

  /** Writes an unencrypted PKCS#8 key, mode 0600, atomically. */
  public static void writeKey(Path file, PrivateKey key) throws CaException {
    try {
      io.gatehouse.pki.pem.PemFiles.writeKey(file, key);
    } catch (PkiException e) {
      throw SecureFiles.asCa(e);
    }
  }

  /** Reads an encrypted PKCS#8 key; a wrong passphrase is said as such. */
  public static PrivateKey readEncryptedKey(Path file, char[] passphrase) throws CaException {
    try {
      return io.gatehouse.pki.pem.PemFiles.readEncryptedKey(file, passphrase);
    } catch (PkiException e) {
      throw SecureFiles.asCa(e);
    }
  }

  /** Reads an unencrypted PKCS#8 (or traditional) private key. */
  public static PrivateKey readKey(Path file) throws CaException {
    try {
      return io.gatehouse.pki.pem.PemFiles.readKey(file);
    } catch (PkiException e) {
      throw SecureFiles.asCa(e);
    }
  }

  /** All certificates in a PEM file, in file order. */
  public static List<X509Certificate> readCertificates(Path file) throws CaException {
    try {
      return io.gatehouse.pki.pem.PemFiles.readCertificates(file);
    } catch (PkiException e) {
      throw SecureFiles.asCa(e);
    }
  }

  /** The first certificate of a PEM file. */
  public static X509Certificate readCertificate(Path file) throws CaException {
    return readCertificates(file).get(0);
  }

  /** The first PEM object of {@code file}. */
  public static Object readObject(Path file) throws CaException {
    try {
      return io.gatehouse.pki.pem.PemFiles.readObject(file);
    } catch (PkiException e) {
      throw SecureFiles.asCa(e);
    }
  }
}
