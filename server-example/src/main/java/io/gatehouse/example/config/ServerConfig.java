package io.gatehouse.example.config;

import io.gatehouse.transport.config.EnvironmentOverrides;
import io.gatehouse.transport.config.GatehouseConfig;
import io.gatehouse.transport.config.GatehouseConfigLoader;
import io.gatehouse.transport.config.TransportConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The example server's configuration: the Gatehouse model ({@link GatehouseConfig}) loaded by
 * {@link GatehouseConfigLoader} with this application's own defaults ({@code
 * application-defaults.yaml}: where its certificates and policy live), then the config file, then
 * environment variables.
 *
 * @param server the transport with its auth pipeline, for {@code Gatehouse.server}
 * @param metrics whether {@code /metrics} is served
 * @param tree the effective configuration (what {@code --print-config} prints)
 */
public record ServerConfig(TransportConfig server, GatehouseConfig.Metrics metrics, JsonNode tree) {
  private static final GatehouseConfigLoader LOADER =
      GatehouseConfigLoader.withApplicationDefaults(applicationDefaults());
  private static final EnvironmentOverrides ENVIRONMENT = LOADER.variables();

  /**
   * Loads {@code file} (null: defaults only) with {@code env} applied.
   *
   * @throws IllegalArgumentException with a one-line message naming the file, key or variable
   */
  public static ServerConfig load(Path file, Map<String, String> env) {
    GatehouseConfigLoader.Loaded loaded = LOADER.load(file, env);
    return new ServerConfig(loaded.config().transport(), loaded.config().metrics(), loaded.tree());
  }

  /** The environment variables that override keys, for {@code --help} and the docs. */
  public static EnvironmentOverrides environment() {
    return ENVIRONMENT;
  }

  /** The effective defaults (the model's, then this application's), every key. */
  public static JsonNode defaults() {
    return LOADER.defaultsTree();
  }

  /** This application's own defaults, as written. */
  public static String applicationDefaults() {
    try (InputStream in = ServerConfig.class.getResourceAsStream(
        "/io/gatehouse/example/application-defaults.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** This configuration as YAML (what {@code gatehouse server --print-config} shows). */
  public String toYaml() {
    return new GatehouseConfigLoader.Loaded(null, tree).toYaml();
  }
}
