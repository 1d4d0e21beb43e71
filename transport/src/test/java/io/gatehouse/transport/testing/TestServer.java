package io.gatehouse.transport.testing;

import io.gatehouse.testing.TestPki;

import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.mcp.context.McpContextKeys;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import io.gatehouse.transport.server.extension.PipelineSlot;
import io.micrometer.core.instrument.MeterRegistry;
import io.gatehouse.transport.mcp.modern.PermittedToolRepository;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpChangeFeed;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A real Gatehouse server with the real MCP SDK server and a few tools, for tests:
 * {@code echo}, {@code add}, {@code whoami} (principal, protocol version, session id from the
 * transport context, then the principal's roles), {@code progress} (progress + logging notifications), {@code wait} (blocks
 * until {@link #release} — for shutdown tests) and {@code forbidden} (counts its calls). The
 * same tools but {@code wait} are also served on MCP 2026-07-28 ({@link #modern}), counted in the
 * same {@link #calls}.
 */
public final class TestServer implements AutoCloseable {
  /** Calls of each tool that reached the SDK. */
  public final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  /** Counted down by every {@code wait} call when it starts. */
  public final CountDownLatch waitStarted = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  public final NettyStreamableServerTransportProvider transport;
  public final McpSyncServer mcp;
  public final GatehouseServer server;

  public final GatehouseAuth auth; // null: started with insecureNoAuthentication()

  private TestServer(TransportConfig config, Map<PipelineSlot, List<RequestStage>> stages,
      boolean secure, MeterRegistry meters, Supplier<String> scrape) {
    Gatehouse.Builder builder = Gatehouse.server(config)
        .tools(tools())
        // The same tools on MCP 2026-07-28, behind the same pipeline and filtered by the same policy.
        .modernTools(modernTools())
        .modernPrompts(modernPrompts())
        .modernResources(modernResources())
        .modern(b -> b.serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
            .builder("gatehouse-test", "1.0").build()))
        .mcp(spec -> spec.serverInfo("gatehouse-test", "1.0").capabilities(
            McpSchema.ServerCapabilities.builder().tools(true).logging().prompts(false)
                .resources(true, false).build())
            // The same prompts and resources as on 2026-07-28, counted in the same calls.
            .prompts(legacyPrompts()).resources(legacyResources()));
    stages.forEach((slot, list) -> list.forEach(s -> builder.stage(slot, s)));
    if (!secure) {
      builder.insecureNoAuthentication();
    }
    if (meters != null) {
      builder.metrics(meters);
    }
    if (scrape != null) {
      builder.metricsEndpoint(scrape);
    }
    server = builder.start();
    transport = server.transport();
    mcp = server.mcpServer();
    auth = server.auth().orElse(null);
  }

  /** Starts a server with the auth pipeline {@code config.auth()} describes. */
  public static TestServer startSecure(TransportConfig config) {
    return new TestServer(config, Map.of(), true, null, null);
  }

  /** Starts a secure server registering its meters in {@code meters}, serving /metrics from scrape. */
  public static TestServer startSecure(TransportConfig config, MeterRegistry meters,
      Supplier<String> scrape) {
    return new TestServer(config, Map.of(), true, meters, scrape);
  }

  /** Starts a server without authentication (insecureNoAuthentication) and extra request stages. */
  public static TestServer start(TransportConfig config, Map<PipelineSlot, List<RequestStage>> stages) {
    return new TestServer(config, stages, false, null, null);
  }

  /** Starts a server without authentication (insecureNoAuthentication) and no extra stages. */
  public static TestServer start(TransportConfig config) {
    return new TestServer(config, Map.of(), false, null, null);
  }

  /** A TLS config on an ephemeral loopback port with {@code pki}'s server certificate. */
  public static TransportConfig tlsConfig(TestPki pki) {
    TestPki.Issued server = pki.server();
    return TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(server.certificatePem(), server.keyPem()));
  }

  /** Lets every blocked {@code wait} call return. */
  public void release() {
    release.countDown();
  }

  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    release();
    server.close();
  }

  private List<SyncToolSpecification> tools() {
    List<SyncToolSpecification> tools = new ArrayList<>();
    tools.add(tool("echo", (exchange, req) -> text(String.valueOf(req.arguments().get("text")))));
    tools.add(tool("add", (exchange, req) -> text(String.valueOf(
        ((Number) req.arguments().get("a")).longValue()
            + ((Number) req.arguments().get("b")).longValue()))));
    tools.add(tool("whoami", (exchange, req) -> text(
        McpContextKeys.principal(exchange.transportContext()).orElseThrow().id() + "|"
            + exchange.transportContext().get(McpContextKeys.PROTOCOL_VERSION) + "|"
            + exchange.transportContext().get(McpContextKeys.SESSION_ID) + "|"
            + String.join(",", new java.util.TreeSet<>(McpContextKeys.principal(
                exchange.transportContext()).orElseThrow().roles())))));
    tools.add(tool("progress", (exchange, req) -> {
      Object token = req.progressToken();
      for (int i = 1; i <= 3; i++) {
        exchange.progressNotification(
            McpSchema.ProgressNotification.builder(token, i).total(3.0).message("step " + i).build());
      }
      exchange.loggingNotification(McpSchema.LoggingMessageNotification
          .builder(McpSchema.LoggingLevel.INFO, "progress done").logger("test").build());
      return text("done");
    }));
    tools.add(tool("wait", (exchange, req) -> {
      waitStarted.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return text("released");
    }));
    tools.add(tool("forbidden", (exchange, req) -> text("should not run")));
    return tools;
  }

  private List<McpSyncTool> modernTools() {
    List<McpSyncTool> tools = new ArrayList<>();
    tools.add(modernTool("echo", (ctx, args) -> String.valueOf(args.get("text"))));
    tools.add(modernTool("add", (ctx, args) -> String.valueOf(
        ((Number) args.get("a")).longValue() + ((Number) args.get("b")).longValue())));
    tools.add(modernTool("whoami", (ctx, args) -> {
      McpTransportContext t = ctx.transportContext();
      return McpContextKeys.principal(t).orElseThrow().id() + "|"
          + t.get(McpContextKeys.PROTOCOL_VERSION) + "|none|"
          + String.join(",", new java.util.TreeSet<>(
              McpContextKeys.principal(t).orElseThrow().roles()));
    }));
    tools.add(McpSyncTool.of(modernToolDefinition("progress"), (ctx, req) -> {
      calls.computeIfAbsent("progress", n -> new AtomicInteger()).incrementAndGet();
      return McpSyncResponse.streaming(notifier -> {
        for (int i = 1; i <= 3; i++) {
          notifier.progress(i, 3.0, "step " + i);
        }
        return modernText("done");
      });
    }));
    tools.add(modernTool("forbidden", (ctx, args) -> "should not run"));
    // A multi round-trip tool: round 1 asks for the client's roots and seals its state in
    // requestState; round 2 (on any node holding the key) answers with that state.
    tools.add(McpSyncTool.of(modernToolDefinition("resume"), (ctx, req) -> {
      calls.computeIfAbsent("resume", n -> new AtomicInteger()).incrementAndGet();
      if (req.requestState() == null) {
        return McpSyncResponse.<io.modelcontextprotocol.modern.McpSchema.CallToolOutcome>result(
            io.modelcontextprotocol.modern.McpSchema.InputRequiredResult.builder()
                .listRoots("roots")
                .requestState("started-for-"
                    + McpContextKeys.principal(ctx.transportContext()).orElseThrow().id())
                .build());
      }
      return McpSyncResponse.<io.modelcontextprotocol.modern.McpSchema.CallToolOutcome>result(
          modernText("resumed:" + req.requestState()));
    }));
    return tools;
  }

  /** The names of the prompts served on both generations. */
  public static final List<String> PROMPTS = List.of("secret_prompt", "greeting");
  /** The URIs of the resources served on both generations. */
  public static final List<String> RESOURCES = List.of("doc://public/readme", "doc://private/salaries");

  /** {@link #PROMPTS} on 2025-xx: the same text as on 2026-07-28, each get counted. */
  private List<io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification>
      legacyPrompts() {
    return PROMPTS.stream().map(name -> new io.modelcontextprotocol.server.McpServerFeatures
        .SyncPromptSpecification(McpSchema.Prompt.builder(name).description(name).build(),
            (exchange, req) -> {
              calls.computeIfAbsent("prompt:" + name, n -> new AtomicInteger()).incrementAndGet();
              return McpSchema.GetPromptResult.builder(List.of(McpSchema.PromptMessage.builder(
                  McpSchema.Role.USER, McpSchema.TextContent.builder("prompt " + name).build())
                  .build())).build();
            })).toList();
  }

  /** {@link #RESOURCES} on 2025-xx, reads counted like the 2026-07-28 ones. */
  private List<io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification>
      legacyResources() {
    return RESOURCES.stream().map(uri -> new io.modelcontextprotocol.server.McpServerFeatures
        .SyncResourceSpecification(McpSchema.Resource.builder(uri, uri).build(),
            (exchange, req) -> {
              calls.computeIfAbsent("resource:" + uri, n -> new AtomicInteger()).incrementAndGet();
              return McpSchema.ReadResourceResult.builder(List.of(
                  McpSchema.TextResourceContents.builder(uri, "contents of " + uri).build())).build();
            })).toList();
  }

  /** Prompts {@code greeting} and {@code secret_prompt} (2026-07-28), each get counted. */
  private io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository modernPrompts() {
    Map<String, io.modelcontextprotocol.modern.server.feature.McpSyncPrompt> prompts =
        new java.util.LinkedHashMap<>();
    for (String name : PROMPTS) {
      prompts.put(name, io.modelcontextprotocol.modern.server.feature.McpSyncPrompt.of(
          io.modelcontextprotocol.modern.McpSchema.Prompt.builder(name).description(name).build(),
          (ctx, req) -> {
            calls.computeIfAbsent("prompt:" + name, n -> new AtomicInteger()).incrementAndGet();
            return McpSyncResponse.result(io.modelcontextprotocol.modern.McpSchema.GetPromptResult
                .builder(List.of(io.modelcontextprotocol.modern.McpSchema.PromptMessage.builder(
                    io.modelcontextprotocol.modern.McpSchema.Role.USER,
                    io.modelcontextprotocol.modern.McpSchema.TextContent.builder("prompt " + name)
                        .build()).build()))
                .build());
          }));
    }
    return new io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository() {
      @Override
      public io.modelcontextprotocol.modern.server.feature.PromptsPage list(McpRequestContext c,
          String cursor) {
        return io.modelcontextprotocol.modern.server.feature.PromptsPage.of(prompts.values()
            .stream().map(io.modelcontextprotocol.modern.server.feature.McpSyncPrompt::definition)
            .toList());
      }

      @Override
      public io.modelcontextprotocol.modern.server.feature.McpSyncPrompt find(McpRequestContext c,
          String name) {
        return prompts.get(name);
      }
    };
  }

  /** Resources {@code doc://private/salaries} and {@code doc://public/readme}, reads counted. */
  private io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository modernResources() {
    List<String> uris = RESOURCES;
    return new io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository() {
      @Override
      public io.modelcontextprotocol.modern.server.feature.ResourcesPage list(McpRequestContext c,
          String cursor) {
        return io.modelcontextprotocol.modern.server.feature.ResourcesPage.of(uris.stream()
            .map(u -> io.modelcontextprotocol.modern.McpSchema.Resource.builder(u, u).build())
            .toList());
      }

      @Override
      public io.modelcontextprotocol.modern.server.feature.McpSyncResource find(McpRequestContext c,
          String uri) {
        if (!uris.contains(uri)) {
          return null;
        }
        return io.modelcontextprotocol.modern.server.feature.McpSyncResource.of((ctx, req) -> {
          calls.computeIfAbsent("resource:" + uri, n -> new AtomicInteger()).incrementAndGet();
          return McpSyncResponse.result(io.modelcontextprotocol.modern.McpSchema.ReadResourceResult
              .builder(List.of(io.modelcontextprotocol.modern.McpSchema.TextResourceContents
                  .builder(uri, "contents of " + uri).build()))
              .build());
        });
      }
    };
  }

  private McpSyncTool modernTool(String name,
      java.util.function.BiFunction<McpRequestContext, Map<String, Object>, String> handler) {
    return McpSyncTool.of(modernToolDefinition(name), (ctx, req) -> {
      calls.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
      return McpSyncResponse.result(modernText(handler.apply(ctx,
          req.arguments() == null ? Map.of() : req.arguments())));
    });
  }

  private static io.modelcontextprotocol.modern.McpSchema.Tool modernToolDefinition(String name) {
    return io.modelcontextprotocol.modern.McpSchema.Tool.builder(name, Map.of("type", "object"))
        .description(name).build();
  }

  private static io.modelcontextprotocol.modern.McpSchema.CallToolResult modernText(String text) {
    return io.modelcontextprotocol.modern.McpSchema.CallToolResult.builder()
        .addContent(io.modelcontextprotocol.modern.McpSchema.TextContent.builder(text).build())
        .build();
  }

  private SyncToolSpecification tool(String name,
      java.util.function.BiFunction<io.modelcontextprotocol.server.McpSyncServerExchange,
          McpSchema.CallToolRequest, McpSchema.CallToolResult> handler) {
    return SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder(name, Map.of("type", "object")).description(name).build())
        .callHandler((exchange, req) -> {
          calls.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
          return handler.apply(exchange, req);
        })
        .build();
  }

  private static McpSchema.CallToolResult text(String text) {
    return McpSchema.CallToolResult.builder().addTextContent(text).build();
  }
}
