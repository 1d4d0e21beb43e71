package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.cert.ClientCertificateTrust;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.mcp.observation.ToolCallObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/**
 * The auth pipeline's meters (names in {@code docs/authentication.md}). Tag values come from
 * fixed sets — methods, results, causes, registered tool names — never from request data, so a
 * client cannot grow the number of time series.
 */
final class AuthMetrics {
  /** Counter: authentication decisions; tags {@code method}, {@code result}. */
  static final String AUTH_DECISIONS = "gatehouse.auth.decisions";
  /** Counter: OCSP cache lookups; tag {@code result} = hit|miss. */
  static final String OCSP_CACHE = "gatehouse.ocsp.cache";
  /** Timer: OCSP checks that missed the cache (responder round trip); tag {@code status}. */
  static final String OCSP_RESPONDER = "gatehouse.ocsp.responder";
  /** Counter: failed TLS handshakes; tag {@code cause}. */
  static final String TLS_HANDSHAKE_FAILURES = "gatehouse.tls.handshake.failures";
  /** Timer with histogram: tool calls; tags {@code tool}, {@code outcome}. */
  static final String TOOL_CALLS = "gatehouse.tool.calls";
  /** Gauge: open MCP sessions. */
  static final String SESSIONS = "gatehouse.mcp.sessions";
  /** Gauge: open SSE streams. */
  static final String SSE_STREAMS = "gatehouse.mcp.sse.streams";

  /** Tag value standing for any tool name that is not registered. */
  static final String UNREGISTERED_TOOL = "_unregistered";

  private final MeterRegistry registry;
  // Meters by tag values, so a request costs a map lookup rather than a registry lookup, and keyed
  // by the tag values themselves, so it builds no key string either. Bounded: the tag values come
  // from fixed sets and the registered tool names.
  private final Map<AuthMethod, Map<String, Counter>> decisions = new EnumMap<>(AuthMethod.class);
  private final Map<String, Map<String, Timer>> toolTimers = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  /** {@code ToolCallObserver.Outcome} tag values, by ordinal. */
  private static final String[] OUTCOMES = Arrays.stream(ToolCallObserver.Outcome.values())
      .map(o -> o.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
  private final Counter ocspHits;
  private final Counter ocspMisses;

  AuthMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (AuthMethod method : AuthMethod.values()) {
      decisions.put(method, new ConcurrentHashMap<>());
    }
    this.ocspHits = Counter.builder(OCSP_CACHE).tag("result", "hit")
        .description("OCSP answers served from the cache").register(registry);
    this.ocspMisses = Counter.builder(OCSP_CACHE).tag("result", "miss")
        .description("OCSP checks that had to wait for the responder").register(registry);
  }

  /** Counts one authentication decision ({@code result}: allow, deny, warn, locked_out). */
  void decision(AuthMethod method, String result) {
    Map<String, Counter> byResult = decisions.get(method);
    Counter counter = byResult.get(result); // registered once; later a plain get, no closure
    if (counter != null) {
      counter.increment();
      return;
    }
    byResult.computeIfAbsent(result, k -> Counter.builder(AUTH_DECISIONS)
        .tag("method", method.name().toLowerCase(Locale.ROOT))
        .tag("result", result)
        .description("authentication decisions")
        .register(registry)).increment();
  }

  void ocspHit() {
    ocspHits.increment();
  }

  void ocspMiss() {
    ocspMisses.increment();
  }

  /** Records an OCSP check that missed the cache and took {@code nanos}. */
  void ocspChecked(String status, long nanos) {
    timers.computeIfAbsent("ocsp/" + status, k -> Timer.builder(OCSP_RESPONDER).tag("status", status)
        .description("OCSP checks that missed the cache")
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Counts a failed handshake by its cause; returns the cause. */
  String handshakeFailed(Throwable failure) {
    String cause = handshakeCause(failure);
    counters.computeIfAbsent("tls/" + cause, k -> Counter.builder(TLS_HANDSHAKE_FAILURES)
        .tag("cause", cause).description("failed TLS handshakes").register(registry)).increment();
    return cause;
  }

  /** Whether a {@link #handshakeCause} concerns the client certificate. */
  static boolean certificateCause(String cause) {
    return switch (cause) {
      case "no_certificate", "untrusted", "expired", "not_yet_valid", "missing_client_auth" -> true;
      default -> false;
    };
  }

  /** Records a tool call decision or completion; unregistered names share one tag value. */
  void toolCall(String tool, String outcome, long nanos) {
    Map<String, Timer> byOutcome = toolTimers.get(tool);
    Timer timer = byOutcome == null ? null : byOutcome.get(outcome);
    if (timer != null) { // registered once; later two plain gets, no closures
      timer.record(nanos, TimeUnit.NANOSECONDS);
      return;
    }
    toolTimers.computeIfAbsent(tool, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(outcome, k -> Timer.builder(TOOL_CALLS)
        .tag("tool", tool).tag("outcome", outcome)
        .description("tool calls, from authorization to the SDK's answer")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(1))
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Gauges of {@code transport}'s sessions and streams, and timing of its tool calls. */
  void observe(NettyStreamableServerTransportProvider transport, Predicate<String> registered) {
    Gauge.builder(SESSIONS, transport, NettyStreamableServerTransportProvider::sessionCount)
        .description("open MCP sessions").register(registry);
    Gauge.builder(SSE_STREAMS, transport, NettyStreamableServerTransportProvider::openStreamCount)
        .description("open SSE streams").register(registry);
    transport.setToolCallObserver((tool, outcome, nanos) -> toolCall(
        registered.test(tool) ? tool : UNREGISTERED_TOOL, OUTCOMES[outcome.ordinal()], nanos));
  }

  /**
   * The cause of a failed handshake, one of: no_certificate, untrusted, expired, not_yet_valid,
   * missing_client_auth, timeout, protocol, other.
   */
  static String handshakeCause(Throwable failure) {
    boolean certificate = false;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SslHandshakeTimeoutException) {
        return "timeout";
      }
      if (t instanceof ClientCertificateTrust.MissingClientAuthException) {
        return "missing_client_auth";
      }
      if (t instanceof CertificateExpiredException) {
        return "expired";
      }
      if (t instanceof CertificateNotYetValidException) {
        return "not_yet_valid";
      }
      if (t instanceof CertPathValidatorException cpv) {
        if (cpv.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
          return "expired";
        }
        if (cpv.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
          return "not_yet_valid";
        }
      }
      certificate |= t instanceof CertificateException;
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("extended key usage")) {
        return "missing_client_auth"; // the JDK's own EKU check (an EKU without clientAuth)
      }
      if (message.contains("empty client certificate chain") || message.contains("null cert chain")
          || message.contains("certificate_required") || message.contains("peer sent no certificates")) {
        return "no_certificate";
      }
    }
    if (certificate) {
      return "untrusted";
    }
    return failure instanceof SSLException || failure instanceof javax.net.ssl.SSLHandshakeException
        ? "protocol" : "other";
  }
}
