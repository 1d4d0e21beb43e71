package io.gatehouse.transport.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module boundary is the guard: transport depends on {@code pki} (identity codec, PEM), and on
 * {@code ca} only at test scope (the real CA, {@code ca serve}, token minting), so main code that
 * used the CA would not compile. This test catches the one way back in, someone re-adding {@code
 * gatehouse-ca} at compile scope and using it: no compiled main class may name a CA class.
 */
class NoCaInMainCodeTest {
  private static final Path CLASSES = Path.of("target/classes");

  @Test
  void noCompiledMainClassReferencesTheCa() throws IOException {
    List<Path> classes;
    try (Stream<Path> files = Files.walk(CLASSES)) {
      classes = files.filter(p -> p.toString().endsWith(".class")).toList();
    }
    assertThat(classes).as("transport main classes found").hasSizeGreaterThan(50);
    List<String> offending = classes.stream()
        .filter(p -> read(p).contains("io/gatehouse/ca/"))
        .map(p -> CLASSES.relativize(p).toString())
        .toList();
    assertThat(offending).isEmpty();
  }

  @Test
  void theCaIsNotOnTheMainClasspathOfTheModule() {
    // The identity codec now lives in pki; its old home in ca is gone.
    assertThat(Files.exists(Path.of("../ca/src/main/java/io/gatehouse/ca/identity"))).isFalse();
    assertThat(Files.exists(CLASSES.resolve("io/gatehouse/ca"))).isFalse();
  }

  private static String read(Path p) {
    try {
      // Class names sit in the constant pool as modified UTF-8; ASCII names read the same in Latin-1.
      return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
