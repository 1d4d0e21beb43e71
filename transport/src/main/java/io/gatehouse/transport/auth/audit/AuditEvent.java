package io.gatehouse.transport.auth.audit;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.audit.AuditLog.Decision;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Locale;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * One audit event and the line schema: field names, the credential field per method, the remote
 * address without DNS, and the sanitiser that keeps every value one short line without control
 * characters. {@link AuditLog} queues these; {@link RollingFile} stores the lines.
 */
record AuditEvent(
    Instant time,
    String kind,
    Decision decision,
    Principal principal, // null when refused before an identity was established
    AuthMethod method,
    String tool,
    String resource,
    SocketAddress remote,
    String reason,
    String warning) {
  /** Longest value written; longer ones are cut and end with "...". */
  static final int MAX_TEXT = 256;
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** The event as one JSON line, written straight out (no tree of nodes first). */
  String toJson() {
    AuditLines lines = new AuditLines();
    lines.add(this);
    String line = lines.text().toString();
    lines.clear(); // closes the generator
    return line;
  }

  /**
   * Writes the line to {@code line}. {@code lines} supplies what repeats from event to event
   * (timestamp text of the second, the principal's sorted roles, the remote address text), so
   * the writer thread computes each once; the bytes are those of a fresh computation.
   */
  void writeJson(JsonGenerator line, AuditLines lines) {
    line.writeStartObject();
    lines.writeTime(line, "time", time);
    line.writeStringProperty("event", kind);
    line.writeStringProperty("decision", DECISIONS[decision.ordinal()]);
    if (principal != null) {
      line.writeStringProperty("principal", text(principal.id()));
    }
    line.writeStringProperty("method", METHODS[method.ordinal()]);
    if (principal != null) {
      line.writeArrayPropertyStart("roles");
      for (String role : lines.sortedRoles(principal)) {
        line.writeString(role);
      }
      line.writeEndArray();
      if (!principal.credentialId().isEmpty()) {
        line.writeStringProperty(credentialField(method), text(principal.credentialId()));
      }
    }
    if (tool != null) {
      line.writeStringProperty("tool", text(tool));
    }
    if (resource != null) {
      line.writeStringProperty("resource", text(resource));
    }
    if (reason != null && !reason.isEmpty()) {
      line.writeStringProperty("reason", text(reason));
    }
    if (warning != null && !warning.isEmpty()) {
      line.writeStringProperty("warning", text(warning));
    }
    line.writeStringProperty("remote", lines.remote(remote));
    line.writeEndObject();
  }

  /** {@link Decision} values as written, by ordinal. */
  private static final String[] DECISIONS = java.util.Arrays.stream(Decision.values())
      .map(d -> d.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
  /** {@link AuthMethod} values as written, by ordinal. */
  private static final String[] METHODS = java.util.Arrays.stream(AuthMethod.values())
      .map(m -> m.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);

  static String credentialField(AuthMethod method) {
    switch (method) {
      case CERTIFICATE:
        return "cert_serial";
      case JWT:
        return "jti";
      case API_KEY:
        return "api_key_id";
      default:
        return "credential_id";
    }
  }

  static String remote(SocketAddress remote) {
    if (remote instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) remote;
      // No DNS lookup: the literal address, or the unresolved host string.
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return remote == null ? "" : text(remote.toString());
  }

  /** Bounded and free of control characters, so one event is always one short line. */
  static String text(String s) {
    if (s.length() <= MAX_TEXT && clean(s)) {
      return s; // the common case: nothing to replace, no copy
    }
    StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_TEXT));
    for (int i = 0; i < s.length() && i < MAX_TEXT; i++) {
      char c = s.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.length() > MAX_TEXT ? out.append("...").toString() : out.toString();
  }

  private static boolean clean(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
