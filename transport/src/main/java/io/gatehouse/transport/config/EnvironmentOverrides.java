package io.gatehouse.transport.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Environment variables that override configuration keys. Every scalar or list key of the
 * defaults has one: {@code GATEHOUSE_} + its path, each segment in upper snake case ({@code
 * server.tls.clientAuth} → {@code GATEHOUSE_SERVER_TLS_CLIENT_AUTH}). Lists are comma-separated;
 * an empty value clears a key back to unset. A variable with a section prefix ({@code
 * GATEHOUSE_SERVER_}, …) that names no key is an error, so a typo cannot go unnoticed.
 */
public final class EnvironmentOverrides {
  /** Prefix of every variable. */
  public static final String PREFIX = "GATEHOUSE_";

  /**
   * One overridable key.
   *
   * @param variable the environment variable
   * @param path the dotted config path
   * @param list whether the key takes a comma-separated list
   * @param defaultValue the default as written in the defaults ("" when unset)
   */
  public record Variable(String variable, String path, boolean list, String defaultValue) {}

  private final Map<String, Variable> variables;
  private final List<String> sectionPrefixes;

  /**
   * The variables for the keys of {@code defaults}; {@code nullLists} names the keys whose
   * default is unset (null) but which take a list.
   */
  public EnvironmentOverrides(JsonNode defaults, Set<String> nullLists) {
    Map<String, Variable> found = new TreeMap<>();
    List<String> sections = new ArrayList<>();
    defaults.properties().forEach(section -> {
      sections.add(PREFIX + upperSnake(section.getKey()) + "_");
      collect(section.getValue(), section.getKey(), nullLists, found);
    });
    this.variables = Collections.unmodifiableMap(found);
    this.sectionPrefixes = List.copyOf(sections);
  }

  private static void collect(JsonNode node, String path, Set<String> nullLists,
      Map<String, Variable> into) {
    if (node.isObject()) {
      node.properties().forEach(e -> collect(e.getValue(), path + "." + e.getKey(), nullLists, into));
      return;
    }
    String variable = variableFor(path);
    String shown = node.isArray()
        ? String.join(",", node.valueStream().map(JsonNode::asString).toList())
        : node.isNull() ? "" : node.asString();
    Variable previous = into.put(variable, new Variable(variable, path, node.isArray() || nullLists.contains(path), shown));
    if (previous != null) {
      throw new IllegalStateException(path + " and " + previous.path() + " map to " + variable);
    }
  }

  /** {@code GATEHOUSE_} + the path in upper snake case. */
  public static String variableFor(String path) {
    List<String> parts = new ArrayList<>();
    for (String segment : path.split("\\.")) {
      parts.add(upperSnake(segment));
    }
    return PREFIX + String.join("_", parts);
  }

  private static String upperSnake(String segment) {
    return segment.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** Every variable, sorted by name. */
  public List<Variable> variables() {
    return List.copyOf(variables.values());
  }

  /**
   * Writes the values of the variables set in {@code env} into {@code tree}.
   *
   * @throws IllegalArgumentException naming an unknown variable
   */
  public void apply(ObjectNode tree, Map<String, String> env) {
    Map<String, String> sorted = new TreeMap<>(env);
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      String name = e.getKey();
      if (sectionPrefixes.stream().noneMatch(name::startsWith)) {
        continue;
      }
      Variable variable = variables.get(name);
      if (variable == null) {
        throw new IllegalArgumentException("unknown environment variable " + name
            + ": it names no configuration key (see docs/configuration.md)");
      }
      set(tree, variable, e.getValue());
    }
  }

  private static void set(ObjectNode tree, Variable variable, String value) {
    String[] path = variable.path().split("\\.");
    ObjectNode parent = tree;
    for (int i = 0; i < path.length - 1; i++) {
      JsonNode child = parent.get(path[i]);
      parent = child instanceof ObjectNode o ? o : parent.putObject(path[i]);
    }
    String key = path[path.length - 1];
    String trimmed = value.strip();
    if (trimmed.isEmpty()) {
      parent.putNull(key);
    } else if (variable.list()) {
      ArrayNode array = parent.putArray(key);
      for (String item : trimmed.split(",")) {
        if (!item.isBlank()) {
          array.add(item.strip());
        }
      }
    } else {
      parent.set(key, JsonNodeFactory.instance.stringNode(trimmed));
    }
  }
}
