package io.gatehouse.transport.config;

import io.gatehouse.transport.setting.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The one Jackson mapper of the configuration model: unknown keys are errors (a typo cannot leave
 * a limit at its default); durations read and write as {@code 250ms}, {@code 30s}, {@code 5m},
 * {@code 1h}, {@code 7d} (ISO-8601 {@code PT30S} is read too); enums in any case, written as
 * {@code fail-closed}; paths as written. Errors become one line naming the key path.
 */
final class ConfigMapper {
  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  static final YAMLMapper YAML = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .addModule(new SimpleModule("gatehouse-config")
          .addDeserializer(Duration.class, new DurationDeserializer())
          .addSerializer(Duration.class, new TextSerializer<>(Duration.class))
          .addSerializer(Path.class, new TextSerializer<>(Path.class))
          .addSerializer(Enum.class, new EnumSerializer()))
      .build();

  private ConfigMapper() {}

  /** Binds {@code tree} to {@code type}; errors are one line naming the key path. */
  static <T> T bind(JsonNode tree, Class<T> type) {
    try {
      return YAML.treeToValue(tree, type);
    } catch (JacksonException e) {
      throw translate(e);
    }
  }

  /** Parses YAML or JSON text into {@code type}. */
  static <T> T parse(String text, Class<T> type) {
    try {
      return YAML.readValue(text, type);
    } catch (JacksonException e) {
      throw translate(e);
    }
  }

  /** The effective configuration as a tree, every key with its value. */
  static ObjectNode toTree(GatehouseConfig config) {
    ObjectNode tree = YAML.valueToTree(config);
    ((ObjectNode) tree.get("server")).remove("auth");
    return tree;
  }

  private static IllegalArgumentException translate(JacksonException e) {
    String path = path(e);
    Throwable cause = e.getCause();
    String message;
    if (cause instanceof IllegalArgumentException iae) {
      message = iae.getMessage();
      if (!path.isEmpty() && !message.contains(last(path))) {
        message = path + ": " + message;
      }
    } else if (e instanceof UnrecognizedPropertyException u) {
      message = "unknown key " + path + " (known: " + String.join(", ",
          u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList()) + ")";
    } else if (e instanceof InvalidFormatException f) {
      message = path + ": invalid value '" + f.getValue() + "'"
          + (f.getTargetType() != null && f.getTargetType().isEnum()
              ? " (one of " + enumValues(f.getTargetType()) + ")"
              : f.getTargetType() == Boolean.class ? " (true or false)" : "");
    } else {
      message = (path.isEmpty() ? "" : path + ": ") + e.getOriginalMessage();
    }
    return new IllegalArgumentException(message.replaceAll("[\\r\\n]+", " "), e);
  }

  private static String enumValues(Class<?> type) {
    return String.join(", ", java.util.Arrays.stream(type.getEnumConstants())
        .map(c -> EnumSerializer.text((Enum<?>) c)).toList());
  }

  private static String last(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  private static String path(JacksonException e) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (ref.getPropertyName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
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

  /** Writes {@link Setting#text} of a value (durations as {@code 5m}, paths as written). */
  private static final class TextSerializer<T> extends ValueSerializer<T> {
    private final Class<T> type;

    TextSerializer(Class<T> type) {
      this.type = type;
    }

    @Override
    public Class<?> handledType() {
      return type;
    }

    @Override
    public void serialize(T value, JsonGenerator gen, SerializationContext ctxt) {
      gen.writeString(Setting.text(value));
    }
  }

  /** {@code FAIL_CLOSED} → {@code fail-closed}, the way the docs write enum values. */
  @SuppressWarnings("rawtypes")
  private static final class EnumSerializer extends ValueSerializer<Enum> {
    static String text(Enum<?> value) {
      return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public Class<?> handledType() {
      return Enum.class;
    }

    @Override
    public void serialize(Enum value, JsonGenerator gen, SerializationContext ctxt) {
      gen.writeString(text(value));
    }
  }
}
