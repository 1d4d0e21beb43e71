package io.gatehouse.ca.issue;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.authority.SecureFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.spec.PBEParameterSpec;

/**
 * The files of one issued leaf: {@code <name>.crt} (leaf then intermediates, PEM), {@code
 * <name>.key} (PKCS#8 PEM, 0600) and optionally {@code <name>.p12}. Written only after the store
 * committed the certificate, each atomically; the certificate file is written last.
 *
 * @param certificate the certificate file
 * @param key the private key file, or null when the holder keeps its key (CSR signing)
 * @param pkcs12 the PKCS#12 bundle, or null
 */
public record LeafFiles(Path certificate, Path key, Path pkcs12) {
  /** PBKDF2 iterations protecting the PKCS#12 key bag. */
  private static final int P12_ITERATIONS = 600_000;

  /** Files of client {@code name} under {@code layout}. */
  public static LeafFiles client(CaLayout layout, String name, boolean withKey, boolean p12) {
    Path dir = layout.clientsDir();
    return new LeafFiles(dir.resolve(name + ".crt"), withKey ? dir.resolve(name + ".key") : null,
        p12 ? dir.resolve(name + ".p12") : null);
  }

  /** Files of server {@code dnsName} under {@code layout}. */
  public static LeafFiles server(CaLayout layout, String dnsName) {
    Path dir = layout.serversDir();
    return new LeafFiles(dir.resolve(dnsName + ".crt"), dir.resolve(dnsName + ".key"), null);
  }

  /**
   * Checks, before anything is signed, that the files can be written: the directory is writable
   * and no file would be replaced unless {@code replace}.
   */
  public void preflight(boolean replace) throws CaException {
    SecureFiles.ensureDirectory(certificate.toAbsolutePath().getParent());
    if (!replace) {
      for (Path file : all()) {
        if (Files.exists(file)) {
          throw new CaException(file + " already exists: revoke the old certificate and use --force to replace it");
        }
      }
    }
  }

  /** Writes the files; call only after the store has committed {@code leaf}. */
  public void write(X509Certificate leaf, List<X509Certificate> intermediates, PrivateKey privateKey,
      char[] p12Password) throws CaException {
    List<Object> chain = new ArrayList<>();
    chain.add(leaf);
    chain.addAll(intermediates);
    if (key != null) {
      PemFiles.writeKey(key, privateKey);
    }
    if (pkcs12 != null) {
      SecureFiles.writeSecret(pkcs12, pkcs12(leaf, intermediates, privateKey, p12Password));
    }
    SecureFiles.writePublic(certificate, PemFiles.encode(chain.toArray()));
  }

  private List<Path> all() {
    List<Path> files = new ArrayList<>();
    files.add(certificate);
    if (key != null) {
      files.add(key);
    }
    if (pkcs12 != null) {
      files.add(pkcs12);
    }
    return files;
  }

  /** A PKCS#12 with PBES2/AES-256 key protection, loadable by curl, Java and Node. */
  private byte[] pkcs12(X509Certificate leaf, List<X509Certificate> intermediates,
      PrivateKey privateKey, char[] password) throws CaException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      List<Certificate> chain = new ArrayList<>();
      chain.add(leaf);
      chain.addAll(intermediates);
      byte[] salt = new byte[16];
      Crypto.random().nextBytes(salt);
      String fileName = pkcs12.getFileName().toString();
      store.setEntry(fileName.substring(0, fileName.length() - ".p12".length()),
          new KeyStore.PrivateKeyEntry(privateKey, chain.toArray(Certificate[]::new)),
          new KeyStore.PasswordProtection(password, "PBEWithHmacSHA256AndAES_256",
              new PBEParameterSpec(salt, P12_ITERATIONS)));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, password);
      return out.toByteArray();
    } catch (GeneralSecurityException | IOException e) {
      throw new CaException("cannot build the PKCS#12 bundle: " + SecureFiles.reason(e), e);
    }
  }
}
