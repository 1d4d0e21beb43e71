package io.gatehouse.transport.config;

import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * Reads a {@link TransportConfig} alone (the {@code server} section plus, nested, {@code auth})
 * from YAML or JSON, for embedders that keep their own config file; {@link GatehouseConfigLoader}
 * reads a whole Gatehouse config with defaults layers and environment overrides. Both bind through
 * the same mapper: unknown keys are errors; durations are {@code 250ms}, {@code 30s}, {@code 5m},
 * {@code 1h}, {@code 7d} or ISO-8601; enums in any case.
 */
public final class TransportConfigLoader {
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
    TransportConfig config = ConfigMapper.parse(text, TransportConfig.class);
    return config == null ? TransportConfig.defaults() : config;
  }

  /** Converts an already parsed tree, e.g. the {@code transport:} section of a larger file. */
  public static TransportConfig fromTree(JsonNode tree) {
    TransportConfig config = ConfigMapper.bind(tree, TransportConfig.class);
    return config == null ? TransportConfig.defaults() : config;
  }

  /** {@code 30s}-style or ISO-8601 durations. */
  static java.time.Duration parseDuration(String text) {
    return ConfigMapper.parseDuration(text);
  }
}
