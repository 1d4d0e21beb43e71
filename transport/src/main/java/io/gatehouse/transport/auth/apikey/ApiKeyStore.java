package io.gatehouse.transport.auth.apikey;

import io.gatehouse.pki.PkiException;
import io.gatehouse.pki.files.SecureFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The admin side of the API-key file ({@code certs/apikeys.json} by default; format in
 * docs/authentication.md): create, list and revoke keys, as {@code gatehouse apikey} does. The
 * request path reads the same file through {@link ReloadingApiKeys}.
 *
 * <p>Writes are atomic (a 0600 temporary file in the same directory, fsync, rename over the old
 * file) and serialized across processes by a lock file next to it, so the CLI can change keys
 * while a server reads them.
 */
public final class ApiKeyStore {
  /** The default location, relative to the working directory. */
  public static final String DEFAULT_PATH = "certs/apikeys.json";

  /** {@link #DEFAULT_PATH} as a path. */
  public static final Path DEFAULT_FILE = Path.of(DEFAULT_PATH);

  private static final ReentrantLock WRITE_LOCK = new ReentrantLock(); // FileLock is per JVM

  private final Path file;
  private final Clock clock;

  private ApiKeyStore(Path file, Clock clock) throws IOException {
    this.file = file;
    this.clock = clock;
    ApiKeyFile.read(file); // refuse an invalid file now, not at the first write
  }

  /**
   * Opens the key file at {@code file} (it need not exist yet).
   *
   * @throws IOException when the file exists but cannot be read or is not a valid key file
   */
  public static ApiKeyStore open(Path file) throws IOException {
    return open(file, Clock.systemUTC());
  }

  /** As {@link #open(Path)}, with the clock used for timestamps (tests). */
  public static ApiKeyStore open(Path file, Clock clock) throws IOException {
    return new ApiKeyStore(Objects.requireNonNull(file, "file"), clock);
  }

  /** The file this store reads and writes. */
  public Path file() {
    return file;
  }

  /** Every key (revoked ones too), oldest first, as currently on disk. */
  public List<ApiKeyRecord> list() throws IOException {
    return List.copyOf(ApiKeyFile.read(file).values());
  }

  /**
   * Creates a key for {@code name} with {@code roles} and stores its hash.
   *
   * @return the record and the key, which is not stored anywhere and cannot be shown again
   * @throws IllegalArgumentException for an invalid name or role
   */
  public CreatedKey create(String name, Collection<String> roles) throws IOException {
    return create(name, roles, null);
  }

  /**
   * Creates a key that authenticates as {@code spiffeId} (the principal of the certificate that
   * names it), or as its own id when {@code spiffeId} is null.
   *
   * @throws IllegalArgumentException for an invalid name, role or SPIFFE ID
   */
  public CreatedKey create(String name, Collection<String> roles, String spiffeId)
      throws IOException {
    if (spiffeId != null) {
      ApiKeyFile.spiffeIdProblem(spiffeId).ifPresent(p -> {
        throw new IllegalArgumentException(p);
      });
    }
    if (name == null || !ApiKeyFile.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid key name: use 1-64 letters, digits, '.', '_', '@' or '-', starting with a"
              + " letter or digit");
    }
    List<String> validRoles = ApiKeyFile.validRoles(roles);
    String key = ApiKeyFormat.generate();
    ApiKeyRecord record =
        new ApiKeyRecord(
            ApiKeyFormat.idOf(key),
            name,
            validRoles,
            clock.instant().truncatedTo(ChronoUnit.SECONDS),
            false,
            null,
            ApiKeyFormat.hex(ApiKeyFormat.sha256(key)),
            spiffeId);
    update(keys -> {
      if (keys.containsKey(record.id())) {
        throw new IllegalStateException("key id collision; run the command again");
      }
      keys.put(record.id(), record);
      return keys;
    });
    return new CreatedKey(record, key);
  }

  /**
   * Revokes key {@code id}; revoking a revoked key changes nothing.
   *
   * @return the key's record after revocation
   * @throws IllegalArgumentException when there is no key with that id
   */
  public ApiKeyRecord revoke(String id) throws IOException {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Map<String, ApiKeyRecord> after =
        update(keys -> {
          ApiKeyRecord current = keys.get(id);
          if (current == null) {
            throw new IllegalArgumentException("no API key with id '" + id + "' in " + file);
          }
          if (!current.revoked()) {
            keys.put(id, current.revokedAt(now));
          }
          return keys;
        });
    return after.get(id);
  }

  /** Read-modify-write under the cross-process lock; returns the keys written. */
  private Map<String, ApiKeyRecord> update(UnaryOperator<Map<String, ApiKeyRecord>> change)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    // Never create directories: a mistyped path would silently scatter key files (even at /).
    if (!Files.isDirectory(dir)) {
      throw new IOException("cannot write " + file + ": directory " + dir
          + " does not exist (create it first)");
    }
    Path lockFile = dir.resolve(file.getFileName() + ".lock");
    WRITE_LOCK.lock();
    try (FileChannel lockChannel = openPrivate(lockFile);
        FileLock ignored = lockChannel.lock()) {
      Map<String, ApiKeyRecord> keys = new LinkedHashMap<>(ApiKeyFile.read(file));
      keys = change.apply(keys);
      writeAtomically(dir, ApiKeyFile.serialize(keys.values()));
      return keys;
    } finally {
      WRITE_LOCK.unlock();
    }
  }

  /** Through the one atomic 0600 writer ({@link SecureFiles#writeSecret}): the key file holds hashes only, but who may log in is a secret too. */
  private void writeAtomically(Path dir, byte[] bytes) throws IOException {
    try {
      SecureFiles.writeSecret(file, bytes);
    } catch (PkiException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static FileChannel openPrivate(Path path) throws IOException {
    return FileChannel.open(
        path,
        java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
        privateFile());
  }

  /** Mode 0600 at creation on POSIX file systems. */
  private static FileAttribute<?>[] privateFile() {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
    };
  }
}
