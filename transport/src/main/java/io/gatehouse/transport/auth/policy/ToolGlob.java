package io.gatehouse.transport.auth.policy;

import java.util.regex.Pattern;

/**
 * A tool-name pattern: letters, digits, {@code _ - .} and {@code *} (any run of characters,
 * including dots). Matched without regular expressions, in time linear in the name.
 */
final class ToolGlob {
  /** MCP tool names are at most 128 characters of {@code [A-Za-z0-9_.-]}. */
  static final int MAX_LENGTH = 128;

  private static final Pattern SYNTAX = Pattern.compile("[A-Za-z0-9_.*-]{1," + MAX_LENGTH + "}");
  /** Longest MCP resource URI pattern accepted. */
  static final int MAX_URI_LENGTH = 2048;
  /** Resource URI patterns: visible ASCII (no spaces or controls), {@code *} as the wildcard. */
  private static final Pattern URI_SYNTAX = Pattern.compile("[\\x21-\\x7e]{1," + MAX_URI_LENGTH + "}");

  final String pattern;
  private final String[] parts; // the literal runs between stars

  private ToolGlob(String pattern) {
    this.pattern = pattern;
    this.parts = pattern.split("\\*", -1);
  }

  /** Compiles {@code pattern}, or throws naming it; {@code where} says which rule it came from. */
  static ToolGlob compile(String pattern, String where) throws PolicyException {
    if (pattern == null || !SYNTAX.matcher(pattern).matches()) {
      throw new PolicyException(
          where + ": bad tool pattern '" + printable(pattern) + "': use letters, digits, '_', '-', '.'"
              + " and '*', at most " + MAX_LENGTH + " characters");
    }
    return new ToolGlob(pattern.replaceAll("\\*+", "*"));
  }

  /** Compiles an MCP resource URI pattern ({@code test://static-*}), or throws naming it. */
  static ToolGlob compileUri(String pattern, String where) throws PolicyException {
    if (pattern == null || !URI_SYNTAX.matcher(pattern).matches()) {
      throw new PolicyException(
          where + ": bad resource URI pattern '" + printable(pattern) + "': use visible ASCII"
              + " characters and '*', at most " + MAX_URI_LENGTH + " characters");
    }
    return new ToolGlob(pattern.replaceAll("\\*+", "*"));
  }

  boolean isExact() {
    return parts.length == 1;
  }

  boolean isMatchAll() {
    return pattern.equals("*");
  }

  /** The literal before the only, trailing star ({@code hr.*} gives {@code hr.}), else null. */
  String prefixOnly() {
    return parts.length == 2 && parts[1].isEmpty() ? parts[0] : null;
  }

  boolean matches(String name) {
    if (parts.length == 1) {
      return name.equals(parts[0]);
    }
    String first = parts[0];
    String last = parts[parts.length - 1];
    if (name.length() < first.length() + last.length() || !name.startsWith(first) || !name.endsWith(last)) {
      return false;
    }
    int at = first.length();
    int end = name.length() - last.length();
    for (int i = 1; i < parts.length - 1; i++) {
      int found = name.indexOf(parts[i], at);
      if (found < 0 || found + parts[i].length() > end) {
        return false;
      }
      at = found + parts[i].length();
    }
    return true;
  }

  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && i < MAX_LENGTH; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > MAX_LENGTH ? out.append("...").toString() : out.toString();
  }
}
