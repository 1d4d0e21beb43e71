package io.gatehouse.cli.demo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A demo identity: who it is, how it authenticates, one call its role allows and one it does not.
 *
 * @param name client name (certificate CN and SPIFFE path, or JWT subject)
 * @param role its one role
 * @param certificate true: mTLS client certificate; false: bearer JWT only
 * @param allowed a call the policy permits
 * @param denied a call the policy refuses ({@code tool} {@value #METRICS} means {@code GET /metrics})
 */
public record Identity(String name, String role, boolean certificate, Call allowed, Call denied) {
  /** Stands for {@code GET /metrics} in {@link #denied}. */
  public static final String METRICS = "GET /metrics";

  /**
   * A tool call.
   *
   * @param tool the tool name
   * @param arguments its arguments
   */
  public record Call(String tool, Map<String, Object> arguments) {}

  static Call call(String tool, Object... keyValues) {
    Map<String, Object> args = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      args.put((String) keyValues[i], keyValues[i + 1]);
    }
    return new Call(tool, Collections.unmodifiableMap(args));
  }
}
