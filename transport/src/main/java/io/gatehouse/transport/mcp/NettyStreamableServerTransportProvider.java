package io.gatehouse.transport.mcp;

import io.gatehouse.transport.mcp.observation.ToolCallObserver;
import io.gatehouse.transport.mcp.context.McpContextKeys;
import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.mcp.session.SealedSessions;
import io.gatehouse.transport.mcp.session.SessionKeys;
import io.gatehouse.transport.mcp.session.SessionState;
import io.gatehouse.transport.mcp.modern.ModernEndpoint;
import io.gatehouse.transport.http.ModernProtocol;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.server.McpRequestManager;
import io.modelcontextprotocol.modern.server.feature.McpChangeBroadcaster;
import io.modelcontextprotocol.modern.server.feature.ServerChange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.netty.channel.ChannelHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * MCP Streamable HTTP for the MCP Java SDK over Netty: give it to {@code McpServer.sync(...)} or
 * {@code McpServer.async(...)}, then to {@code GatehouseServer}, which serves it at {@link
 * #PATH}. Sessions belong to the principal that created them; another principal presenting the
 * id gets the same 404 as for an unknown id. Sessions without a request for {@code
 * limits.sessionIdleTimeout} are closed, listening stream or not. At {@code
 * limits.maxSessionsPerPrincipal} a new session evicts the principal's least recently used one.
 * Connections, their streams and sessions are bound to the credential that used them ({@link
 * CredentialBindings}).
 *
 * <p>Session ids are sealed state ({@link SealedSessions}): a node that receives a valid id it
 * does not hold re-creates the SDK session, bound to the same principal, so nodes sharing the
 * session keys ({@link SessionKeys#fromEnvironment}) serve each other's sessions.
 */
public final class NettyStreamableServerTransportProvider
    implements McpStreamableServerTransportProvider {
  /** The MCP endpoint path. */
  public static final String PATH = "/mcp";

  /** Revisions of the Streamable HTTP transport this server speaks. */
  public static final List<String> PROTOCOL_VERSIONS = List.of(
      ProtocolVersions.MCP_2025_03_26,
      ProtocolVersions.MCP_2025_06_18,
      ProtocolVersions.MCP_2025_11_25);

  private static final Logger log =
      LoggerFactory.getLogger(NettyStreamableServerTransportProvider.class);

  final TransportConfig.Limits limits;
  final McpJsonMapper jsonMapper;
  final Map<String, SessionEntry> sessions = new ConcurrentHashMap<>();
  volatile McpStreamableServerSession.Factory sessionFactory;
  volatile boolean closing;
  volatile ToolCallObserver toolCalls;
  /** See {@link #sdkOffloadsBlockingHandlers()}; false: SDK work is subscribed off the event loop. */
  volatile boolean sdkOffloadsBlockingHandlers;
  final CredentialBindings credentials = new CredentialBindings();
  /** The MCP 2026-07-28 side of the endpoint; null: only the legacy revisions are served. */
  private volatile SessionKeys sessionKeys;
  volatile ModernEndpoint modern;
  private volatile McpChangeBroadcaster modernChanges;
  private final Disposable sweeper;
  private final Disposable revalidator;
  volatile SealedSessions sealed;
  /** Per-caller prompts and resources on the legacy path; null: served unfiltered. */
  volatile LegacyPrimitiveFilter legacyPrimitives;

  /** A provider using the SDK's default JSON mapper (Jackson 3). */
  public NettyStreamableServerTransportProvider(TransportConfig.Limits limits) {
    this(limits, McpJsonDefaults.getMapper());
  }

  public NettyStreamableServerTransportProvider(
      TransportConfig.Limits limits, McpJsonMapper jsonMapper) {
    this.limits = limits;
    this.jsonMapper = jsonMapper;
    setSessionKeys(SessionKeys.fromEnvironment(System.getenv()));
    Duration idle = limits.sessionIdleTimeout();
    Duration period = idle.dividedBy(4).compareTo(Duration.ofMinutes(1)) > 0
        ? Duration.ofMinutes(1) : idle.dividedBy(4).plusMillis(1);
    this.sweeper = Flux.interval(period, Schedulers.parallel())
        .subscribe(t -> sweep(System.nanoTime() - idle.toNanos()));
    this.revalidator = Flux.interval(CredentialBindings.REVALIDATION_PERIOD, Schedulers.parallel())
        .subscribe(t -> revalidate());
  }

  /**
   * Seals session ids under {@code keys} from now on (ids sealed before open only if {@code keys}
   * still holds their key). Nodes behind one balancer need the same keys.
   */
  public void setSessionKeys(SessionKeys keys) {
    this.sessionKeys = keys;
    this.sealed = new SealedSessions(keys, jsonMapper, Clock.systemUTC(),
        SealedSessions.DEFAULT_MAX_AGE);
    if (keys.generated()) {
      log.info("MCP session ids sealed under a random per-process key: sessions live on this node"
          + " only; several nodes need a shared key in {} or {} (see docs/deployment.md)",
          SessionKeys.ENV_KEYS, SessionKeys.ENV_KEYS_FILE);
    }
  }

  /**
   * The 2026-07-28 {@code requestState} codec under the same shared keys as the session ids
   * (its own derived key), following {@link #setSessionKeys}: a multi round-trip request started
   * on one node continues on any node holding the key.
   */
  public io.modelcontextprotocol.modern.server.RequestStateCodec requestStateCodec() {
    return new io.gatehouse.transport.mcp.session.SealedRequestState(() -> sessionKeys, jsonMapper);
  }

  /** The JSON mapper the transport and the SDK share. */
  public McpJsonMapper jsonMapper() {
    return jsonMapper;
  }

  /** The Netty handler serving {@link #PATH}; the last handler of each channel's pipeline. */
  public ChannelHandler newHandler() {
    return new McpEndpointHandler(this);
  }

  /** Open sessions. */
  public int sessionCount() {
    return sessions.size();
  }

  /** Open SSE streams: request streams in progress plus listening (GET) streams. */
  public int openStreamCount() {
    int open = 0;
    for (SessionEntry entry : sessions.values()) {
      open += entry.openStreams.get() + (entry.listening.get() == null ? 0 : 1);
    }
    ModernEndpoint served = modern;
    open += served == null ? 0 : served.openStreamCount();
    return open;
  }

  /**
   * Also serves MCP {@value ModernProtocol#VERSION} (stateless) on {@link #PATH} with {@code
   * server}, chosen per request by {@code MCP-Protocol-Version}, behind the same stages. Call
   * before the server starts. {@code changes} (may be null), the feed given to the modern server's
   * {@code subscriptions(...)}, receives a {@code ToolsListChanged} whenever {@link
   * #notifyClients} tells legacy sessions that the tools changed (e.g. a policy reload).
   */
  public NettyStreamableServerTransportProvider serveModern(McpRequestManager server,
      McpChangeBroadcaster changes) {
    this.modern = new ModernEndpoint(server, jsonMapper, limits.sseKeepAlive(), () -> toolCalls);
    this.modernChanges = changes;
    return this;
  }

  /** Every revision accepted on {@link #PATH}: the legacy ones, plus the modern one if served. */
  public List<String> servedProtocolVersions() {
    if (modern == null) {
      return PROTOCOL_VERSIONS;
    }
    List<String> all = new ArrayList<>(PROTOCOL_VERSIONS);
    all.add(ModernProtocol.VERSION);
    return List.copyOf(all);
  }

  /**
   * Filters the legacy path's {@code prompts/list} and {@code resources/list} answers and its
   * {@code notifications/resources/updated} per caller with {@code filter} (Gatehouse sets the
   * policy's checks); call before the server starts.
   */
  public void filterLegacyPrimitives(LegacyPrimitiveFilter filter) {
    this.legacyPrimitives = filter;
  }

  /**
   * Declares that the SDK server given this provider never blocks the thread that subscribes to
   * its work: an {@code McpServer.sync(...)} server <em>without</em> {@code
   * immediateExecution(true)} (the SDK then runs every sync tool, resource, prompt and completion
   * handler and every list filter on its own bounded-elastic scheduler), or an {@code
   * McpServer.async(...)} server whose handlers do not block. The endpoint then subscribes to the
   * SDK on the event loop, saving a thread hop per message; blocking handlers still never run on
   * the loop. Without this declaration (the default) every message is first handed to Reactor's
   * bounded-elastic scheduler, which is safe whatever the server. {@code Gatehouse.server(...)}
   * declares it: it builds a sync server with {@code immediateExecution(false)}.
   */
  public NettyStreamableServerTransportProvider sdkOffloadsBlockingHandlers() {
    this.sdkOffloadsBlockingHandlers = true;
    return this;
  }

  /** Reports the end of every {@code tools/call} to {@code observer} (e.g. latency metrics). */
  public void setToolCallObserver(ToolCallObserver observer) {
    this.toolCalls = observer;
  }

  @Override
  public void setSessionFactory(McpStreamableServerSession.Factory sessionFactory) {
    this.sessionFactory = sessionFactory;
  }

  @Override
  public List<String> protocolVersions() {
    return PROTOCOL_VERSIONS;
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    McpChangeBroadcaster changes = modernChanges;
    if (changes != null && McpSchema.METHOD_NOTIFICATION_TOOLS_LIST_CHANGED.equals(method)) {
      // Carries no tool names: listeners re-list, through the per-caller filter.
      changes.broadcast(new ServerChange.ToolsListChanged());
    }
    return Flux.fromIterable(List.copyOf(sessions.values()))
        .filter(e -> mayNotify(e, method, params))
        .flatMap(e -> e.session.sendNotification(method, params).onErrorResume(err -> {
          log.debug("notification {} not delivered: {}", method, err.toString());
          return Mono.empty();
        }))
        .then();
  }

  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    SessionEntry entry = sessionId == null ? null : sessions.get(sessionId);
    if (entry == null && sessionId != null) {
      // The SDK names sessions by its own id (exchange.sessionId()), not the sealed one.
      entry = sessions.values().stream()
          .filter(e -> sessionId.equals(e.session.getId())).findFirst().orElse(null);
    }
    if (entry == null) {
      return Mono.error(new IllegalArgumentException("no such MCP session"));
    }
    // A session keeps its subscriptions after a policy change withdrew the grant: not a reason
    // to keep telling it about the resource.
    return mayNotify(entry, method, params)
        ? entry.session.sendNotification(method, params) : Mono.empty();
  }

  private boolean mayNotify(SessionEntry entry, String method, Object params) {
    LegacyPrimitiveFilter filter = legacyPrimitives;
    return filter == null || (entry.principal != null && filter.mayNotify(method, params,
        io.modelcontextprotocol.common.McpTransportContext.create(
            Map.of(McpContextKeys.PRINCIPAL, entry.principal)), jsonMapper));
  }

  /**
   * First step of shutdown: refuse new MCP requests (503) and end every listening stream, so
   * only requests already in flight remain.
   */
  public void stopAccepting() {
    closing = true;
    sessions.values().forEach(SessionEntry::closeListening);
    ModernEndpoint served = modern;
    if (served != null) {
      served.closeStreams();
    }
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.defer(() -> {
      stopAccepting();
      sweeper.dispose();
      revalidator.dispose();
      List<SessionEntry> all = List.copyOf(sessions.values());
      sessions.clear();
      return Flux.fromIterable(all)
          .flatMap(e -> e.session.closeGracefully().onErrorResume(err -> Mono.empty()))
          .then();
    });
  }

  /**
   * The session {@code id} if {@code principal} owns it, re-created from its sealed state when
   * this node does not hold it; null otherwise (all mean 404).
   */
  SessionEntry find(String id, Principal principal) {
    if (id == null) {
      return null;
    }
    String owner = SessionEntry.ownerKey(principal);
    SessionEntry entry = sessions.get(id);
    if (entry == null) {
      entry = recreate(id, owner, principal);
    }
    if (entry == null || !entry.owner.equals(owner)) {
      return null;
    }
    if (sealed.expired(entry.issuedAt)) {
      close(entry);
      return null;
    }
    entry.lastActive = System.nanoTime();
    return entry;
  }

  /** The SDK session for a valid sealed {@code id} this node does not hold, or null. */
  private SessionEntry recreate(String id, String owner, Principal principal) {
    SealedSessions seal = sealed;
    McpStreamableServerSession.Factory factory = sessionFactory;
    Optional<SessionState> state = seal.open(id, owner);
    if (state.isEmpty() || factory == null) {
      return null;
    }
    synchronized (sessions) {
      SessionEntry raced = sessions.get(id);
      if (raced != null) {
        return raced;
      }
      if (!makeRoom(owner)) {
        return null;
      }
      // The SDK's initialize handler only computes the result the client already has: the
      // session is created with the sealed capabilities and client info, ready for requests.
      McpStreamableServerSession session =
          factory.startSession(state.get().initializeRequest()).session();
      SessionEntry entry = new SessionEntry(id, session, principal, state.get().issuedAt());
      sessions.put(id, entry);
      log.debug("re-created an MCP session from its sealed id");
      return entry;
    }
  }

  /**
   * Makes room for one more session of {@code owner}: evicts its least recently used sessions at
   * the per-principal limit; false when the global limit is reached. Hold the sessions' lock.
   */
  boolean makeRoom(String owner) {
    List<SessionEntry> owned = sessions.values().stream()
        .filter(e -> e.owner.equals(owner)).toList();
    // Clients that never DELETE (most SDK clients, inspectors, bridges) must not lock their
    // principal out: the principal's least recently used sessions make room (they answer 404,
    // as the spec expects of an expired session). Only the global bound refuses.
    int excess = owned.size() - limits.maxSessionsPerPrincipal() + 1;
    if (excess > 0) {
      // lastActive moves under other requests: sort a snapshot of it, not the live field.
      long now = System.nanoTime();
      owned.stream().map(e -> Map.entry(e.lastActive - now, e))
          .sorted(Map.Entry.comparingByKey()).limit(excess)
          .forEach(evicted -> {
            close(evicted.getValue());
            log.debug("evicted the least recently used MCP session of a principal at its limit");
          });
    }
    return sessions.size() < limits.maxSessions();
  }

  /** Removes {@code entry}; this node will not re-create it from its sealed id. */
  void remove(SessionEntry entry) {
    sealed.closed(entry.id);
    sessions.remove(entry.id, entry);
    entry.closeListening();
  }

  /** Removes {@code entry} and closes its SDK session (listening stream included). */
  void close(SessionEntry entry) {
    remove(entry);
    // Off the caller's thread: eviction calls this on an event loop.
    entry.session.closeGracefully().subscribeOn(Schedulers.boundedElastic())
        .subscribe(null, err -> { });
  }

  /**
   * Closes sessions without a request since {@code idleSince}. A listening stream does not keep a
   * session alive (it would, forever); a request still being answered does.
   */
  private void sweep(long idleSince) {
    for (SessionEntry entry : sessions.values()) {
      if (entry.lastActive - idleSince < 0 && entry.openStreams.get() == 0) {
        close(entry);
        log.debug("closed idle MCP session");
      }
    }
  }

  /** Re-checks the credentials of connections and sessions; closes what a refusal ends. */
  private void revalidate() {
    List<CredentialLease> sessionLeases = new ArrayList<>();
    sessions.values().forEach(e -> {
      CredentialLease lease = e.lease;
      if (lease != null) {
        sessionLeases.add(lease);
      }
    });
    credentials.revalidate(sessionLeases, this::closeSessionsOf);
  }

  /** Closes the sessions whose latest request came with {@code refused}. */
  private void closeSessionsOf(CredentialLease refused) {
    int closed = 0;
    for (SessionEntry entry : sessions.values()) {
      if (entry.lease == refused) {
        close(entry);
        closed++;
      }
    }
    if (closed > 0) {
      log.info("closed {} MCP session(s) whose credential is no longer accepted", closed);
    }
  }

  /** A live session, its owner and its open streams. */
  static final class SessionEntry {
    /** The sealed id clients send (not the SDK's {@code session.getId()}). */
    final String id;
    final McpStreamableServerSession session;
    /** When initialize created the session (epoch seconds), as sealed in its id. */
    final long issuedAt;
    final String owner;
    /** The principal that created the session (its owner). */
    final Principal principal;
    final AtomicInteger openStreams = new AtomicInteger();
    final AtomicReference<SseStream> listening = new AtomicReference<>();
    volatile long lastActive = System.nanoTime();
    /** The credential lease of the session's latest request; null without an auth pipeline. */
    volatile CredentialLease lease;

    SessionEntry(String id, McpStreamableServerSession session, Principal owner, long issuedAt) {
      this.id = id;
      this.session = session;
      this.issuedAt = issuedAt;
      this.owner = ownerKey(owner);
      this.principal = owner;
    }

    static String ownerKey(Principal principal) {
      return principal.method() + ":" + principal.id();
    }

    void closeListening() {
      SseStream stream = listening.getAndSet(null);
      if (stream != null) {
        stream.close();
      }
    }
  }
}
