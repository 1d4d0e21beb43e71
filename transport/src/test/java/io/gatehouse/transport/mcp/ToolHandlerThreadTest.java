package io.gatehouse.transport.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint subscribes to the SDK on the event loop (no hop of its own), so a tool handler
 * must still never run there: Gatehouse keeps the SDK's {@code immediateExecution} false even when
 * a customizer sets it true, and the SDK then runs sync handlers on its bounded-elastic workers.
 */
class ToolHandlerThreadTest {
  @TempDir Path dir;

  @Test
  void aSyncToolNeverRunsOnAnEventLoopEvenWithImmediateExecutionAsked() {
    TestPki pki = TestPki.create(dir, "threads");
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    SyncToolSpecification where = SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder("where", Map.of("type", "object")).build())
        .callHandler((exchange, request) -> {
          ranOn.set(Thread.currentThread());
          return McpSchema.CallToolResult.builder().addTextContent("here").build();
        })
        .build();
    try (GatehouseServer server = Gatehouse.server(TestServer.tlsConfig(pki))
        .tools(where)
        .mcp(spec -> spec.immediateExecution(true)) // would run the tool on the subscriber
        .insecureNoAuthentication()
        .start()) {
      assertThat(server.transport().sdkOffloadsBlockingHandlers).isTrue();
      HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
          .builder("https://localhost:" + server.port())
          .endpoint("/mcp")
          .customizeClient(b -> b.sslContext(pki.clientContext(null)))
          .build();
      try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build()) {
        client.initialize();
        client.callTool(McpSchema.CallToolRequest.builder("where").arguments(Map.of()).build());
      }
    }
    assertThat(ranOn.get()).isNotNull();
    assertThat(ranOn.get()).as("a Netty event loop thread").isNotInstanceOf(FastThreadLocalThread.class);
    assertThat(ranOn.get().getName()).startsWith("boundedElastic");
  }
}
