package io.gatehouse.cli.connect;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.PemFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The bridge's client TLS: the certificate and key it presents, and the CA bundle it trusts. */
final class BridgeTls {
  /** Permissions that make a key file readable or writable by someone other than its owner. */
  private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private BridgeTls() {}

  /** Refuses a key file that anyone but its owner may read or write (it must be 0600 or 0400). */
  static void requireOwnerOnly(Path key) throws CaException {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(key);
    } catch (UnsupportedOperationException e) {
      return;   // not a POSIX file system: nothing to check
    } catch (IOException e) {
      throw new CaException("cannot read the key file " + key + ": " + e.getMessage());
    }
    Set<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
    loose.addAll(permissions);
    loose.retainAll(NOT_OWNER);
    if (!loose.isEmpty()) {
      throw new CaException("refusing to start: the key file " + key + " is accessible to others (mode "
          + mode(permissions) + "); it must be 0600: run chmod 600 " + key);
    }
  }

  static String mode(Set<PosixFilePermission> permissions) {
    int bits = 0;
    for (PosixFilePermission p : permissions) {
      bits |= 1 << (8 - p.ordinal());
    }
    return String.format("%04o", bits);
  }

  /**
   * A context presenting {@code certificate} (with its chain) and {@code key}, trusting the
   * certificates in {@code trustBundle}, or the JDK's default trust store when it is null.
   */
  static SSLContext context(Path certificate, Path key, Path trustBundle) throws CaException {
    try {
      List<X509Certificate> chain = PemFiles.readCertificates(certificate);
      PrivateKey privateKey = PemFiles.readKey(key);
      if (chain.isEmpty() || !IssuerKey.belongTogether(privateKey, chain.get(0).getPublicKey())) {
        throw new CaException("the key file " + key + " does not belong to the certificate " + certificate);
      }
      KeyStore identity = emptyStore();
      char[] none = new char[0];
      identity.setKeyEntry("client", privateKey, none, chain.toArray(X509Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(identity, none);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (trustBundle == null) {
        tmf.init((KeyStore) null);
      } else {
        KeyStore trust = emptyStore();
        List<X509Certificate> anchors = PemFiles.readCertificates(trustBundle);
        if (anchors.isEmpty()) {
          throw new CaException("no certificate in the CA bundle " + trustBundle);
        }
        for (int i = 0; i < anchors.size(); i++) {
          trust.setCertificateEntry("ca-" + i, anchors.get(i));
        }
        tmf.init(trust);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new CaException("cannot build the TLS context: " + e.getMessage());
    }
  }

  private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }
}
