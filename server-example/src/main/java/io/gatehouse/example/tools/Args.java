package io.gatehouse.example.tools;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed, validated access to a tool call's arguments; every failure is a {@link ToolError}. */
public final class Args {
  private static final int MAX_STRING = 2000;
  private final Map<String, Object> values;

  Args(Map<String, Object> values) {
    this.values = values == null ? Map.of() : values;
  }

  /** A required, non-blank string of at most 2000 characters. */
  public String string(String name) {
    return optionalString(name).orElseThrow(() -> new ToolError("missing argument '" + name + "'"));
  }

  /** An optional string; blank counts as absent. */
  public Optional<String> optionalString(String name) {
    Object value = values.get(name);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String s)) {
      throw new ToolError("argument '" + name + "' must be a string");
    }
    if (s.length() > MAX_STRING) {
      throw new ToolError("argument '" + name + "' is longer than " + MAX_STRING + " characters");
    }
    return s.isBlank() ? Optional.empty() : Optional.of(s.strip());
  }

  /** An optional string restricted to {@code allowed}. */
  public Optional<String> optionalChoice(String name, List<String> allowed) {
    Optional<String> value = optionalString(name);
    value.ifPresent(v -> {
      if (!allowed.contains(v)) {
        throw new ToolError("argument '" + name + "' must be one of " + allowed);
      }
    });
    return value;
  }

  /** A required string restricted to {@code allowed}. */
  public String choice(String name, List<String> allowed) {
    return optionalChoice(name, allowed)
        .orElseThrow(() -> new ToolError("missing argument '" + name + "'"));
  }

  /** An optional non-negative whole number. */
  public Optional<Long> optionalAmount(String name) {
    Object value = values.get(name);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < 0) {
      throw new ToolError("argument '" + name + "' must be a non-negative whole number");
    }
    return Optional.of(n.longValue());
  }
}
