package io.gatehouse.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RawHttp.Response;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shutdown stops accepting, ends listening streams, lets in-flight calls finish, then closes. */
class GracefulShutdownTest {
  @TempDir Path dir;

  @Test
  void inFlightCallsFinishWhileNewWorkIsRefused() throws Exception {
    TestPki pki = TestPki.create(dir, "shutdown");
    SSLContext tls = pki.clientContext(null);
    TestServer server = TestServer.start(TestServer.tlsConfig(pki));
    assertThat(server.server.requestStageNames()).containsExactly(
        "host-origin", "mcp-protocol-version", "healthz", "readyz", "authenticate:AnonymousStage");
    int port = server.port();
    String session;
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      session = raw.exchange(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(null),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}"))
          .header("mcp-session-id");
    }
    try (RawHttp listening = RawHttp.connect(tls, port);
        RawHttp call = RawHttp.connect(tls, port);
        RawHttp idle = RawHttp.connect(tls, port)) {
      Map<String, String> get = RawHttp.mcpHeaders(session);
      get.put("Accept", "text/event-stream");
      assertThat(listening.send(RawHttp.request("GET", "/mcp", get, null)).readHead().status())
          .isEqualTo(200);
      assertThat(call.send(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(session),
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"wait\"}}"))
          .readHead().status()).isEqualTo(200);
      assertThat(server.waitStarted.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(idle.exchange(RawHttp.request("GET", "/healthz", Map.of(), null)).status())
          .isEqualTo(200);

      CompletableFuture<Boolean> shutdown =
          CompletableFuture.supplyAsync(() -> server.server.shutdown(Duration.ofSeconds(20)));
      // The listening stream ends first; by then the listener is closed.
      assertThat(listening.readEvent()).isNull();
      assertThatThrownBy(() -> RawHttp.connect(tls, port)).isInstanceOf(ConnectException.class);
      // A kept-alive connection asking for more work is told to go away.
      Response refused = idle.exchange(RawHttp.request("GET", "/healthz", Map.of(), null));
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.header("connection")).isEqualTo("close");
      assertThat(shutdown).isNotDone();

      server.release();
      assertThat(call.readEvent()).contains("\"id\":2").contains("released");
      // Every in-flight request (the call, the stream, the refused one) was accounted for.
      assertThat(shutdown.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(server.transport.sessionCount()).isZero();
    } finally {
      server.close();
    }
  }

}
