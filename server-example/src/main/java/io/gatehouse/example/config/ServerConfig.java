package io.gatehouse.example.config;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.config.TransportConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The example server's configuration: built-in defaults ({@code defaults.yaml}, every key), then
 * the config file (YAML or JSON), then environment variables ({@link EnvironmentOverrides}). Each
 * section is handed to the module that owns it, which refuses unknown keys.
 *
 * @param server the transport: address, TLS, limits, Host/Origin allow-lists, and the auth
 *     pipeline ({@code auth} section)
 * @param metrics whether {@code /metrics} is served
 * @param tree the merged configuration
 */
public record ServerConfig(TransportConfig server, Metrics metrics, JsonNode tree) {
  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  private static final Set<String> SECTIONS = Set.of("server", "auth", "metrics");
  private static final ObjectNode DEFAULTS = readDefaults();
  private static final EnvironmentOverrides ENVIRONMENT = new EnvironmentOverrides(DEFAULTS, Set.of("auth.authorizationServers"));

  /**
   * The {@code metrics} section.
   *
   * @param enabled serve Prometheus text on {@code GET /metrics} (role {@code metrics} or admin)
   */
  public record Metrics(boolean enabled) {}

  /**
   * Loads {@code file} (null: defaults only) with {@code env} applied.
   *
   * @throws IllegalArgumentException with a one-line message naming the file, key or variable
   */
  public static ServerConfig load(Path file, Map<String, String> env) {
    ObjectNode tree = DEFAULTS.deepCopy();
    if (file != null) {
      merge(tree, readFile(file));
    }
    ENVIRONMENT.apply(tree, env);
    String where = file == null ? "configuration" : "config " + file;
    try {
      TransportConfig server = TransportConfigLoader.fromTree(transportTree(tree));
      JsonNode metrics = tree.get("metrics");
      checkKeys(metrics, "metrics", Set.of("enabled"));
      return new ServerConfig(server, new Metrics(bool(metrics.get("enabled"), "metrics.enabled")),
          tree);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /** The transport reads {@code auth} as part of its own config; here it is a top-level section. */
  private static JsonNode transportTree(ObjectNode tree) {
    ObjectNode server = (ObjectNode) tree.get("server").deepCopy();
    if (server.has("auth")) {
      throw new IllegalArgumentException("auth is a top-level section, not a key of server");
    }
    server.set("auth", tree.get("auth"));
    return server;
  }

  /** The environment variables that override keys, for {@code --help} and the docs. */
  public static EnvironmentOverrides environment() {
    return ENVIRONMENT;
  }

  /** The defaults, as a YAML document with comments (the resource itself). */
  public static String defaultsText() {
    try (InputStream in = ServerConfig.class.getResourceAsStream("/io/gatehouse/example/defaults.yaml")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** This configuration as YAML (what {@code gatehouse server --print-config} shows). */
  public String toYaml() {
    return YAML.writeValueAsString(tree);
  }

  private static ObjectNode readDefaults() {
    return (ObjectNode) YAML.readTree(defaultsText());
  }

  private static JsonNode readFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
    }
    try {
      JsonNode node = YAML.readTree(text);
      if (node == null || node.isMissingNode() || node.isNull()) {
        return YAML.createObjectNode();
      }
      if (!node.isObject()) {
        throw new IllegalArgumentException("config " + file + ": expected a mapping of sections "
            + SECTIONS);
      }
      node.propertyNames().forEach(name -> {
        if (!SECTIONS.contains(name)) {
          throw new IllegalArgumentException("config " + file + ": unknown section '" + name
              + "' (sections: server, auth, metrics)");
        }
      });
      return node;
    } catch (JacksonException e) {
      throw new IllegalArgumentException("config " + file + ": not valid YAML or JSON: "
          + e.getOriginalMessage(), e);
    }
  }

  /** Objects merge key by key; anything else (scalars, lists) replaces. */
  private static void merge(ObjectNode into, JsonNode overlay) {
    overlay.properties().forEach(e -> {
      JsonNode existing = into.get(e.getKey());
      if (existing instanceof ObjectNode target && e.getValue().isObject()) {
        merge(target, e.getValue());
      } else {
        into.set(e.getKey(), e.getValue());
      }
    });
  }

  private static void checkKeys(JsonNode section, String name, Set<String> known) {
    if (section == null || !section.isObject()) {
      throw new IllegalArgumentException(name + ": expected a mapping");
    }
    section.propertyNames().forEach(key -> {
      if (!known.contains(key)) {
        throw new IllegalArgumentException("unknown key " + name + "." + key);
      }
    });
  }

  private static boolean bool(JsonNode node, String path) {
    if (node != null && node.isBoolean()) {
      return node.booleanValue();
    }
    String text = node == null || node.isNull() ? "" : node.asString();
    return switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(path + " must be true or false, got '" + text + "'");
    };
  }
}
