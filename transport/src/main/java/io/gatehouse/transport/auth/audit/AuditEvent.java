package io.gatehouse.transport.auth.audit;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.audit.AuditLog.Decision;
import java.io.StringWriter;
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
    StringWriter out = new StringWriter(256);
    try (JsonGenerator line = JSON.createGenerator(out)) {
      line.writeStartObject();
      line.writeStringProperty("time", time.toString());
      line.writeStringProperty("event", kind);
      line.writeStringProperty("decision", decision.name().toLowerCase(Locale.ROOT));
      if (principal != null) {
        line.writeStringProperty("principal", text(principal.id()));
      }
      line.writeStringProperty("method", method.name().toLowerCase(Locale.ROOT));
      if (principal != null) {
        line.writeArrayPropertyStart("roles");
        for (String role : principal.roles().stream().sorted().toList()) {
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
      line.writeStringProperty("remote", remote(remote));
      line.writeEndObject();
    }
    return out.toString();
  }

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
    StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_TEXT));
    for (int i = 0; i < s.length() && i < MAX_TEXT; i++) {
      char c = s.charAt(i);
      out.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.length() > MAX_TEXT ? out.append("...").toString() : out.toString();
  }
}
