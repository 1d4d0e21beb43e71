package io.gatehouse.transport.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/** Answers {@code GET /healthz} with {@code {"status":"ok"}}, before authentication, no detail. */
public final class HealthStage extends ProbeStage {
  /** The liveness path. */
  public static final String PATH = "/healthz";

  private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

  public HealthStage() {
    super(PATH);
  }

  @Override
  FullHttpResponse answer() {
    return HttpResponses.json(HttpResponseStatus.OK, OK);
  }
}
