package io.gatehouse.transport.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Answers {@code GET /readyz} before authentication: 200 {@code {"status":"ready"}}, or 503
 * {@code {"status":"not_ready","reasons":[...]}} with reason categories only (never hosts, URLs or
 * errors). {@code /healthz} stays liveness; this says whether requests can be served correctly.
 */
public final class ReadinessStage extends ProbeStage {
  /** The readiness path. */
  public static final String PATH = "/readyz";

  private static final byte[] READY = "{\"status\":\"ready\"}".getBytes(StandardCharsets.US_ASCII);

  private final List<ReadinessCheck> checks;

  /** A stage asking each of {@code checks} on every request (they answer from memory). */
  public ReadinessStage(List<ReadinessCheck> checks) {
    super(PATH);
    this.checks = List.copyOf(checks);
  }

  @Override
  FullHttpResponse answer() {
    Set<String> reasons = new LinkedHashSet<>();
    for (ReadinessCheck check : checks) {
      reasons.addAll(check.notReadyReasons());
    }
    if (reasons.isEmpty()) {
      return HttpResponses.json(HttpResponseStatus.OK, READY);
    }
    // Reason categories are fixed identifiers ([a-z_]); written as JSON strings without escaping.
    String body = "{\"status\":\"not_ready\",\"reasons\":[\""
        + String.join("\",\"", reasons) + "\"]}";
    return HttpResponses.json(HttpResponseStatus.SERVICE_UNAVAILABLE,
        body.getBytes(StandardCharsets.US_ASCII));
  }
}
