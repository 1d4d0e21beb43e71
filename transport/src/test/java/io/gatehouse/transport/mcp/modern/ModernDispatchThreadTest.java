package io.gatehouse.transport.mcp.modern;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.server.McpAsyncResponse;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpAsyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncPrompt;
import io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.PromptsPage;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Where the 2026-07-28 path runs what, driven by the SDK's modern client over TLS: an async
 * tool's handler runs on the connection's event loop (the request was not hopped to another
 * thread first), a sync tool's handler never does (it may block: a bounded-elastic worker), and
 * the embedder's sync prompt repository is not called on the event loop either.
 */
class ModernDispatchThreadTest {
  @TempDir static Path dir;
  static TestPki pki;
  static GatehouseServer server;
  static final AtomicReference<Thread> asyncToolRanOn = new AtomicReference<>();
  static final AtomicReference<Thread> syncToolRanOn = new AtomicReference<>();
  static final AtomicReference<Thread> promptsListedOn = new AtomicReference<>();

  @BeforeAll
  static void start() {
    pki = TestPki.create(dir, "modern-threads");
    McpAsyncTool here = McpAsyncTool.of(tool("here"), (ctx, request) -> {
      asyncToolRanOn.set(Thread.currentThread());
      return Mono.just(McpAsyncResponse.result(result("async")));
    });
    McpSyncTool blocking = McpSyncTool.of(tool("blocking"), (ctx, request) -> {
      syncToolRanOn.set(Thread.currentThread());
      return McpSyncResponse.result(result("sync"));
    });
    McpSyncPromptRepository prompts = new McpSyncPromptRepository() {
      @Override
      public PromptsPage list(McpRequestContext context, String cursor) {
        promptsListedOn.set(Thread.currentThread());
        return PromptsPage.of(List.of(McpSchema.Prompt.builder("p").description("p").build()));
      }

      @Override
      public McpSyncPrompt find(McpRequestContext context, String name) {
        return null;
      }
    };
    server = Gatehouse.server(TestServer.tlsConfig(pki))
        .modernTools(List.of(blocking))
        .modernAsyncTools(List.of(here))
        .modernPrompts(prompts)
        .insecureNoAuthentication()
        .start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static McpSchema.Tool tool(String name) {
    return McpSchema.Tool.builder(name, Map.of("type", "object")).build();
  }

  private static McpSchema.CallToolResult result(String text) {
    return McpSchema.CallToolResult.builder()
        .addContent(McpSchema.TextContent.builder(text).build()).build();
  }

  private static McpSyncClient client() {
    return McpClient.sync(HttpClientMcpTransport.builder("https://localhost:" + server.port() + "/mcp")
            .customizeClient(b -> b.sslContext(pki.clientContext(null)))
            .connectTimeout(Duration.ofSeconds(10))
            .build())
        .callTimeout(Duration.ofSeconds(30)).build();
  }

  private static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  @Test
  void anAsyncToolRunsOnTheEventLoopWithNoHop() {
    assertThat(text(client().tool("here").call())).isEqualTo("async");
    assertThat(asyncToolRanOn.get()).as("a Netty event loop thread")
        .isInstanceOf(FastThreadLocalThread.class);
  }

  @Test
  void aSyncToolNeverRunsOnTheEventLoop() {
    McpSyncClient client = client();
    assertThat(client.tools().list().tools()).extracting(McpSchema.Tool::name)
        .containsExactly("blocking", "here");
    assertThat(text(client.tool("blocking").call())).isEqualTo("sync");
    assertThat(syncToolRanOn.get()).isNotInstanceOf(FastThreadLocalThread.class);
    assertThat(syncToolRanOn.get().getName()).startsWith("boundedElastic");
  }

  @Test
  void theEmbeddersSyncPromptRepositoryIsNotCalledOnTheEventLoop() {
    assertThat(client().prompts().list().prompts()).extracting(McpSchema.Prompt::name)
        .containsExactly("p");
    assertThat(promptsListedOn.get()).isNotInstanceOf(FastThreadLocalThread.class);
    assertThat(promptsListedOn.get().getName()).startsWith("boundedElastic");
  }
}
