package io.gatehouse.transport.config;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Loads a {@link GatehouseConfig} in layers, each overriding the one before key by key: the
 * model's own defaults, an application's defaults (e.g. where its example files live), the config
 * file (YAML or JSON), then environment variables ({@link EnvironmentOverrides}: {@code
 * GATEHOUSE_} + the key path in upper snake case). Mappings merge; lists and scalars replace.
 * Unknown sections, keys and variables are errors that name them.
 */
public final class GatehouseConfigLoader {
  private static final ObjectNode MODEL_DEFAULTS = ConfigMapper.toTree(GatehouseConfig.defaults());
  private static final Set<String> LIST_KEYS = listKeys(GatehouseConfig.class, "");
  private static final EnvironmentOverrides ENVIRONMENT =
      new EnvironmentOverrides(MODEL_DEFAULTS, LIST_KEYS);

  private final ObjectNode applicationDefaults;

  private GatehouseConfigLoader(ObjectNode applicationDefaults) {
    this.applicationDefaults = applicationDefaults;
  }

  /** A loader with the model's defaults only. */
  public static GatehouseConfigLoader withModelDefaults() {
    return new GatehouseConfigLoader(ConfigMapper.YAML.createObjectNode());
  }

  /**
   * A loader whose defaults are the model's overridden by {@code yaml} (an application's own
   * defaults, e.g. the paths of its example files). {@code yaml} must set only keys whose value
   * differs from the model's default, so no default is written twice.
   */
  public static GatehouseConfigLoader withApplicationDefaults(String yaml) {
    ObjectNode tree = sections(ConfigMapper.YAML.readTree(yaml), "application defaults");
    // bind once so a bad key fails here, at startup of the application, not at the first load
    bind(merged(tree, null, Map.of()), "application defaults");
    return new GatehouseConfigLoader(tree);
  }

  /** The environment variables that override keys, with the model's defaults. */
  public static EnvironmentOverrides environment() {
    return ENVIRONMENT;
  }

  /** The same variables, showing this loader's defaults (for {@code --help} and the docs). */
  public EnvironmentOverrides variables() {
    return new EnvironmentOverrides(defaultsTree(), LIST_KEYS);
  }

  /**
   * Loads {@code file} (null: defaults only) with {@code env} applied.
   *
   * @throws IllegalArgumentException with a one-line message naming the file, key or variable
   */
  public Loaded load(Path file, Map<String, String> env) {
    ObjectNode overlay = file == null ? null : readFile(file);
    String where = file == null ? "configuration" : "config " + file;
    return bind(merged(applicationDefaults, overlay, env), where);
  }

  /** The defaults this loader starts from (the model's, then the application's), as a tree. */
  public JsonNode defaultsTree() {
    return load(null, Map.of()).tree();
  }

  private static ObjectNode merged(ObjectNode applicationDefaults, ObjectNode file,
      Map<String, String> env) {
    ObjectNode tree = MODEL_DEFAULTS.deepCopy();
    merge(tree, applicationDefaults);
    if (file != null) {
      merge(tree, file);
    }
    ENVIRONMENT.apply(tree, env);
    return tree;
  }

  private static Loaded bind(ObjectNode tree, String where) {
    try {
      GatehouseConfig config = ConfigMapper.bind(tree, GatehouseConfig.class);
      return new Loaded(config, ConfigMapper.toTree(config));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /**
   * A loaded configuration.
   *
   * @param config the bound model
   * @param tree the effective configuration, every key with its value (what {@code
   *     --print-config} prints)
   */
  public record Loaded(GatehouseConfig config, JsonNode tree) {
    /** The effective configuration as YAML. */
    public String toYaml() {
      return ConfigMapper.YAML.writeValueAsString(tree);
    }
  }

  private static ObjectNode readFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
    }
    try {
      return sections(ConfigMapper.YAML.readTree(text), "config " + file);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("config " + file + ": not valid YAML or JSON: "
          + e.getOriginalMessage(), e);
    }
  }

  private static ObjectNode sections(JsonNode node, String where) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return ConfigMapper.YAML.createObjectNode();
    }
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException(where + ": expected a mapping of sections "
          + GatehouseConfig.SECTIONS);
    }
    object.propertyNames().forEach(name -> {
      if (!GatehouseConfig.SECTIONS.contains(name)) {
        throw new IllegalArgumentException(where + ": unknown section '" + name
            + "' (sections: " + String.join(", ", GatehouseConfig.SECTIONS) + ")");
      }
    });
    return object;
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

  /** Paths of the model's list-valued keys (their variables are comma-separated). */
  static Set<String> listKeys(Class<?> type, String prefix) {
    Set<String> keys = new TreeSet<>();
    for (RecordComponent c : type.getRecordComponents()) {
      String path = prefix.isEmpty() ? c.getName() : prefix + "." + c.getName();
      if (c.getType().isRecord()) {
        keys.addAll(listKeys(c.getType(), path));
      } else if (List.class.isAssignableFrom(c.getType())) {
        keys.add(path);
      }
    }
    return keys;
  }
}
