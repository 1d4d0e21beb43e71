package io.gatehouse.transport.server;

import io.gatehouse.transport.server.extension.PipelineSlot;
import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.auth.pipeline.RegisteredTools;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.mcp.modern.PermittedToolRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelcontextprotocol.modern.server.feature.McpChangeFeed;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way to start a Gatehouse MCP server: configuration and tools in, a secure running
 * server out. Authentication, revocation, the policy, the {@code tools/list} filter, rate limits,
 * audit and meters are assembled from {@code config.auth()} and wired in one order by
 * construction; nothing security-relevant is left for the caller to remember.
 *
 * <pre>{@code
 * try (GatehouseServer server = Gatehouse.server(config)
 *     .tools(myTools)
 *     .metrics(prometheusRegistry)
 *     .metricsEndpoint(prometheusRegistry::scrape)   // optional: GET /metrics, policy-gated
 *     .start()) { ... }
 * }</pre>
 *
 * <p>A config without an {@code auth} section does not start: serving everyone anonymously must
 * be named, {@link Builder#insecureNoAuthentication()} (tests and benchmarks only), and a config
 * with an {@code auth} section can never be started that way.
 */
public final class Gatehouse {
  private static final Logger log = LoggerFactory.getLogger(Gatehouse.class);

  private Gatehouse() {}

  /** Starts assembling a server for {@code config}. */
  public static Builder server(TransportConfig config) {
    return new Builder(config);
  }

  /** Collects the tools and options; {@link #start()} builds and binds. */
  public static final class Builder {
    private final TransportConfig config;
    private final List<SyncToolSpecification> tools = new ArrayList<>();
    private final Map<PipelineSlot, List<RequestStage>> extraStages =
        new EnumMap<>(PipelineSlot.class);
    private final List<Consumer<McpServer.SyncSpecification<?>>> mcpCustomizers =
        new ArrayList<>();
    private final List<McpSyncTool> modernTools = new ArrayList<>();
    private final List<io.modelcontextprotocol.modern.server.feature.McpAsyncTool> modernAsyncTools =
        new ArrayList<>();
    private io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository modernPrompts;
    private io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository modernResources;
    private final List<Consumer<io.modelcontextprotocol.modern.server.McpServer.Builder>>
        modernCustomizers = new ArrayList<>();
    private MeterRegistry registry;
    private Supplier<String> scrape;
    private boolean insecureNoAuthentication;

    private Builder(TransportConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** Serves {@code tools} (each call is authorized against the policy by tool name). */
    public Builder tools(List<SyncToolSpecification> tools) {
      this.tools.addAll(tools);
      return this;
    }

    /** Serves {@code tools}. */
    public Builder tools(SyncToolSpecification... tools) {
      return tools(List.of(tools));
    }

    /**
     * Adjusts the MCP server (server info, instructions, capabilities); called before the
     * Gatehouse tool filter is added, which it cannot remove. {@code immediateExecution} stays
     * false whatever the customizer sets: sync handlers run on the SDK's bounded-elastic
     * scheduler, never on a Netty event loop.
     */
    public Builder mcp(Consumer<McpServer.SyncSpecification<?>> customizer) {
      mcpCustomizers.add(Objects.requireNonNull(customizer, "customizer"));
      return this;
    }

    /**
     * Also serves {@code tools} on MCP 2026-07-28 (stateless) on the same {@code /mcp}, behind the
     * same pipeline: {@code tools/list} filtered by the same policy, {@code tools/call} authorized
     * from the {@code Mcp-Method}/{@code Mcp-Name} headers (docs/transport.md, "Two protocol
     * generations on one endpoint"). Without it only the 2025-xx revisions are served.
     */
    public Builder modernTools(List<McpSyncTool> tools) {
      modernTools.addAll(tools);
      return this;
    }

    /**
     * Like {@link #modernTools} for asynchronous tools: a handler that never blocks runs on the
     * connection's event loop, with no thread hop (a synchronous tool's handler runs on a
     * bounded-elastic worker, because it may block). Names are unique across both lists.
     */
    public Builder modernAsyncTools(
        List<io.modelcontextprotocol.modern.server.feature.McpAsyncTool> tools) {
      modernAsyncTools.addAll(tools);
      return this;
    }

    /**
     * Serves {@code prompts} on MCP 2026-07-28, filtered per caller by the policy's {@code
     * prompts} patterns: {@code prompts/list} shows only granted prompts ({@code cacheScope:
     * "private"}), {@code prompts/get} of another is 403 from {@code Mcp-Name} before the body
     * reaches the SDK (docs/authorization.md). Used with {@link #modernTools}.
     */
    public Builder modernPrompts(
        io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository prompts) {
      modernPrompts = Objects.requireNonNull(prompts, "prompts");
      return this;
    }

    /** Like {@link #modernPrompts} for resources, by the policy's {@code resource_uris}. */
    public Builder modernResources(
        io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository resources) {
      modernResources = Objects.requireNonNull(resources, "resources");
      return this;
    }

    /** Adjusts the 2026-07-28 server (server info, instructions); used with {@link #modernTools}. */
    public Builder modern(Consumer<io.modelcontextprotocol.modern.server.McpServer.Builder> customizer) {
      modernCustomizers.add(Objects.requireNonNull(customizer, "customizer"));
      return this;
    }

    /** Registers the authentication, OCSP, TLS, session and tool-call meters in {@code registry}. */
    public Builder metrics(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Serves {@code GET /metrics} from {@code scrape} (e.g. {@code prometheusRegistry::scrape}) to
     * principals the policy grants the {@code metrics} resource.
     */
    public Builder metricsEndpoint(Supplier<String> scrape) {
      this.scrape = Objects.requireNonNull(scrape, "scrape");
      return this;
    }

    /**
     * Adds an application stage at the end of {@code slot}, after Gatehouse's own stages there.
     * It adds checks; it cannot replace authentication.
     */
    public Builder stage(PipelineSlot slot, RequestStage stage) {
      extraStages.computeIfAbsent(slot, s -> new ArrayList<>()).add(Objects.requireNonNull(stage));
      return this;
    }

    /**
     * Leaves out Gatehouse's auth pipeline: without an application {@link PipelineSlot#AUTHENTICATE}
     * stage every caller is {@code anonymous}, and there is no policy, rate limit or audit. For
     * tests and benchmarks of the transport only; logs a warning at start. Refused when the config
     * has an {@code auth} section.
     */
    public Builder insecureNoAuthentication() {
      this.insecureNoAuthentication = true;
      return this;
    }

    /**
     * Assembles, binds and starts serving.
     *
     * @throws IllegalArgumentException for configuration errors (one-line messages), including a
     *     config without an {@code auth} section when {@link #insecureNoAuthentication()} was not
     *     named, or one with an {@code auth} section when it was
     * @throws IllegalStateException when the address cannot be bound
     */
    public GatehouseServer start() {
      if (insecureNoAuthentication && config.authConfigured()) {
        throw new IllegalArgumentException("the config has an auth section:"
            + " insecureNoAuthentication() cannot turn authentication off");
      }
      if (!insecureNoAuthentication && !config.authConfigured()) {
        throw new IllegalArgumentException("no auth section in the config: configure auth"
            + " (at least auth.policy.file); serving without authentication needs"
            + " insecureNoAuthentication(), for tests and benchmarks only");
      }
      if (insecureNoAuthentication && scrape != null) {
        throw new IllegalArgumentException(
            "metricsEndpoint needs authentication: /metrics is served to permitted principals only");
      }
      GatehouseAuth auth = null;
      McpSyncServer mcp = null;
      try {
        auth = insecureNoAuthentication ? null : GatehouseAuth.fromConfig(config, registry);
        var transport = new NettyStreamableServerTransportProvider(config.limits());
        McpServer.SyncSpecification<?> spec = McpServer.sync(transport)
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
            .tools(tools);
        mcpCustomizers.forEach(c -> c.accept(spec));
        // Whatever a customizer chose: the SDK runs sync handlers off the subscribing thread, so
        // the endpoint may subscribe on the event loop (one thread hop per call, not two).
        spec.immediateExecution(false);
        transport.sdkOffloadsBlockingHandlers();
        if (auth != null) {
          spec.addToolFilter(auth.toolListFilter());
          // Prompts and resources registered on the 2025-xx server (through mcp(...)) are
          // filtered per caller as on 2026-07-28: the SDK has no list filter for them.
          transport.filterLegacyPrimitives(new io.gatehouse.transport.mcp.LegacyPrimitiveFilter(
              auth.promptVisibility(), auth.resourceVisibility()));
        }
        mcp = spec.build();
        io.modelcontextprotocol.modern.server.McpServer modern = modernServer(transport, auth);
        GatehouseServer.Builder server = GatehouseServer.builder(config, transport);
        if (modern != null) {
          server.owns(modern::closeGracefully);
        }
        if (auth != null) {
          if (scrape != null) {
            auth.metricsEndpoint(scrape);
          }
          // A tool served on either generation is registered (a 2026-07-28-only tool too).
          RegisteredTools legacy = RegisteredTools.of(mcp);
          RegisteredTools modernOnly = RegisteredTools.of(java.util.stream.Stream.concat(
                  modernTools.stream().map(t -> t.definition().name()),
                  modernAsyncTools.stream().map(t -> t.definition().name()))
              .collect(java.util.stream.Collectors.toSet()));
          auth.install(server, name -> legacy.contains(name) || modernOnly.contains(name));
        } else {
          log.warn("insecureNoAuthentication(): no Gatehouse authentication, policy, rate limits"
              + " or audit. Never use this outside tests and benchmarks.");
          if (!extraStages.containsKey(PipelineSlot.AUTHENTICATE)) {
            server.stage(PipelineSlot.AUTHENTICATE, new AnonymousStage());
          }
        }
        extraStages.forEach((slot, stages) -> stages.forEach(s -> server.stage(slot, s)));
        server.mcpServer(mcp);
        if (auth != null) {
          server.owns(auth).auth(auth);
        }
        return server.start();
      } catch (RuntimeException e) {
        if (mcp != null) {
          mcp.close();
        }
        if (auth != null) {
          auth.close();
        }
        throw e;
      }
    }
  
    /** The 2026-07-28 server over {@link #modernTools}, filtered like {@code tools/list}; or null. */
    private io.modelcontextprotocol.modern.server.McpServer modernServer(
        NettyStreamableServerTransportProvider transport, GatehouseAuth auth) {
      if (modernTools.isEmpty() && modernAsyncTools.isEmpty()) {
        return null;
      }
      PermittedToolRepository repository = auth == null
          ? PermittedToolRepository.of(modernTools, modernAsyncTools, (context, name) -> true)
          : PermittedToolRepository.filteredLike(modernTools, modernAsyncTools,
              auth.toolListFilter());
      McpChangeFeed changes = new McpChangeFeed();
      var builder = io.modelcontextprotocol.modern.server.McpServer.builder()
          .serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
              .builder("gatehouse", "1.0").build())
          .feature(ToolsFeature.ofAsync(repository))
          // MRTR requestState under the nodes' shared session keys (docs/deployment.md).
          .requestStateCodec(transport.requestStateCodec())
          .subscriptions(changes);
      if (modernPrompts != null) {
        builder.feature(io.modelcontextprotocol.modern.server.feature.PromptsFeature.ofSync(
            new io.gatehouse.transport.mcp.modern.PermittedPromptRepository(modernPrompts,
                auth == null ? (context, name) -> true : auth.promptVisibility())));
      }
      if (modernResources != null) {
        builder.feature(io.modelcontextprotocol.modern.server.feature.ResourcesFeature.ofSync(
            new io.gatehouse.transport.mcp.modern.PermittedResourceRepository(modernResources,
                auth == null ? (context, uri) -> true : auth.resourceVisibility())));
      }
      modernCustomizers.forEach(c -> c.accept(builder));
      io.modelcontextprotocol.modern.server.McpServer modern = builder.build();
      transport.serveModern(modern, changes);
      return modern;
    }
}
}
