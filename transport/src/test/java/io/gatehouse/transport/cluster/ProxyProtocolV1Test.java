package io.gatehouse.transport.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.HttpResponses;
import io.gatehouse.transport.http.StageResult;
import io.gatehouse.transport.server.extension.PipelineSlot;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.TestServer;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * nginx's {@code proxy_protocol on;} sends the PROXY protocol v1 (text): from a trusted proxy it
 * sets the client address like v2 does; from anyone else it is still refused.
 */
class ProxyProtocolV1Test {
  static CompletionStage<StageResult> echoAddress(GatehouseRequest request) {
    return CompletableFuture.completedFuture(StageResult.respond(HttpResponses.json(
        HttpResponseStatus.OK, ("\"" + request.remoteAddress().getAddress().getHostAddress() + "\"")
            .getBytes(StandardCharsets.UTF_8))));
  }

  static TestServer start(String trusted) {
    return TestServer.start(TransportConfig.defaults().withAddress("127.0.0.1", 0).withPlainHttp()
            .withProxyProtocol(new TransportConfig.ProxyProtocol(List.of(trusted))),
        Map.of(PipelineSlot.AUTHENTICATE, List.of(ProxyProtocolV1Test::echoAddress)));
  }

  static byte[] v1(String source, int port) {
    return ("PROXY TCP4 " + source + " 127.0.0.1 40001 " + port + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void aV1HeaderFromATrustedProxySetsTheClientAddress() throws Exception {
    try (TestServer server = start("127.0.0.0/8");
        RawHttp raw = RawHttp.connectWithPreamble(null, server.port(),
            v1("198.51.100.9", server.port()))) {
      RawHttp.Response response = raw.exchange(RawHttp.request("GET", "/x", Map.of(), null));
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("\"198.51.100.9\"");
    }
  }

  @Test
  void aV1HeaderFromAnyoneElseIsStillRefused() throws Exception {
    try (TestServer server = start("192.0.2.0/24");
        RawHttp raw = RawHttp.connectWithPreamble(null, server.port(),
            v1("198.51.100.9", server.port()))) {
      assertThat(raw.closedByPeer(5_000)).isTrue();
    }
  }
}
