package io.gatehouse.transport.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The transport's main code may use only the identity codec of the {@code ca} module ({@code
 * io.gatehouse.ca.identity}); tests may use all of it (the real CA, {@code ca serve}, token
 * minting).
 */
class CaDependencyTest {
  private static final Path MAIN = Path.of("src/main/java");
  private static final Pattern CA_REFERENCE =
      Pattern.compile("io\\.gatehouse\\.ca\\.(?!identity\\b)[A-Za-z_]");

  @Test
  void mainSourcesUseOnlyTheIdentityCodecOfCa() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.walk(MAIN)) {
      sources = files.filter(p -> p.toString().endsWith(".java")).toList();
    }
    assertThat(sources).as("transport main sources found").hasSizeGreaterThan(50);
    List<String> offending = sources.stream()
        .flatMap(p -> lines(p).filter(l -> CA_REFERENCE.matcher(l).find())
            .map(l -> MAIN.relativize(p) + ": " + l.trim()))
        .toList();
    assertThat(offending).isEmpty();
  }

  @Test
  void thePatternCatchesOtherCaPackages() {
    assertThat(CA_REFERENCE.matcher("import io.gatehouse.ca.ocsp.OcspResponder;").find()).isTrue();
    assertThat(CA_REFERENCE.matcher("import io.gatehouse.ca.CaException;").find()).isTrue();
    assertThat(CA_REFERENCE.matcher("import io.gatehouse.ca.identity.SpiffeId;").find()).isFalse();
    assertThat(CA_REFERENCE.matcher("import static io.gatehouse.ca.identity.RoleNames.validate;")
        .find()).isFalse();
  }

  private static Stream<String> lines(Path p) {
    try {
      return Files.readAllLines(p).stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
