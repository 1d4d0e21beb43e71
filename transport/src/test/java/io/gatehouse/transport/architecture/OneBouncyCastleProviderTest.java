package io.gatehouse.transport.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The transport's main code creates one BouncyCastle provider: {@code auth.BouncyCastle.PROVIDER}. */
class OneBouncyCastleProviderTest {
  private static final Path MAIN = Path.of("src/main/java");

  @Test
  void onlyTheHolderCreatesABouncyCastleProvider() throws IOException {
    List<String> creators;
    try (Stream<Path> files = Files.walk(MAIN)) {
      creators = files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> read(p).contains("new BouncyCastleProvider("))
          .map(p -> MAIN.relativize(p).toString().replace('\\', '/'))
          .toList();
    }
    assertThat(creators).containsExactly("io/gatehouse/transport/auth/BouncyCastle.java");
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
