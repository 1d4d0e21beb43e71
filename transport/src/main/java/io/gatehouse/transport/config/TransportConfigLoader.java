package io.gatehouse.transport.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a {@link TransportConfig} from YAML or JSON (JSON is YAML). Unknown keys are errors, so a
 * typo cannot silently leave a limit at its default. Durations are written {@code 250ms}, {@code
 * 30s}, {@code 5m}, {@code 1h}, {@code 7d} or ISO-8601 ({@code PT30S}); enums in any case.
 */
public final class TransportConfigLoader {
  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private static final ObjectMapper MAPPER = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .addModule(new SimpleModule("gatehouse-durations")
          .addDeserializer(Duration.class, new DurationDeserializer()))
      .build();

  private TransportConfigLoader() {}

  /**
   * Loads {@code file}.
   *
   * @throws IllegalArgumentException with a one-line message naming the file and the problem
   */
  public static TransportConfig load(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("config " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses YAML or JSON text. */
  public static TransportConfig parse(String text) {
    if (text.isBlank()) {
      return TransportConfig.defaults();
    }
    return convert(() -> MAPPER.readValue(text, TransportConfig.class));
  }

  /** Converts an already parsed tree, e.g. the {@code transport:} section of a larger file. */
  public static TransportConfig fromTree(JsonNode tree) {
    return convert(() -> MAPPER.treeToValue(tree, TransportConfig.class));
  }

  private interface Read {
    TransportConfig read();
  }

  private static TransportConfig convert(Read read) {
    try {
      TransportConfig config = read.read();
      return config == null ? TransportConfig.defaults() : config;
    } catch (JacksonException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : null;
      String path = e.getPathReference();
      String where = path == null || path.isBlank() ? "" : " at " + path;
      throw new IllegalArgumentException(
          (cause != null ? cause.getMessage() : e.getOriginalMessage()) + where, e);
    }
  }

  /** {@code 30s}-style or ISO-8601 durations. */
  static Duration parseDuration(String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE_DURATION.matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "invalid duration '" + text + "': use e.g. 250ms, 30s, 5m, 1h, 7d");
    }
  }

  private static final class DurationDeserializer extends ValueDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) {
      return parseDuration(p.getValueAsString());
    }
  }
}
