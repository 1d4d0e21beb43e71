package io.gatehouse.transport.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * DNS-rebinding protection: the {@code Host} must be on the allow-list (else 421 Misdirected
 * Request: this server does not answer for that authority), and an {@code Origin}, when present,
 * must be on the origin allow-list (else 403). A missing {@code Host} is a 400.
 */
public final class HostOriginStage implements RequestStage {
  private final List<String> allowedHosts;
  private final Set<String> allowedOrigins;

  /**
   * @param allowedHosts lowercase {@code host} or {@code host:port}; IPv6 literals in brackets
   * @param allowedOrigins exact origins such as {@code https://app.example.com}
   */
  public HostOriginStage(List<String> allowedHosts, List<String> allowedOrigins) {
    this.allowedHosts = List.copyOf(allowedHosts);
    this.allowedOrigins = Set.copyOf(
        allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList());
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
    if (hosts.size() != 1 || hosts.get(0).isBlank()) {
      return StageResult.rejectNow(HttpResponseStatus.BAD_REQUEST, "invalid_request",
          "exactly one Host header is required");
    }
    if (!hostAllowed(hosts.get(0).trim().toLowerCase(Locale.ROOT))) {
      return StageResult.rejectNow(HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected_request",
          "this server does not answer for that Host");
    }
    String origin = request.header(HttpHeaderNames.ORIGIN);
    if (origin != null && !allowedOrigins.contains(origin.trim().toLowerCase(Locale.ROOT))) {
      return StageResult.rejectNow(HttpResponseStatus.FORBIDDEN, "forbidden_origin",
          "requests from this Origin are not allowed");
    }
    return StageResult.proceedNow();
  }

  private boolean hostAllowed(String host) {
    int portColon = host.lastIndexOf(':');
    String name = portColon > host.lastIndexOf(']') && portColon >= 0
        ? host.substring(0, portColon) : host;
    return allowedHosts.contains(host) || allowedHosts.contains(name);
  }
}
