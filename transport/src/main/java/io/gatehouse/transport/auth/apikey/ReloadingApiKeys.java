package io.gatehouse.transport.auth.apikey;

import io.gatehouse.transport.watch.FileWatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys in force on the request path, read from the key file and reloaded when it changes
 * (the shared {@link FileWatcher}, as for the policy): an {@code apikey create} or {@code revoke}
 * by another process takes effect within about a second. A file that does not parse keeps the
 * previous keys and logs why; a missing file means no keys. {@link #find} is a map lookup.
 */
public final class ReloadingApiKeys implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReloadingApiKeys.class);

  private final Path file;
  private final FileWatcher watcher;
  private volatile Map<String, ApiKeyRecord> byId;

  private ReloadingApiKeys(Path file, boolean background) throws IOException {
    this.file = file;
    // Watch first, then read: a change between the two is reloaded, never missed.
    this.watcher = background
        ? FileWatcher.start("apikeys", List.of(file), this::reload)
        : FileWatcher.manual("apikeys", List.of(file), this::reload);
    try {
      Map<String, ApiKeyRecord> initial = ApiKeyFile.read(file);
      synchronized (this) {
        if (byId == null) {
          byId = initial;
        }
      }
    } catch (IOException | RuntimeException e) {
      watcher.close();
      throw e;
    }
  }

  /**
   * Reads the key file at {@code file} (it need not exist yet) and watches it.
   *
   * @throws IOException when the file exists but cannot be read or is not a valid key file
   */
  public static ReloadingApiKeys watch(Path file) throws IOException {
    return new ReloadingApiKeys(Objects.requireNonNull(file, "file"), true);
  }

  /** Reads {@code file}; changes are picked up only by {@link #refresh} (tests drive it). */
  static ReloadingApiKeys manual(Path file) throws IOException {
    return new ReloadingApiKeys(Objects.requireNonNull(file, "file"), false);
  }

  /** The record for {@code id}, or null. */
  ApiKeyRecord find(String id) {
    return byId.get(id);
  }

  /** Looks at the file now and reloads it if it changed (what the watcher does by itself). */
  void refresh() {
    watcher.checkNow();
  }

  private synchronized void reload() {
    try {
      byId = ApiKeyFile.read(file);
      log.info("reloaded {} API keys from {}", byId.size(), file);
    } catch (IOException | RuntimeException e) {
      log.warn("keeping the previous API keys: {}", e.getMessage());
    }
  }

  /** Stops watching; the last keys stay available. */
  @Override
  public void close() {
    watcher.close();
  }
}
