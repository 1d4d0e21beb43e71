package io.gatehouse.ca.authority;

import io.gatehouse.ca.CaException;
import io.gatehouse.pki.PkiException;
import java.nio.file.Path;

/**
 * The CA's view of {@link io.gatehouse.pki.files.SecureFiles} (the one atomic 0600/0644 writer):
 * the same calls, failing with the CA's own {@link CaException} and the same one-line message.
 */
public final class SecureFiles {
  private SecureFiles() {}

  /** See {@link io.gatehouse.pki.files.SecureFiles#writeSecret}. */
  public static void writeSecret(Path target, byte[] content) throws CaException {
    try {
      io.gatehouse.pki.files.SecureFiles.writeSecret(target, content);
    } catch (PkiException e) {
      throw asCa(e);
    }
  }

  /** See {@link io.gatehouse.pki.files.SecureFiles#writePublic}. */
  public static void writePublic(Path target, byte[] content) throws CaException {
    try {
      io.gatehouse.pki.files.SecureFiles.writePublic(target, content);
    } catch (PkiException e) {
      throw asCa(e);
    }
  }

  /** See {@link io.gatehouse.pki.files.SecureFiles#ensureDirectory}. */
  public static void ensureDirectory(Path dir) throws CaException {
    try {
      io.gatehouse.pki.files.SecureFiles.ensureDirectory(dir);
    } catch (PkiException e) {
      throw asCa(e);
    }
  }

  /** A one-line, secret-free reason for an I/O failure. */
  public static String reason(Exception e) {
    return io.gatehouse.pki.files.SecureFiles.reason(e);
  }

  /** The same one-line message as a {@link CaException}, the cause kept. */
  static CaException asCa(PkiException e) {
    return new CaException(e.getMessage(), e.getCause() == null ? e : e.getCause());
  }
}
