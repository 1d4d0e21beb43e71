package io.gatehouse.example.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the JSON Schema of a tool's input: an object of described properties. */
public final class Schema {
  private final Map<String, Object> properties = new LinkedHashMap<>();
  private final List<String> required = new ArrayList<>();

  /** An object schema with no properties yet. */
  public static Schema object() {
    return new Schema();
  }

  /** A string property. */
  public Schema string(String name, String description, boolean isRequired) {
    return property(name, Map.of("type", "string", "description", description), isRequired);
  }

  /** A string property limited to {@code values}. */
  public Schema choice(String name, String description, List<String> values, boolean isRequired) {
    return property(
        name, Map.of("type", "string", "description", description, "enum", values), isRequired);
  }

  /** A non-negative integer property. */
  public Schema amount(String name, String description, boolean isRequired) {
    return property(
        name, Map.of("type", "integer", "minimum", 0, "description", description), isRequired);
  }

  private Schema property(String name, Map<String, Object> schema, boolean isRequired) {
    properties.put(name, schema);
    if (isRequired) {
      required.add(name);
    }
    return this;
  }

  Map<String, Object> toMap() {
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "object");
    schema.put("properties", properties);
    schema.put("required", required);
    schema.put("additionalProperties", false);
    return schema;
  }
}
