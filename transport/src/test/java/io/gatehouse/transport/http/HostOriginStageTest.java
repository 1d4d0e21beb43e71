package io.gatehouse.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The own-loopback-origin default of {@link HostOriginStage} holds only on a loopback-bound server
 * (the running-server cases are in {@link HttpRulesTest}), and a {@code Host} without a port means
 * the scheme's default port.
 */
class HostOriginStageTest {
  private static int status(HostOriginStage stage, String host, String origin) {
    FullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/mcp");
    http.headers().set("Host", host).set("Origin", origin);
    try {
      StageResult result = stage.apply(new GatehouseRequest(http, new EmbeddedChannel(), null))
          .toCompletableFuture().join();
      return result.response().map(r -> {
        int code = r.status().code();
        r.release();
        return code;
      }).orElse(200);
    } finally {
      http.release();
    }
  }

  @Test
  void aServerNotBoundToLoopbackAcceptsOnlyListedOrigins() {
    HostOriginStage stage =
        new HostOriginStage(TransportConfig.LOOPBACK_HOSTS, List.of(), false, true);
    assertThat(status(stage, "localhost:8443", "http://localhost:8443")).isEqualTo(403);
    assertThat(status(stage, "localhost:8443", "https://localhost:8443")).isEqualTo(403);
    HostOriginStage listed = new HostOriginStage(TransportConfig.LOOPBACK_HOSTS,
        List.of("https://localhost:8443"), false, true);
    assertThat(status(listed, "localhost:8443", "https://localhost:8443")).isEqualTo(200);
    // The two-argument constructor keeps the old, list-only behaviour.
    assertThat(status(new HostOriginStage(TransportConfig.LOOPBACK_HOSTS, List.of()),
        "localhost:8443", "http://localhost:8443")).isEqualTo(403);
  }

  @Test
  void aHostWithoutAPortMeansTheSchemesDefaultPort() {
    HostOriginStage tls = new HostOriginStage(TransportConfig.LOOPBACK_HOSTS, List.of(), true, true);
    assertThat(status(tls, "localhost", "https://localhost")).isEqualTo(200);
    assertThat(status(tls, "localhost", "https://localhost:443")).isEqualTo(200);
    assertThat(status(tls, "localhost", "http://localhost")).isEqualTo(403); // port 80
    HostOriginStage plain =
        new HostOriginStage(TransportConfig.LOOPBACK_HOSTS, List.of(), true, false);
    assertThat(status(plain, "localhost", "http://localhost")).isEqualTo(200);
    assertThat(status(plain, "localhost", "https://localhost")).isEqualTo(403); // port 443
  }

  @Test
  void anAllowedNonLoopbackHostNeverMakesItsOwnOriginAcceptable() {
    HostOriginStage stage = new HostOriginStage(List.of("mcp.example.com"), List.of(), true, true);
    assertThat(status(stage, "mcp.example.com", "https://mcp.example.com")).isEqualTo(403);
  }
}
