package io.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The product's main code (every library module and the app) creates one BouncyCastle provider:
 * {@link BouncyCastle#PROVIDER}. Benchmarks are left out: they compare providers on purpose.
 */
class OneBouncyCastleProviderTest {
  private static final Path ROOT = Path.of("..");
  private static final List<String> MODULES = List.of("pki", "ca", "transport", "server-example", "app");

  @Test
  void onlyTheHolderCreatesABouncyCastleProvider() throws IOException {
    List<String> creators = new java.util.ArrayList<>();
    int scanned = 0;
    for (String module : MODULES) {
      Path main = ROOT.resolve(module).resolve("src/main/java");
      if (!Files.isDirectory(main)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(main)) {
        List<Path> sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        scanned += sources.size();
        sources.stream()
            .filter(p -> read(p).contains("new BouncyCastleProvider("))
            .map(p -> module + "/" + main.relativize(p).toString().replace('\\', '/'))
            .forEach(creators::add);
      }
    }
    assertThat(scanned).as("main sources found").isGreaterThan(100);
    assertThat(creators).containsExactly("pki/io/gatehouse/pki/BouncyCastle.java");
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
