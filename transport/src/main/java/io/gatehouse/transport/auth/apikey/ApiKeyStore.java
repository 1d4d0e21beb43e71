package io.gatehouse.transport.auth.apikey;

import io.gatehouse.pki.PkiException;
import io.gatehouse.pki.files.SecureFiles;

import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.pki.identity.SpiffeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API-key file ({@code certs/apikeys.json} by default; format in docs/authentication.md):
 * create, list and revoke keys, and look them up for {@link ApiKeyAuthenticator}.
 *
 * <p>Writes are atomic (a 0600 temporary file in the same directory, fsync, rename over the old
 * file) and serialized across processes by a lock file next to it, so the CLI can change keys
 * while a server reads them. Lookups poll the file's identity (inode, size, mtime) at most once
 * per second and reload it when it changed; a file that does not parse keeps the previous keys
 * and logs why. A missing file means no keys.
 */
public final class ApiKeyStore {
  /** The default location, relative to the working directory. */
  public static final String DEFAULT_PATH = "certs/apikeys.json";

  /** {@link #DEFAULT_PATH} as a path. */
  public static final Path DEFAULT_FILE = Path.of(DEFAULT_PATH);

  private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);
  private static final int VERSION = 1;
  private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final ReentrantLock WRITE_LOCK = new ReentrantLock(); // FileLock is per JVM
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** The file as stored. */
  record KeyFile(int version, List<ApiKeyRecord> keys) {}

  /** The keys in force and the file identity they were read from. */
  private record Snapshot(Map<String, ApiKeyRecord> byId, Object stamp) {}

  private final Path file;
  private final Clock clock;
  private final ReentrantLock reloadLock = new ReentrantLock();
  private volatile Snapshot snapshot;
  private volatile Instant lastPoll;

  private ApiKeyStore(Path file, Clock clock) throws IOException {
    this.file = file;
    this.clock = clock;
    this.lastPoll = clock.instant();
    this.snapshot = read();
  }

  /**
   * Opens the key file at {@code file} (it need not exist yet).
   *
   * @throws IOException when the file exists but cannot be read or is not a valid key file
   */
  public static ApiKeyStore open(Path file) throws IOException {
    return open(file, Clock.systemUTC());
  }

  /** As {@link #open(Path)}, with the clock used for timestamps and the reload poll (tests). */
  public static ApiKeyStore open(Path file, Clock clock) throws IOException {
    return new ApiKeyStore(Objects.requireNonNull(file, "file"), clock);
  }

  /** The file this store reads and writes. */
  public Path file() {
    return file;
  }

  /** Every key (revoked ones too), oldest first, as currently on disk. */
  public List<ApiKeyRecord> list() throws IOException {
    snapshot = read();
    return List.copyOf(snapshot.byId().values());
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
      spiffeIdProblem(spiffeId).ifPresent(p -> {
        throw new IllegalArgumentException(p);
      });
    }
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid key name: use 1-64 letters, digits, '.', '_', '@' or '-', starting with a"
              + " letter or digit");
    }
    List<String> validRoles = validRoles(roles);
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

  /** The record for {@code id}, or null; reloads the file first if it changed (≤ once a second). */
  ApiKeyRecord find(String id) {
    pollForChanges();
    return snapshot.byId().get(id);
  }

  private void pollForChanges() {
    Instant now = clock.instant();
    if (now.isBefore(lastPoll.plus(POLL_INTERVAL)) || !reloadLock.tryLock()) {
      return;
    }
    try {
      lastPoll = now;
      Object stamp = stamp();
      if (Objects.equals(stamp, snapshot.stamp())) {
        return;
      }
      try {
        snapshot = read();
        log.info("reloaded {} API keys from {}", snapshot.byId().size(), file);
      } catch (IOException | RuntimeException e) {
        log.warn("keeping the previous API keys: {}", e.getMessage());
        snapshot = new Snapshot(snapshot.byId(), stamp); // do not re-read until it changes again
      }
    } finally {
      reloadLock.unlock();
    }
  }

  /** Identity of the file's current version: atomic replacement changes the inode. */
  private Object stamp() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime());
    } catch (IOException e) {
      return null;
    }
  }

  private Snapshot read() throws IOException {
    Object stamp = stamp();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new Snapshot(Map.of(), null);
    }
    return new Snapshot(parse(bytes), stamp);
  }

  private Map<String, ApiKeyRecord> parse(byte[] bytes) throws IOException {
    KeyFile parsed;
    try {
      parsed = JSON.readValue(bytes, KeyFile.class);
    } catch (JacksonException e) {
      throw new IOException(file + " is not a valid API-key file: " + e.getOriginalMessage());
    }
    if (parsed == null || parsed.version() != VERSION || parsed.keys() == null) {
      throw new IOException(file + ": expected {\"version\": 1, \"keys\": [...]}");
    }
    Map<String, ApiKeyRecord> byId = new LinkedHashMap<>();
    for (ApiKeyRecord r : parsed.keys()) {
      String problem = problem(r);
      if (problem != null) {
        throw new IOException(file + ": " + problem);
      }
      if (byId.put(r.id(), r) != null) {
        throw new IOException(file + ": key id " + r.id() + " appears twice");
      }
    }
    return byId;
  }

  private static String problem(ApiKeyRecord r) {
    if (r == null || r.id() == null || !ApiKeyFormat.ID.matcher(r.id()).matches()) {
      return "a key has a missing or malformed id (16 lowercase hex characters)";
    }
    if (r.name() == null || !NAME.matcher(r.name()).matches()) {
      return "key " + r.id() + " has a missing or malformed name";
    }
    if (r.sha256() == null || !SHA256_HEX.matcher(r.sha256()).matches()) {
      return "key " + r.id() + " has a malformed sha256 (64 lowercase hex characters)";
    }
    if (r.created() == null) {
      return "key " + r.id() + " has no created time";
    }
    try {
      validRoles(r.roles());
    } catch (IllegalArgumentException e) {
      return "key " + r.id() + ": " + e.getMessage();
    }
    if (r.spiffeId() != null) {
      return spiffeIdProblem(r.spiffeId()).map(p -> "key " + r.id() + ": " + p).orElse(null);
    }
    return null;
  }

  /** Why {@code spiffeId} cannot name a key's principal, if it cannot (canonical form only). */
  static java.util.Optional<String> spiffeIdProblem(String spiffeId) {
    try {
      if (!SpiffeId.parse(spiffeId).toUri().equals(spiffeId)) {
        return java.util.Optional.of("SPIFFE ID " + spiffeId + " is not in canonical form");
      }
      return java.util.Optional.empty();
    } catch (IdentityFormatException e) {
      return java.util.Optional.of("invalid SPIFFE ID: " + e.getMessage());
    }
  }

  private static List<String> validRoles(Collection<String> roles) {
    if (roles == null || roles.isEmpty()) {
      throw new IllegalArgumentException("at least one role is required");
    }
    try {
      return RoleNames.validate(roles);
    } catch (IdentityFormatException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
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
      Map<String, ApiKeyRecord> keys = new LinkedHashMap<>(read().byId());
      keys = change.apply(keys);
      byte[] bytes = JSON.writeValueAsBytes(new KeyFile(VERSION, new ArrayList<>(keys.values())));
      writeAtomically(dir, bytes);
      snapshot = read();
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
