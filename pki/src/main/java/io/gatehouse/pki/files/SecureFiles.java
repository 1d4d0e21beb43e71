package io.gatehouse.pki.files;

import io.gatehouse.pki.PkiException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * File writes that never leave a half-written file: content goes to a temporary file in the same
 * directory (created with its final permissions, so a secret is never readable by others, even
 * briefly), is forced to disk, then atomically moved into place.
 */
public final class SecureFiles {
  private static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwxr-xr-x");

  private SecureFiles() {}

  /**
   * Atomically replaces {@code target} with a secret {@code content} (private keys, passphrases,
   * PKCS#12 bundles, tokens): mode 0600 from creation, never readable by others in between.
   */
  public static void writeSecret(Path target, byte[] content) throws PkiException {
    writeAtomically(target, content, SECRET);
  }

  /** Atomically replaces {@code target} with public {@code content} (certificates, CRLs): 0644. */
  public static void writePublic(Path target, byte[] content) throws PkiException {
    writeAtomically(target, content, PUBLIC);
  }

  private static void writeAtomically(Path target, byte[] content,
      Set<PosixFilePermission> permissions) throws PkiException {
    Path dir = directoryOf(target);
    ensureDirectory(dir);
    Path temp = null;
    try {
      temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(permissions));
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
      syncDirectory(dir);
    } catch (IOException | UnsupportedOperationException e) {
      throw new PkiException("cannot write " + target + ": " + reason(e)
          + " (check that the directory exists and is writable)", e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort: the temp file holds nothing the target did not
        }
      }
    }
  }

  /** Makes the rename itself durable; not every platform can open a directory, hence best effort. */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // the file content is already on disk; only the directory entry's durability is at stake
    }
  }

  /** Creates {@code dir} (and parents) if missing and checks that files can be created in it. */
  public static void ensureDirectory(Path dir) throws PkiException {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new PkiException("cannot create directory " + dir + ": " + reason(e)
          + " (choose a writable --dir)", e);
    }
    if (!Files.isWritable(dir)) {
      throw new PkiException("directory " + dir + " is not writable (fix its permissions or choose another --dir)");
    }
  }

  /** A one-line, secret-free reason for an I/O failure. */
  public static String reason(Exception e) {
    if (e instanceof FileAlreadyExistsException f) {
      return "a file named " + f.getFile() + " is in the way";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message.replaceAll("[\\r\\n]+", " ");
  }

  private static Path directoryOf(Path target) {
    Path parent = target.toAbsolutePath().getParent();
    return parent == null ? Path.of(".") : parent;
  }
}
