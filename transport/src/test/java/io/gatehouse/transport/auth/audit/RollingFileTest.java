package io.gatehouse.transport.auth.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log's file on its own: 0600 from creation, whole lines, size-based roll, N backups. */
class RollingFileTest {
  @TempDir Path dir;

  @Test
  void createdOwnerOnlyWithItsDirectory() throws Exception {
    Path path = dir.resolve("sub/audit.log");
    try (RollingFile file = new RollingFile(path, 4096, 2)) {
      file.append("one");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
    assertThat(Files.readAllLines(path)).containsExactly("one");
  }

  @Test
  void rollsWholeLinesAndKeepsOnlyTheConfiguredBackups() throws Exception {
    Path path = dir.resolve("audit.log");
    String line = "x".repeat(99); // 100 bytes with the newline
    try (RollingFile file = new RollingFile(path, 250, 2)) {
      for (int i = 0; i < 10; i++) {
        file.append(i + line.substring(1));
      }
    }
    // 2 lines per file: 8,9 current; 6,7 in .1; 4,5 in .2; older ones gone.
    assertThat(first(path)).startsWith("8");
    assertThat(first(path.resolveSibling("audit.log.1"))).startsWith("6");
    assertThat(first(path.resolveSibling("audit.log.2"))).startsWith("4");
    assertThat(path.resolveSibling("audit.log.3")).doesNotExist();
    for (String name : List.of("audit.log", "audit.log.1", "audit.log.2")) {
      Path p = path.resolveSibling(name);
      assertThat(Files.readAllLines(p)).hasSize(2).allSatisfy(l -> assertThat(l).hasSize(99));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
    }
  }

  @Test
  void appendsToAnExistingFileAndCountsItsSize() throws Exception {
    Path path = dir.resolve("audit.log");
    try (RollingFile file = new RollingFile(path, 4096, 1)) {
      file.append("a".repeat(4000));
    }
    try (RollingFile file = new RollingFile(path, 4096, 1)) {
      file.append("b".repeat(200)); // would pass 4096 with the 4001 bytes already there: rolls
    }
    assertThat(Files.readAllLines(path)).containsExactly("b".repeat(200));
    assertThat(Files.readAllLines(path.resolveSibling("audit.log.1"))).containsExactly("a".repeat(4000));
  }

  private static String first(Path p) throws Exception {
    return Files.readAllLines(p).get(0);
  }
}
