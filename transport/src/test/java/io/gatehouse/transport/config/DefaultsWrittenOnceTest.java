package io.gatehouse.transport.config;

import io.gatehouse.transport.setting.Setting;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Each default and bound is written once: as a {@link Setting} next to the component that owns
 * it. The config records and the components' builders both read that constant; this test finds
 * every {@code Setting} in the transport's sources and fails when its default is written again.
 */
class DefaultsWrittenOnceTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern DECLARATION = Pattern.compile(
      "public static final Setting<[^>]+> (\\w+)\\s*=\\s*Setting\\.\\w+\\((.*?)\\);", Pattern.DOTALL);

  record Declared(String owner, String constant, Setting<?> setting) {}

  static List<Declared> declared() throws Exception {
    List<Declared> all = new ArrayList<>();
    for (Path file : javaFiles()) {
      String source = Files.readString(file);
      Matcher m = DECLARATION.matcher(source);
      while (m.find()) {
        String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
        Field field = find(Class.forName(pkg + "." + className(file)), m.group(1));
        assertThat(Modifier.isStatic(field.getModifiers())).isTrue();
        all.add(new Declared(field.getDeclaringClass().getName(), m.group(1),
            (Setting<?>) field.get(null)));
      }
    }
    return all;
  }

  @Test
  void everySettingIsAKeyOfTheModelAndItsDefaultIsTheModelsDefault() throws Exception {
    List<Declared> settings = declared();
    assertThat(settings).hasSizeGreaterThan(30);
    JsonNode defaults = ConfigMapper.toTree(GatehouseConfig.defaults());
    Map<String, Declared> byKey = new HashMap<>();
    for (Declared d : settings) {
      assertThat(byKey.put(d.setting().key(), d)).as("declared twice: " + d.setting().key()).isNull();
      JsonNode node = defaults.at("/" + d.setting().key().replace('.', '/'));
      assertThat(node.isMissingNode()).as(d.setting().key() + " is not a key of the model").isFalse();
      Object expected = d.setting().defaultValue();
      assertThat(node.isNull() ? null : node.asString())
          .as(d.setting().key())
          .isEqualTo(expected == null ? null : Setting.text(expected));
    }
  }

  @Test
  void noDefaultIsWrittenASecondTime() throws Exception {
    List<String> offences = new ArrayList<>();
    List<Declared> settings = declared();
    for (Path file : javaFiles()) {
      String source = DECLARATION.matcher(Files.readString(file)).replaceAll("/*setting*/");
      source = source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
      for (Declared d : settings) {
        if (source.contains('"' + d.setting().key() + '"')) {
          offences.add(file + ": key " + d.setting().key());
        }
        if (d.owner().matches(".*\\." + className(file) + "(\\$.*)?")) {
          for (String spelling : spellings(d.setting().defaultValue())) {
            if (Pattern.compile("[^\\w.]" + Pattern.quote(spelling) + "(?![\\w.])").matcher(source).find()) {
              offences.add(file + ": " + spelling + " repeats the default of " + d.setting().key());
            }
          }
        }
      }
    }
    // The config records are where the old copies lived: outside the settings TransportConfig
    // owns itself, nothing there may spell a default.
    for (String record : List.of("config/AuthConfig.java", "config/TransportConfig.java")) {
      String source = DECLARATION.matcher(
          Files.readString(SOURCES.resolve("io/gatehouse/transport/" + record))).replaceAll("");
      assertThat(source).as(record).doesNotContainPattern("Duration\\.of\\w+\\(\\d")
          .doesNotContainPattern("[^\\w.](100_000|10_000|1024)\\b");
    }
    assertThat(offences).isEmpty();
  }

  private static List<String> spellings(Object value) {
    if (value instanceof Duration d && !d.isZero()) {
      List<String> out = new ArrayList<>();
      long s = d.toSeconds();
      out.add("Duration.ofMillis(" + d.toMillis() + ")");
      if (d.toMillis() % 1000 == 0) {
        out.add("Duration.ofSeconds(" + s + ")");
      }
      if (s % 60 == 0) {
        out.add("Duration.ofMinutes(" + s / 60 + ")");
      }
      if (s % 3600 == 0) {
        out.add("Duration.ofHours(" + s / 3600 + ")");
      }
      return out;
    }
    if (value instanceof Number n && n.longValue() >= 100) {
      String plain = Long.toString(n.longValue());
      return List.of(plain, String.format("%,d", n.longValue()).replace(',', '_'));
    }
    return List.of();
  }

  private static String className(Path file) {
    return file.getFileName().toString().replace(".java", "");
  }

  private static Field find(Class<?> type, String name) {
    try {
      return type.getField(name);
    } catch (NoSuchFieldException e) {
      for (Class<?> nested : type.getDeclaredClasses()) {
        try {
          return find(nested, name);
        } catch (IllegalStateException ignored) {
          // not in this one
        }
      }
      throw new IllegalStateException(name + " not found in " + type);
    }
  }

  private static List<Path> javaFiles() throws IOException {
    try (Stream<Path> files = Files.walk(SOURCES)) {
      return files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> !f.getFileName().toString().equals("Setting.java")).toList();
    }
  }
}
