package io.gatehouse.transport.watch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back when any of a few small files changes. A {@link WatchService} on their parent
 * directories gives prompt notice; a poll of each file's size, modification time and content hash
 * is the fallback (file systems without inotify, a symlink swapped elsewhere as Kubernetes secret
 * volumes do, missed events). Changes are debounced: the callback runs once the files have looked
 * the same for one debounce period and differ from what was last handed over, so a rename-replace,
 * an in-place write in several chunks, or a key-then-certificate pair of writes gives one call,
 * and an unchanged file never gives a second one. One daemon thread per watcher; the callback runs
 * on it, never on an event loop. {@link #checkNow} runs the same comparison on the caller's
 * thread; the two never hand the same version over twice.
 *
 * <p>Serves the TLS material ({@code ReloadingSslContext}), the policy ({@code ReloadingPolicy})
 * and the API-key file ({@code ReloadingApiKeys}).
 */
public final class FileWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);
  /** How long watched files must stay unchanged before a change is handed over. */
  public static final Duration DEBOUNCE = Duration.ofMillis(200);
  /** How often files are also polled, for changes no file-system event reports. */
  public static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

  private final List<Path> files;
  private final Set<String> watchedNames = new LinkedHashSet<>();
  private final Duration debounce;
  private final Duration pollInterval;
  private final Runnable onChange;
  private final WatchService watchService; // null: polling only
  private final Thread thread; // null: driven by checkNow() only
  private volatile boolean closed;
  private List<String> handled; // fingerprints last handed to onChange (or seen at start); guarded by this

  private FileWatcher(String name, List<Path> files, Duration debounce, Duration pollInterval,
      Runnable onChange, boolean background) {
    this.files = files.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.debounce = debounce;
    this.pollInterval = pollInterval;
    this.onChange = onChange;
    this.handled = fingerprints();
    if (background) {
      this.watchService = register();
      this.thread = new Thread(this::run, "gatehouse-watch-" + name);
      thread.setDaemon(true);
      thread.start();
    } else {
      this.watchService = null;
      this.thread = null;
    }
  }

  /** Watches {@code files} with the default {@link #DEBOUNCE} and {@link #POLL_INTERVAL}. */
  public static FileWatcher start(String name, List<Path> files, Runnable onChange) {
    return start(name, files, DEBOUNCE, POLL_INTERVAL, onChange);
  }

  /**
   * A watcher without a thread: {@code onChange} runs only from {@link #checkNow}, for tests
   * that decide when a change is seen.
   */
  public static FileWatcher manual(String name, List<Path> files, Runnable onChange) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("nothing to watch");
    }
    return new FileWatcher(name, List.copyOf(files), DEBOUNCE, POLL_INTERVAL, Objects.requireNonNull(onChange), false);
  }

  /**
   * Looks at the files now, on the caller's thread, and runs {@code onChange} (also on it) if they
   * differ from the version last handed over. No debounce: for callers that know a write is done.
   *
   * @return whether {@code onChange} ran
   */
  public boolean checkNow() {
    return handOver(fingerprints());
  }

  /** Runs onChange once per new version, whichever thread saw it first. */
  private synchronized boolean handOver(List<String> current) {
    if (closed || current.equals(handled)) {
      return false;
    }
    handled = current;
    fire();
    return true;
  }

  private synchronized boolean alreadyHandled(List<String> current) {
    return current.equals(handled);
  }

  /**
   * Watches {@code files}; their state now counts as seen, so {@code onChange} runs only after a
   * later change.
   *
   * @param name names the thread ({@code gatehouse-watch-<name>})
   * @param debounce how long the files must stay unchanged before {@code onChange} runs
   * @param pollInterval how often the fallback poll looks at the files
   */
  public static FileWatcher start(String name, List<Path> files, Duration debounce,
      Duration pollInterval, Runnable onChange) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("nothing to watch");
    }
    return new FileWatcher(name, List.copyOf(files), Objects.requireNonNull(debounce),
        Objects.requireNonNull(pollInterval), Objects.requireNonNull(onChange), true);
  }

  private WatchService register() {
    WatchService service = null;
    try {
      service = FileSystems.getDefault().newWatchService();
      Set<Path> dirs = new LinkedHashSet<>();
      for (Path file : files) {
        watchedNames.add(file.getFileName().toString());
        if (file.getParent() != null) {
          dirs.add(file.getParent());
        }
      }
      for (Path dir : dirs) {
        dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
      }
      return service;
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("no file-system events for {}, polling every {}: {}", files, pollInterval,
          e.toString());
      if (service != null) {
        try {
          service.close();
        } catch (IOException ignored) {
          // Polling works without it.
        }
      }
      return null;
    }
  }

  private void run() {
    long nextPoll = System.nanoTime() + pollInterval.toNanos();
    long quietSince = 0; // nanoTime of the last sign of change; meaningful while pending != null
    List<String> pending = null; // fingerprints of a change not yet handed over
    boolean eventSeen = false;
    while (!closed) {
      long now = System.nanoTime();
      long waitNanos = pending != null || eventSeen
          ? quietSince + debounce.toNanos() - now : nextPoll - now;
      try {
        if (pollEvents(Math.max(TimeUnit.NANOSECONDS.toMillis(waitNanos), 1))) {
          eventSeen = true;
          quietSince = System.nanoTime();
          continue;
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      now = System.nanoTime();
      if (eventSeen || pending != null) {
        if (now - quietSince < debounce.toNanos()) {
          continue;
        }
        // Quiet for a debounce period: look; hand over only what stayed the same for one more.
        eventSeen = false;
        List<String> current = fingerprints();
        if (alreadyHandled(current)) {
          pending = null;
        } else if (!current.equals(pending)) {
          pending = current;
          quietSince = now;
        } else {
          pending = null;
          handOver(current);
        }
      } else if (now >= nextPoll) {
        nextPoll = now + pollInterval.toNanos();
        List<String> current = fingerprints();
        if (!alreadyHandled(current)) {
          pending = current;
          quietSince = now;
        }
      }
    }
  }

  /** Waits up to {@code millis} for events about a watched name; true when there was one. */
  private boolean pollEvents(long millis) throws InterruptedException {
    if (watchService == null) {
      Thread.sleep(millis);
      return false;
    }
    boolean relevant = false;
    for (WatchKey key = watchService.poll(millis, TimeUnit.MILLISECONDS); key != null;
        key = watchService.poll()) {
      for (WatchEvent<?> event : key.pollEvents()) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW
            || (event.context() instanceof Path name
                && watchedNames.contains(name.toString()))) {
          relevant = true;
        }
      }
      key.reset();
    }
    return relevant;
  }

  private void fire() {
    try {
      onChange.run();
    } catch (RuntimeException e) {
      log.warn("handling a change of {} failed: {}", files, e.toString());
    }
  }

  /** Size, modification time and SHA-256 of each file (following symlinks), or "absent". */
  private List<String> fingerprints() {
    List<String> all = new ArrayList<>(files.size());
    for (Path file : files) {
      try {
        byte[] content = Files.readAllBytes(file);
        all.add(content.length + "/" + Files.getLastModifiedTime(file).toMillis() + "/"
            + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
      } catch (NoSuchFileException e) {
        all.add("absent");
      } catch (IOException e) {
        all.add("unreadable: " + e.getClass().getSimpleName());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return all;
  }

  /** Stops watching (idempotent). */
  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException e) {
        log.debug("closing the watch service: {}", e.toString());
      }
    }
  }
}
