package io.gatehouse.transport.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * DNS-rebinding protection: the {@code Host} must be on the allow-list (else 421 Misdirected
 * Request: this server does not answer for that authority), and an {@code Origin}, when present,
 * must be on the origin allow-list (else 403) — or, on a server bound to a loopback address, be
 * this server's own loopback origin: a loopback host name equal to the {@code Host}'s, on the same
 * port. A missing {@code Host} is a 400.
 */
public final class HostOriginStage implements RequestStage {
  /** Host names that only ever mean this machine. */
  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

  private final List<String> allowedHosts;
  private final Set<String> allowedOrigins;
  private final boolean loopbackBound;
  private final int defaultPort;

  /**
   * @param allowedHosts lowercase {@code host} or {@code host:port}; IPv6 literals in brackets
   * @param allowedOrigins exact origins such as {@code https://app.example.com}
   */
  public HostOriginStage(List<String> allowedHosts, List<String> allowedOrigins) {
    this(allowedHosts, allowedOrigins, false, true);
  }

  /**
   * @param allowedHosts lowercase {@code host} or {@code host:port}; IPv6 literals in brackets
   * @param allowedOrigins exact origins such as {@code https://app.example.com}
   * @param loopbackBound the server listens on a loopback address only: its own loopback origin
   *     (e.g. {@code http://localhost:8443} when the {@code Host} is {@code localhost:8443}) is
   *     accepted without being listed. Either scheme: on a loopback port only this server
   *     listens, so both can only be pages this server served (it serves none).
   * @param tls the server speaks TLS (the port a {@code Host} without one means: 443, else 80)
   */
  public HostOriginStage(List<String> allowedHosts, List<String> allowedOrigins,
      boolean loopbackBound, boolean tls) {
    this.allowedHosts = List.copyOf(allowedHosts);
    this.allowedOrigins = Set.copyOf(
        allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList());
    this.loopbackBound = loopbackBound;
    this.defaultPort = tls ? 443 : 80;
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
    if (hosts.size() != 1 || hosts.get(0).isBlank()) {
      return StageResult.rejectNow(HttpResponseStatus.BAD_REQUEST, "invalid_request",
          "exactly one Host header is required");
    }
    String host = hosts.get(0).trim().toLowerCase(Locale.ROOT);
    if (!hostAllowed(host)) {
      return StageResult.rejectNow(HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected_request",
          "this server does not answer for that Host");
    }
    String origin = request.header(HttpHeaderNames.ORIGIN);
    if (origin != null) {
      String normalized = origin.trim().toLowerCase(Locale.ROOT);
      if (!allowedOrigins.contains(normalized) && !ownLoopbackOrigin(normalized, host)) {
        return StageResult.rejectNow(HttpResponseStatus.FORBIDDEN, "forbidden_origin",
            "requests from this Origin are not allowed");
      }
    }
    return StageResult.proceedNow();
  }

  private boolean hostAllowed(String host) {
    return allowedHosts.contains(host) || allowedHosts.contains(name(host));
  }

  /** {@code origin} is {@code http(s)://<host>:<port>} of the (loopback) {@code Host} itself. */
  private boolean ownLoopbackOrigin(String origin, String host) {
    if (!loopbackBound || !LOOPBACK_NAMES.contains(name(host))) {
      return false;
    }
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme();
    if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null
        || uri.getRawUserInfo() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return false;
    }
    int originPort = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
    return uri.getHost().equals(name(host)) && originPort == port(host);
  }

  /** {@code host} without its {@code :port}. */
  private static String name(String host) {
    int portColon = host.lastIndexOf(':');
    return portColon > host.lastIndexOf(']') && portColon >= 0 ? host.substring(0, portColon) : host;
  }

  private int port(String host) {
    int portColon = host.lastIndexOf(':');
    if (portColon <= host.lastIndexOf(']') || portColon < 0) {
      return defaultPort;
    }
    try {
      return Integer.parseInt(host.substring(portColon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
