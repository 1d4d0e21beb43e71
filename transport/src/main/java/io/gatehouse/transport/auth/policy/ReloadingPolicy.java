package io.gatehouse.transport.auth.policy;

import io.gatehouse.transport.watch.FileWatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current {@link Policy} from a file, reloaded when the file's content changes (the shared
 * {@link FileWatcher}: file-system events, a poll every second as fallback, content hash rather
 * than mtime, so edits within one second and atomic renames are both seen). A new file that does
 * not validate is refused: the previous policy stays in force and the reason is logged once per
 * version of the file. {@link #current()} is one volatile read.
 */
public final class ReloadingPolicy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReloadingPolicy.class);

  private final Path file;
  private final FileWatcher watcher;
  private volatile Policy current;
  private final List<Runnable> reloadListeners = new CopyOnWriteArrayList<>();

  private ReloadingPolicy(Path file, boolean background) throws PolicyException, IOException {
    this.file = file;
    // Watch first, then read: a change between the two is reloaded, never missed.
    this.watcher = background
        ? FileWatcher.start("policy", List.of(file), this::reload)
        : FileWatcher.manual("policy", List.of(file), this::reload);
    try {
      Policy initial = Policy.parse(file, Policy.read(file));
      synchronized (this) {
        if (current == null) {
          current = initial;
        }
      }
    } catch (PolicyException | IOException | RuntimeException e) {
      watcher.close();
      throw e;
    }
  }

  /**
   * Loads {@code file} and watches it. Fails if the initial file is missing or invalid: a server
   * must not start without a policy.
   */
  public static ReloadingPolicy watch(Path file) throws PolicyException, IOException {
    return new ReloadingPolicy(file, true);
  }

  /** Loads {@code file}; changes are picked up only by {@link #poll} (tests drive it). */
  static ReloadingPolicy manual(Path file) throws PolicyException, IOException {
    return new ReloadingPolicy(file, false);
  }

  /** The policy in force. */
  public Policy current() {
    return current;
  }

  /**
   * Runs {@code listener} on the watcher thread after each successful reload (e.g. to tell MCP
   * clients that their tool list changed). A listener that throws is logged and ignored.
   */
  public void onReload(Runnable listener) {
    reloadListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** One check of the file now, on the caller's thread (tests). */
  void poll() {
    watcher.checkNow();
  }

  /** Runs once per new version of the file, on the watcher's thread or {@link #poll}'s. */
  private synchronized void reload() {
    Policy next;
    try {
      next = Policy.parse(file, Policy.read(file));
    } catch (IOException e) {
      log.warn("policy file {} cannot be read, keeping the previous policy: {}", file, e.getMessage());
      return;
    } catch (PolicyException e) {
      log.warn("policy not reloaded, keeping the previous policy: {}", e.getMessage());
      return;
    } catch (RuntimeException e) {
      log.warn("policy not reloaded, keeping the previous policy: unexpected {}", e.toString());
      return;
    }
    current = next;
    log.info("policy reloaded from {}", file);
    for (Runnable listener : reloadListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("policy reload listener failed: {}", e.toString());
      }
    }
  }

  /** Stops watching; the last policy stays available. */
  @Override
  public void close() {
    watcher.close();
  }
}
