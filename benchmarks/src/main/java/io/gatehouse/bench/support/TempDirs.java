package io.gatehouse.bench.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories for benchmark state (CA files, key files), removed again after use. */
public final class TempDirs {
  private TempDirs() {}

  /** A new, empty directory under the system temp directory. */
  public static Path create(String prefix) {
    try {
      return Files.createTempDirectory("gatehouse-bench-" + prefix + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code dir} and everything below it; best effort. */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Leftovers in the temp directory are harmless.
    }
  }
}
