package io.gatehouse.transport.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MCP SDK's own client, over real TLS, against the Netty transport. */
class SdkClientOverTlsTest {
  @TempDir static Path dir;
  static TestPki pki;
  static TestServer server;
  static SSLContext tls;

  @BeforeAll
  static void start() {
    pki = TestPki.create(dir, "sdk");
    // Short keep-alive so every stream also carries comment pings the client must ignore.
    TransportConfig config = TestServer.tlsConfig(pki).withLimits(
        TransportConfig.Limits.defaults().withSse(Duration.ofMillis(50), 1 << 20));
    server = TestServer.start(config);
    tls = pki.clientContext(null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static McpSyncClient client(Consumer<McpClient.SyncSpec> customize) {
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("https://localhost:" + server.port())
        .endpoint("/mcp")
        .customizeClient(b -> b.sslContext(tls))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    McpClient.SyncSpec spec = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30));
    customize.accept(spec);
    return spec.build();
  }

  static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  @Test
  void initializeListAndCallTools() {
    try (McpSyncClient client = client(s -> { })) {
      McpSchema.InitializeResult init = client.initialize();
      assertThat(init.serverInfo().name()).isEqualTo("gatehouse-test");
      assertThat(NettyStreamableServerTransportProvider.PROTOCOL_VERSIONS)
          .contains(init.protocolVersion());

      assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
          .contains("echo", "add", "whoami", "progress");
      assertThat(text(client.callTool(McpSchema.CallToolRequest.builder("echo")
          .arguments(Map.of("text", "héllo \"world\"\n")).build())))
          .isEqualTo("héllo \"world\"\n");
      assertThat(text(client.callTool(McpSchema.CallToolRequest.builder("add")
          .arguments(Map.of("a", 40, "b", 2)).build()))).isEqualTo("42");

      // The principal and negotiated version reach the tool through the transport context.
      String[] who = text(client.callTool(McpSchema.CallToolRequest.builder("whoami").build()))
          .split("\\|");
      assertThat(who[0]).isEqualTo("anonymous");
      assertThat(who[1]).isEqualTo(init.protocolVersion());
    }
  }

  @Test
  void progressAndLoggingNotificationsReachTheClient() throws Exception {
    List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
    List<McpSchema.LoggingMessageNotification> logs = new CopyOnWriteArrayList<>();
    try (McpSyncClient client = client(s -> s.progressConsumer(progress::add)
        .loggingConsumer(logs::add))) {
      client.initialize();
      McpSchema.CallToolResult result = client.callTool(
          McpSchema.CallToolRequest.builder("progress").progressToken("tok-1").build());
      assertThat(text(result)).isEqualTo("done");
      awaitSize(progress, 3);
      awaitSize(logs, 1);
      // They travel on the request's SSE stream before the response (wire order is asserted by
      // the raw-HTTP test; the SDK client may dispatch notifications concurrently).
      assertThat(progress).extracting(McpSchema.ProgressNotification::progress)
          .containsExactlyInAnyOrder(1.0, 2.0, 3.0);
      assertThat(progress).allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("tok-1"));
      assertThat(logs).extracting(l -> l.data()).containsExactly("progress done");
    }
  }

  /** The client dispatches notifications asynchronously; give them a bounded moment. */
  static void awaitSize(List<?> list, int size) throws InterruptedException {
    for (int i = 0; i < 200 && list.size() < size; i++) {
      Thread.sleep(50);
    }
  }

  @Test
  void sixteenConcurrentClients() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int n = i;
        results.add(pool.submit(() -> {
          try (McpSyncClient client = client(s -> { })) {
            client.initialize();
            List<String> out = new ArrayList<>();
            for (int call = 0; call < 5; call++) {
              out.add(text(client.callTool(McpSchema.CallToolRequest.builder("add")
                  .arguments(Map.of("a", n, "b", call)).build())));
            }
            out.add(text(client.callTool(McpSchema.CallToolRequest.builder("whoami").build()))
                .split("\\|")[2]);
            return out;
          }
        }));
      }
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        List<String> out = results.get(i).get();
        for (int call = 0; call < 5; call++) {
          assertThat(out.get(call)).isEqualTo(String.valueOf(i + call));
        }
        sessions.add(out.get(5));
      }
      assertThat(sessions).doesNotHaveDuplicates();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closingTheClientDeletesItsSessionAndANewClientReconnects() throws Exception {
    String sessionId;
    try (McpSyncClient client = client(s -> { })) {
      client.initialize();
      sessionId = text(client.callTool(McpSchema.CallToolRequest.builder("whoami").build()))
          .split("\\|")[2];
      assertThat(server.transport.sessions).containsKey(sessionId);
      client.closeGracefully();
    }
    // The SDK client sent DELETE on graceful close: the id is gone for good.
    assertThat(server.transport.sessions).doesNotContainKey(sessionId);
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      RawHttp.Response response = raw.exchange(RawHttp.request("POST", "/mcp", Map.of(
          "Accept", "application/json, text/event-stream",
          "Content-Type", "application/json",
          "Mcp-Session-Id", sessionId),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"));
      assertThat(response.status()).isEqualTo(404);
    }
    try (McpSyncClient again = client(s -> { })) {
      again.initialize();
      assertThat(text(again.callTool(McpSchema.CallToolRequest.builder("echo")
          .arguments(Map.of("text", "back")).build()))).isEqualTo("back");
    }
  }
}
