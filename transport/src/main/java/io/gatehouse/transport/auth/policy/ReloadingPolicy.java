package io.gatehouse.transport.auth.policy;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current {@link Policy} from a file, reloaded when the file's content changes (checked every
 * second on a daemon thread; content hash rather than mtime, so edits within one second and atomic
 * renames are both seen). A new file that does not validate is refused: the previous policy stays
 * in force and the reason is logged once. {@link #current()} is one volatile read.
 */
public final class ReloadingPolicy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReloadingPolicy.class);

  private final Path file;
  private final ScheduledExecutorService poller;
  private volatile Policy current;
  private final List<Runnable> reloadListeners = new CopyOnWriteArrayList<>();
  private byte[] lastHash; // of the content last tried, good or bad
  private boolean lastReadFailed;

  private ReloadingPolicy(Path file, Duration interval) throws PolicyException, IOException {
    this.file = file;
    byte[] content = Policy.read(file);
    this.current = Policy.parse(file, content);
    this.lastHash = sha256(content);
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatehouse-policy-reload");
              t.setDaemon(true);
              return t;
            });
    poller.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Loads {@code file} and watches it. Fails if the initial file is missing or invalid: a server
   * must not start without a policy.
   */
  public static ReloadingPolicy watch(Path file) throws PolicyException, IOException {
    return new ReloadingPolicy(file, Duration.ofSeconds(1));
  }

  static ReloadingPolicy watch(Path file, Duration interval) throws PolicyException, IOException {
    return new ReloadingPolicy(file, interval);
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

  /** One check of the file; runs on the poller thread (and directly in tests). */
  synchronized void poll() {
    byte[] content;
    try {
      content = Policy.read(file);
    } catch (IOException | PolicyException e) {
      if (!lastReadFailed) {
        log.warn("policy file {} cannot be read, keeping the previous policy: {}", file, e.getMessage());
        lastReadFailed = true;
      }
      return;
    }
    lastReadFailed = false;
    byte[] hash = sha256(content);
    if (Arrays.equals(hash, lastHash)) {
      return;
    }
    lastHash = hash;
    try {
      current = Policy.parse(file, content);
      log.info("policy reloaded from {}", file);
      for (Runnable listener : reloadListeners) {
        try {
          listener.run();
        } catch (RuntimeException e) {
          log.warn("policy reload listener failed: {}", e.toString());
        }
      }
    } catch (PolicyException e) {
      log.warn("policy not reloaded, keeping the previous policy: {}", e.getMessage());
    } catch (RuntimeException e) {
      log.warn("policy not reloaded, keeping the previous policy: unexpected {}", e.toString());
    }
  }

  private static byte[] sha256(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops watching; the last policy stays available. */
  @Override
  public void close() {
    poller.shutdownNow();
  }
}
