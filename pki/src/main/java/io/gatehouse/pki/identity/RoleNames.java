package io.gatehouse.pki.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/** Validation of role names: lowercase {@code [a-z0-9][a-z0-9._-]*}, as docs/contracts.md fixes them. */
public final class RoleNames {
  /** Longest role name accepted; long enough for any sane name, short enough to bound parsing. */
  public static final int MAX_LENGTH = 64;

  /** Most roles one credential may carry. */
  public static final int MAX_ROLES = 32;

  private static final Pattern ROLE = Pattern.compile("[a-z0-9][a-z0-9._-]*");

  private RoleNames() {}

  /** True when {@code role} is a well-formed role name. */
  public static boolean isValid(String role) {
    return role != null
        && !role.isEmpty()
        && role.length() <= MAX_LENGTH
        && ROLE.matcher(role).matches();
  }

  /**
   * Checks every name and returns them de-duplicated in their given order.
   *
   * @throws IdentityFormatException naming the first bad role
   */
  public static List<String> validate(Collection<String> roles) throws IdentityFormatException {
    if (roles.size() > MAX_ROLES) {
      throw new IdentityFormatException(
          "too many roles: " + roles.size() + " (at most " + MAX_ROLES + ")");
    }
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String role : roles) {
      if (!isValid(role)) {
        throw new IdentityFormatException(
            "invalid role name '" + printable(role) + "': use lowercase letters, digits, '.', '_' or '-',"
                + " starting with a letter or digit, at most " + MAX_LENGTH + " characters");
      }
      unique.add(role);
    }
    return List.copyOf(new ArrayList<>(unique));
  }

  /** Keeps error messages one line and free of control characters from hostile input. */
  static String printable(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && i < MAX_LENGTH; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (s.length() > MAX_LENGTH) {
      out.append("...");
    }
    return out.toString();
  }
}
