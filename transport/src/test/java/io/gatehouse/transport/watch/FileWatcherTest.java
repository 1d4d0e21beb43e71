package io.gatehouse.transport.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher behind TLS reloading: one call per settled change, however the file was written. */
class FileWatcherTest {
  /**
   * Long against the 40 ms gaps of the chunked write and the step from a write to {@code
   * checkNow}: a change is handed over after two quiet debounce periods, so at 150 ms a stall of
   * the test thread of 300 ms on a loaded machine split one write into two calls, or let the
   * thread hand a version over before {@code checkNow} did.
   */
  private static final Duration DEBOUNCE = Duration.ofMillis(500);
  /** Longer than a hand-over takes (two debounce periods) with room for a loaded machine. */
  private static final Duration HANDED_OVER_WITHIN = Duration.ofSeconds(10);
  /** Long enough for a second, wrong, call to happen if it were going to. */
  private static final long SETTLE_MILLIS = 3 * DEBOUNCE.toMillis();

  @TempDir Path dir;

  @Test
  void renameReplaceAndChunkedInPlaceWritesEachGiveOneCall() throws Exception {
    Path file = Files.writeString(dir.resolve("server.crt"), "one");
    Files.writeString(dir.resolve("unrelated.log"), "x");
    AtomicInteger calls = new AtomicInteger();
    try (FileWatcher watcher = FileWatcher.start("test", List.of(file), DEBOUNCE,
        Duration.ofSeconds(30), calls::incrementAndGet)) {
      // Busy neighbours in the same directory are not changes of the file.
      for (int i = 0; i < 5; i++) {
        Files.writeString(dir.resolve("unrelated.log"), "x" + i, StandardOpenOption.APPEND);
        Thread.sleep(50);
      }
      Thread.sleep(SETTLE_MILLIS);
      assertThat(calls.get()).isZero();

      Path tmp = Files.writeString(dir.resolve("server.crt.tmp"), "two");
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      assertThat(eventually(HANDED_OVER_WITHIN, () -> calls.get() == 1)).isTrue();

      Files.writeString(file, "three, part 1");
      for (int i = 2; i <= 4; i++) {
        Thread.sleep(40);
        Files.writeString(file, ", part " + i, StandardOpenOption.APPEND);
      }
      assertThat(eventually(HANDED_OVER_WITHIN, () -> calls.get() == 2)).isTrue();
      Thread.sleep(SETTLE_MILLIS);
      assertThat(calls.get()).as("one call per settled change").isEqualTo(2);
    }
  }

  @Test
  void aSymlinkSwappedElsewhereIsFoundByThePoll() throws Exception {
    // The Kubernetes secret-volume layout: file -> ..data/file, ..data -> a versioned directory,
    // swapped by renaming a new ..data link; no event names the watched file.
    Path v1 = Files.createDirectories(dir.resolve("..v1"));
    Path v2 = Files.createDirectories(dir.resolve("..v2"));
    Files.writeString(v1.resolve("tls.crt"), "one");
    Files.writeString(v2.resolve("tls.crt"), "two");
    Path data = Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Path file = Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
    AtomicInteger calls = new AtomicInteger();
    try (FileWatcher watcher = FileWatcher.start("test", List.of(file), DEBOUNCE,
        Duration.ofMillis(300), calls::incrementAndGet)) {
      Path next = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
      Files.move(next, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      assertThat(eventually(HANDED_OVER_WITHIN, () -> calls.get() == 1)).isTrue();
      assertThat(Files.readString(file)).isEqualTo("two");
      Thread.sleep(SETTLE_MILLIS);
      assertThat(calls.get()).isEqualTo(1);
    }
  }

  @Test
  void checkNowAndTheWatcherThreadHandOverEachVersionOnce() throws Exception {
    Path file = Files.writeString(dir.resolve("apikeys.json"), "one");
    AtomicInteger calls = new AtomicInteger();
    try (FileWatcher watcher = FileWatcher.start("test", List.of(file), DEBOUNCE,
        Duration.ofMillis(300), calls::incrementAndGet)) {
      assertThat(watcher.checkNow()).as("unchanged since start").isFalse();
      Files.writeString(file, "two");
      assertThat(watcher.checkNow()).isTrue();
      assertThat(calls.get()).isEqualTo(1);
      Thread.sleep(SETTLE_MILLIS); // the thread saw the event and polled: nothing new to hand over
      assertThat(calls.get()).isEqualTo(1);
      assertThat(watcher.checkNow()).isFalse();
    }
  }

  @Test
  void aManualWatcherChangesOnlyWhenAsked() throws Exception {
    Path file = Files.writeString(dir.resolve("policy.yaml"), "one");
    AtomicInteger calls = new AtomicInteger();
    try (FileWatcher watcher = FileWatcher.manual("test", List.of(file), calls::incrementAndGet)) {
      Files.writeString(file, "two");
      Thread.sleep(3 * FileWatcher.DEBOUNCE.toMillis());
      assertThat(calls.get()).isZero();
      assertThat(watcher.checkNow()).isTrue();
      assertThat(calls.get()).isEqualTo(1);
    }
  }

  static boolean eventually(Duration within, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}
