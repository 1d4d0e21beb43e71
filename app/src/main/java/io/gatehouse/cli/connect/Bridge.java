package io.gatehouse.cli.connect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A JSON-RPC relay between an MCP host on stdio (one JSON message per line, the 2025-xx
 * generation) and a Gatehouse server over Streamable HTTP with mutual TLS. At the host's
 * {@code initialize} the bridge asks the server for {@code server/discover}: when the server
 * offers 2026-07-28 the bridge answers the host's initialize itself and relays each request as a
 * stateless 2026-07-28 request ({@link GenerationMapping}), with list changes from
 * {@code subscriptions/listen}; otherwise it relays 2025-xx with a session, a GET stream carrying
 * the server's notifications. Each host request becomes a POST; each answer (JSON, or the events
 * of an SSE stream) becomes a line on stdout. HTTP refusals become JSON-RPC errors with readable
 * messages. stdout carries nothing else.
 */
final class Bridge {
  private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** TCP + TLS connect bound; an unreachable server is reported after this. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Bound on one request's answer; long tool calls stream and stay within it. */
  static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
  /** Longest wait before reopening the server-notification stream. */
  static final Duration MAX_LISTEN_BACKOFF = Duration.ofSeconds(30);
  /** Largest JSON error body read from a refusal (the server's are a few hundred bytes). */
  static final int MAX_ERROR_BODY = 8 * 1024;
  /** Largest {@code server/discover} answer read (capabilities, server info, instructions). */
  static final int MAX_DISCOVER_BODY = 64 * 1024;

  /** JSON-RPC error codes (implementation-defined server-error range, JSON-RPC 2.0 §5.1). */
  static final int UNREACHABLE = -32001;
  static final int UNAUTHORIZED = -32002;
  static final int FORBIDDEN = -32003;
  static final int RATE_LIMITED = -32004;
  static final int HTTP_ERROR = -32005;
  /** A 2026-07-28 server asked for input (elicitation, sampling) the bridge cannot relay. */
  static final int INPUT_NOT_RELAYED = -32006;
  static final int METHOD_NOT_FOUND = -32601;
  static final int PARSE_ERROR = -32700;

  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";

  private final URI url;
  private final AtomicReference<HttpClient> http = new AtomicReference<>();
  private final Supplier<X509Certificate> currentCertificate;
  private final PrintStream out;
  private final ExecutorService workers = Executors.newCachedThreadPool(daemon("gatehouse-connect-call"));
  private final AtomicLong internalIds = new AtomicLong();
  private volatile String sessionId;
  private volatile String protocolVersion;
  private volatile ObjectNode initializeRequest;
  private volatile boolean listening;
  private volatile boolean closed;
  /** True once {@code server/discover} said the server speaks 2026-07-28. */
  private volatile boolean modern;
  private volatile JsonNode modernCapabilities;
  private volatile String logLevel;
  /** Where access tokens come from, or null: mutual TLS alone ({@code --token-from}). */
  private volatile TokenSource bearer;
  /** Swapping the TLS context and the token bound to its certificate is one step for senders. */
  private final Object tlsLock = new Object();

  /**
   * @param url the server's MCP endpoint
   * @param tls the first TLS context ({@link #useTls} swaps it after a renewal)
   * @param currentCertificate the certificate now presented (for clearer errors)
   * @param out the real stdout; nothing else writes to it
   */
  Bridge(URI url, SSLContext tls, Supplier<X509Certificate> currentCertificate, PrintStream out) {
    this.url = url;
    this.currentCertificate = currentCertificate;
    this.out = out;
    useTls(tls);
  }

  /** New requests use {@code tls}; requests in flight and the session are untouched. */
  void useTls(SSLContext tls) {
    synchronized (tlsLock) {
      TokenSource tokens = bearer;
      if (tokens != null) {
        tokens.useTls(tls);   // the old token is bound to the old certificate
      }
      http.set(newClient(tls));
    }
  }

  private static HttpClient newClient(SSLContext tls) {
    return HttpClient.newBuilder().sslContext(tls).connectTimeout(CONNECT_TIMEOUT)
        .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /**
   * Sends {@code Authorization: Bearer} with the token {@code tokens} gives at each request
   * (certificate-bound tokens from the CA service for TLS-terminating paths); null: none.
   */
  void useBearer(TokenSource tokens) {
    synchronized (tlsLock) {
      this.bearer = tokens;
    }
  }

  /** Relays until {@code in} ends, then ends the session. */
  void run(InputStream in) throws IOException, InterruptedException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode message;
      try {
        message = JSON.readTree(line);
      } catch (JacksonException e) {
        writeError(null, PARSE_ERROR, "the bridge received a line that is not JSON", null);
        continue;
      }
      if (!(message instanceof ObjectNode object)) {
        writeError(null, PARSE_ERROR, "the bridge relays single JSON-RPC objects, not batches", null);
        continue;
      }
      // Initialize and everything without a method-and-id pair (notifications, answers to the
      // server) go in order on this thread so the server sees them before later requests.
      boolean request = object.hasNonNull("id") && object.hasNonNull("method");
      if (!request || "initialize".equals(object.path("method").asString(""))) {
        relay(object);
      } else {
        workers.execute(() -> relay(object));
      }
    }
    closed = true;
    workers.shutdown();
    workers.awaitTermination(REQUEST_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    endSession();
  }

  private void relay(ObjectNode message) {
    try {
      String method = message.path("method").asString("");
      if ("initialize".equals(method)) {
        initializeRequest = message.deepCopy();
        sessionId = null;
        modern = false;
        if (message.hasNonNull("id") && discoverModern(message)) {
          return;
        }
      }
      if (modern) {
        relayModern(message);
        return;
      }
      forward(message, true);
      if ("notifications/initialized".equals(method)) {
        startListening();
      }
    } catch (RuntimeException e) {
      LOG.error("relaying a message failed: {}", e.toString());
      writeError(message.get("id"), HTTP_ERROR, "the bridge could not relay this message: " + e.getMessage(), null);
    }
  }

  /** POSTs one message and writes what comes back; re-initializes once on a lost session. */
  private void forward(ObjectNode message, boolean mayReinitialize) {
    JsonNode id = message.get("id");
    boolean isRequest = id != null && !id.isNull() && message.has("method");
    String method = message.path("method").asString("");
    HttpResponse<InputStream> response;
    try {
      response = post(message);
    } catch (IOException e) {
      transportFailure(message, e);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    int status = response.statusCode();
    try (InputStream body = response.body()) {
      if (status == 404 && sessionId != null && mayReinitialize && !"initialize".equals(method)) {
        LOG.warn("the server no longer knows the session; re-initializing once");
        ErrorReport failed = reinitialize(message);
        if (failed == null) {
          forward(message, false);
        } else if (isRequest) {
          writeError(id, failed.code(), failed.message(), failed.data());
        }
        return;
      }
      if (status >= 400) {
        byte[] errorBody = body.readNBytes(MAX_ERROR_BODY);
        ErrorReport report = refusal(status, response, errorBody, message);
        LOG.warn("{} {}: HTTP {}: {}", method.isEmpty() ? "response" : method, idText(id), status, report.message());
        if (isRequest) {
          writeError(id, report.code(), report.message(), report.data());
        }
        return;
      }
      if ("initialize".equals(method)) {
        response.headers().firstValue(SESSION_HEADER).ifPresent(s -> sessionId = s);
      }
      String type = response.headers().firstValue("Content-Type").orElse("");
      if (type.startsWith("text/event-stream")) {
        relayEvents(body, "initialize".equals(method));
      } else if (status == 200 && type.startsWith("application/json")) {
        writeFrame(JSON.readTree(body.readAllBytes()), "initialize".equals(method));
      }
      // 202 Accepted (notifications, answers): nothing to write.
    } catch (IOException | JacksonException e) {
      if (isRequest) {
        writeError(id, UNREACHABLE, "the connection to the Gatehouse server broke while reading the answer: "
            + e.getMessage(), null);
      }
    }
  }

  private HttpResponse<InputStream> post(JsonNode message) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(message)));
    sessionHeaders(request, !"initialize".equals(message.path("method").asString("")));
    return send(request);
  }

  /** Sends with the current TLS context, and the access token when there is one. */
  private HttpResponse<InputStream> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpClient client;
    synchronized (tlsLock) {
      // The client and the token bound to its certificate, taken together.
      client = http.get();
      TokenSource tokens = bearer;
      if (tokens != null) {
        try {
          request.header("Authorization", "Bearer " + tokens.get());
        } catch (TokenSource.Unavailable e) {
          throw new IOException(e.getMessage(), e);
        }
      }
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private void sessionHeaders(HttpRequest.Builder request, boolean withSession) {
    String session = sessionId;
    if (withSession && session != null) {
      request.header(SESSION_HEADER, session);
    }
    String version = protocolVersion;
    if (withSession && version != null) {
      request.header(VERSION_HEADER, version);
    }
  }

  /**
   * Replays the host's initialize (and initialized) for a new session; null when it worked, else
   * the error to give the host for {@code original} (e.g. the 401 of a revoked certificate).
   */
  private synchronized ErrorReport reinitialize(JsonNode original) {
    ObjectNode replay = initializeRequest;
    if (replay == null) {
      return new ErrorReport(HTTP_ERROR, "the Gatehouse server ended the MCP session before it was initialized",
          data(404, null));
    }
    String lost = sessionId;
    if (lost == null) {
      return null;   // another thread re-initialized already
    }
    ObjectNode init = replay.deepCopy();
    init.put("id", "gatehouse-connect-reinit-" + internalIds.incrementAndGet());
    sessionId = null;
    try {
      HttpResponse<InputStream> response = post(init);
      try (InputStream body = response.body()) {
        int status = response.statusCode();
        if (status != 200) {
          LOG.warn("re-initialize refused: HTTP {}", status);
          return refusal(status, response, body.readNBytes(MAX_ERROR_BODY), original);
        }
        Optional<String> session = response.headers().firstValue(SESSION_HEADER);
        body.readAllBytes();
        session.ifPresent(s -> sessionId = s);
      }
      ObjectNode initialized = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/initialized");
      post(initialized).body().close();
      LOG.info("re-initialized the MCP session");
      startListening();
      return sessionId != null ? null : new ErrorReport(HTTP_ERROR,
          "the Gatehouse server did not start a new MCP session", data(200, null));
    } catch (IOException e) {
      return new ErrorReport(UNREACHABLE, transportReason(e), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ErrorReport(HTTP_ERROR, "interrupted", null);
    }
  }

  private void relayEvents(InputStream body, boolean initialize) throws IOException {
    relayEvents(body, frame -> writeFrame(frame, initialize));
  }

  /** Hands each SSE {@code data} payload, parsed, to {@code sink}. */
  private static void relayEvents(InputStream body, java.util.function.Consumer<JsonNode> sink) throws IOException {
    BufferedReader events = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = events.readLine()) != null) {
      if (line.isEmpty()) {
        dispatch(data, sink);
      } else if (line.startsWith("data:")) {
        if (!data.isEmpty()) {
          data.append('\n');
        }
        data.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
      }
      // id:, event:, retry: and comments carry nothing the host needs.
    }
    dispatch(data, sink);
  }

  private static void dispatch(StringBuilder data, java.util.function.Consumer<JsonNode> sink) {
    if (data.isEmpty()) {
      return;
    }
    try {
      sink.accept(JSON.readTree(data.toString()));
    } catch (JacksonException e) {
      LOG.warn("dropped a server event that is not JSON");
    }
    data.setLength(0);
  }

  /** Opens the GET stream for server notifications, once per session. */
  private synchronized void startListening() {
    if (listening || closed) {
      return;
    }
    listening = true;
    Thread listener = daemon("gatehouse-connect-listen").newThread(this::listen);
    listener.start();
  }

  private void listen() {
    Duration backoff = Duration.ofSeconds(1);
    while (!closed) {
      String session = sessionId;
      if (session != null) {
        try {
          HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Accept", "text/event-stream").GET();
          sessionHeaders(request, true);
          HttpResponse<InputStream> response = send(request);
          try (InputStream body = response.body()) {
            if (response.statusCode() == 405) {
              LOG.info("the server offers no notification stream (405); list changes are not relayed");
              return;
            }
            if (response.statusCode() == 200) {
              backoff = Duration.ofSeconds(1);
              relayEvents(body, false);
            } else {
              LOG.debug("notification stream: HTTP {}", response.statusCode());
            }
          }
        } catch (IOException e) {
          LOG.debug("notification stream: {}", e.toString());
        } catch (InterruptedException e) {
          return;
        }
      }
      try {
        backoff = pauseThenDouble(backoff);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void endSession() {
    String session = sessionId;
    if (session == null) {
      return;
    }
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).DELETE();
      sessionHeaders(request, true);
      send(request).body().close();
    } catch (IOException e) {
      LOG.debug("ending the session: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // 2026-07-28 -----------------------------------------------------------------------------------

  /**
   * Asks the server for {@code server/discover} (a 2026-07-28 request); when it lists 2026-07-28,
   * answers the host's {@code initialize} from it and returns true. Any other outcome (a 2025-xx
   * server answers 400, an unreachable server, a refusal) returns false: the host's initialize then
   * goes to the server as 2025-xx and the host sees that answer or error.
   */
  private boolean discoverModern(ObjectNode initialize) {
    ObjectNode discover = GenerationMapping.discoverRequest(
        "gatehouse-connect-discover-" + internalIds.incrementAndGet(), initialize);
    try {
      HttpResponse<InputStream> response = send(modernPost(discover).timeout(CONNECT_TIMEOUT.multipliedBy(3)));
      JsonNode answer;
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          LOG.debug("server/discover: HTTP {}; speaking 2025-xx", response.statusCode());
          return false;
        }
        answer = firstAnswer(response, body);
      }
      if (answer == null || !GenerationMapping.offersModern(answer)) {
        return false;
      }
      modernCapabilities = answer.path("result").path("capabilities");
      modern = true;
      ObjectNode frame = JSON.createObjectNode().put("jsonrpc", "2.0");
      frame.set("id", initialize.get("id"));
      frame.set("result", GenerationMapping.initializeResult(initialize, answer));
      LOG.info("the server speaks {}: relaying the host's {} requests to it without a session",
          GenerationMapping.MODERN, frame.path("result").path("protocolVersion").asString(""));
      writeFrame(frame, false);
      return true;
    } catch (IOException | JacksonException e) {
      LOG.debug("server/discover failed ({}); speaking 2025-xx", e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The first JSON-RPC answer in a JSON or SSE body, or null. */
  private static JsonNode firstAnswer(HttpResponse<InputStream> response, InputStream body) throws IOException {
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (type.startsWith("application/json")) {
      return JSON.readTree(body.readNBytes(MAX_DISCOVER_BODY));
    }
    if (type.startsWith("text/event-stream")) {
      AtomicReference<JsonNode> first = new AtomicReference<>();
      relayEvents(body, frame -> {
        if (first.get() == null && frame.has("result")) {
          first.set(frame);
        }
      });
      return first.get();
    }
    return null;
  }

  /** One host message while the server speaks 2026-07-28. */
  private void relayModern(ObjectNode message) {
    String method = message.path("method").asString("");
    JsonNode id = message.get("id");
    boolean isRequest = id != null && !id.isNull() && !method.isEmpty();
    if (!isRequest) {
      if ("notifications/initialized".equals(method)) {
        startModernListening();
      } else {
        // Cancellations, roots changes and answers to server requests have no 2026-07-28 peer here.
        LOG.debug("not relayed to a {} server: {}", GenerationMapping.MODERN, method.isEmpty() ? "a response" : method);
      }
      return;
    }
    switch (method) {
      case "ping":
        writeResult(id, JSON.createObjectNode());
        return;
      case "logging/setLevel":
        // 2026-07-28 carries the level in each request's _meta.
        logLevel = message.path("params").path("level").asString(null);
        writeResult(id, JSON.createObjectNode());
        return;
      default:
        if (!GenerationMapping.RELAYED.contains(method)) {
          writeError(id, METHOD_NOT_FOUND, "'" + method + "' is not relayed to a " + GenerationMapping.MODERN
              + " server by gatehouse connect", null);
          return;
        }
    }
    ObjectNode request = GenerationMapping.modernRequest(message, initializeRequest, logLevel);
    HttpResponse<InputStream> response;
    try {
      response = send(modernPost(request));
    } catch (IOException e) {
      transportFailure(message, e);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    int status = response.statusCode();
    try (InputStream body = response.body()) {
      if (status >= 400) {
        byte[] errorBody = body.readNBytes(MAX_ERROR_BODY);
        JsonNode rpcError = jsonRpcError(errorBody);
        if (status == 401 || status == 403 || status == 429 || rpcError == null) {
          ErrorReport report = refusal(status, response, errorBody, message);
          LOG.warn("{} {}: HTTP {}: {}", method, idText(id), status, report.message());
          writeError(id, report.code(), report.message(), report.data());
        } else {
          // The server's own JSON-RPC error (unknown tool, invalid params, method not found).
          ObjectNode frame = JSON.createObjectNode().put("jsonrpc", "2.0");
          frame.set("id", id);
          frame.set("error", rpcError);
          writeFrame(frame, false);
        }
        return;
      }
      String type = response.headers().firstValue("Content-Type").orElse("");
      if (type.startsWith("text/event-stream")) {
        relayEvents(body, frame -> modernToHost(frame, id));
      } else if (type.startsWith("application/json")) {
        modernToHost(JSON.readTree(body.readAllBytes()), id);
      } else {
        writeError(id, HTTP_ERROR, "the Gatehouse server answered HTTP " + status + " without a JSON-RPC answer",
            data(status, null));
      }
    } catch (IOException | JacksonException e) {
      writeError(id, UNREACHABLE, "the connection to the Gatehouse server broke while reading the answer: "
          + e.getMessage(), null);
    }
  }

  /** A 2026-07-28 answer or notification, as the host's generation has it, under the host's id. */
  private void modernToHost(JsonNode frame, JsonNode hostId) {
    boolean answer = frame.has("result") || frame.has("error");
    if (answer && GenerationMapping.incompleteResultType(frame) != null) {
      writeError(hostId, INPUT_NOT_RELAYED, "the Gatehouse server asked for more input ("
          + GenerationMapping.incompleteResultType(frame) + "), which gatehouse connect does not relay", null);
      return;
    }
    ObjectNode host = GenerationMapping.toHost(frame);
    if (host == null) {
      return;
    }
    if (answer) {
      host.set("id", hostId);
    }
    writeFrame(host, false);
  }

  private HttpRequest.Builder modernPost(JsonNode request) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request)));
    GenerationMapping.headers(request).forEach(builder::header);
    return builder;
  }

  /** Opens {@code subscriptions/listen} for list changes, once; relays them as 2025-xx notifications. */
  private synchronized void startModernListening() {
    JsonNode capabilities = modernCapabilities;
    if (listening || closed || capabilities == null) {
      return;
    }
    ObjectNode listen = GenerationMapping.listenRequest("gatehouse-connect-listen", initializeRequest, capabilities);
    if (listen.path("params").path("notifications").isEmpty()) {
      LOG.info("the server announces no list changes; none are relayed");
      return;
    }
    listening = true;
    daemon("gatehouse-connect-listen").newThread(() -> modernListen(listen)).start();
  }

  private void modernListen(ObjectNode listen) {
    Duration backoff = Duration.ofSeconds(1);
    while (!closed && modern) {
      try {
        // No timeout: the stream lives as long as the server keeps it (keep-alive pings).
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
            .header("Content-Type", "application/json").header("Accept", "text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(listen)));
        GenerationMapping.headers(listen).forEach(request::header);
        HttpResponse<InputStream> response = send(request);
        try (InputStream body = response.body()) {
          if (response.statusCode() == 200) {
            backoff = Duration.ofSeconds(1);
            relayEvents(body, frame -> {
              ObjectNode host = GenerationMapping.toHost(frame);
              if (host != null && host.has("method") && !host.has("id")) {
                writeFrame(host, false);
              }
            });
          } else {
            LOG.debug("subscriptions/listen: HTTP {}", response.statusCode());
          }
        }
      } catch (IOException e) {
        LOG.debug("subscriptions/listen: {}", e.toString());
      } catch (InterruptedException e) {
        return;
      }
      try {
        backoff = pauseThenDouble(backoff);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Sleeps {@code backoff}, then gives the next one: doubled, at most {@link #MAX_LISTEN_BACKOFF}. */
  private static Duration pauseThenDouble(Duration backoff) throws InterruptedException {
    Thread.sleep(backoff.toMillis());
    Duration doubled = backoff.multipliedBy(2);
    return doubled.compareTo(MAX_LISTEN_BACKOFF) > 0 ? MAX_LISTEN_BACKOFF : doubled;
  }

  /** The {@code error} member of a JSON-RPC error body, or null. */
  private static JsonNode jsonRpcError(byte[] body) {
    try {
      JsonNode error = JSON.readTree(body).path("error");
      return error.isObject() && error.path("code").isNumber() ? error : null;
    } catch (JacksonException | IllegalArgumentException e) {
      return null;
    }
  }

  private void writeResult(JsonNode id, ObjectNode result) {
    ObjectNode frame = JSON.createObjectNode().put("jsonrpc", "2.0");
    frame.set("id", id);
    frame.set("result", result);
    writeFrame(frame, false);
  }

  // Errors -------------------------------------------------------------------------------------

  record ErrorReport(int code, String message, ObjectNode data) {}

  private ErrorReport refusal(int status, HttpResponse<?> response, byte[] body, JsonNode request) {
    String description = description(body);
    String method = request.path("method").asString("");
    String tool = "tools/call".equals(method) ? request.path("params").path("name").asString("") : "";
    switch (status) {
      case 401: {
        X509Certificate current = currentCertificate.get();
        String expiry = current != null && Instant.now().isAfter(current.getNotAfter().toInstant())
            ? " (the certificate expired at " + current.getNotAfter().toInstant() + ")" : "";
        return new ErrorReport(UNAUTHORIZED, "the Gatehouse server refused this client's certificate" + expiry
            + (description.isEmpty() ? "" : ": " + description)
            + "; it may be expired or revoked: renew it or enroll again", data(status, null));
      }
      case 403: {
        // 2026-07-28 also authorizes prompts and resources by name (docs/authorization.md).
        String what = !tool.isEmpty() ? "tool '" + tool + "'"
            : "prompts/get".equals(method) ? "prompt '" + printable(request.path("params").path("name").asString("")) + "'"
            : "resources/read".equals(method) ? "resource '" + printable(request.path("params").path("uri").asString("")) + "'"
            : null;
        return new ErrorReport(FORBIDDEN, what == null
            ? "not permitted by the Gatehouse server" + (description.isEmpty() ? "" : ": " + description)
            : what + " is not permitted for this certificate's roles", data(status, null));
      }
      case 429: {
        String retry = response.headers().firstValue("Retry-After").orElse("");
        Long seconds = retry.matches("\\d{1,9}") ? Long.valueOf(retry) : null;
        return new ErrorReport(RATE_LIMITED, "rate limited by the Gatehouse server"
            + (seconds == null ? "" : ": retry after " + seconds + " s")
            + (description.isEmpty() ? "" : " (" + description + ")"), data(status, seconds));
      }
      default:
        return new ErrorReport(HTTP_ERROR, "the Gatehouse server answered HTTP " + status
            + (description.isEmpty() ? "" : ": " + description), data(status, null));
    }
  }

  /** Printable ASCII, at most 200 characters (a name from the host, echoed in a message). */
  private static String printable(String text) {
    String clean = text.replaceAll("[^\\x20-\\x7E]", "?");
    return clean.substring(0, Math.min(200, clean.length()));
  }

  /** The server's {@code error_description} (or JSON-RPC error message), printable and bounded. */
  private static String description(byte[] body) {
    try {
      JsonNode json = JSON.readTree(body);
      String text = json.path("error_description").asString(json.path("error").path("message").asString(""));
      return text.replaceAll("[^\\x20-\\x7E]", "?").substring(0, Math.min(200, text.length()));
    } catch (JacksonException | IllegalArgumentException e) {
      return "";
    }
  }

  private void transportFailure(JsonNode message, IOException e) {
    String reason = transportReason(e);
    LOG.warn("{}", reason);
    JsonNode id = message.get("id");
    if (id != null && !id.isNull() && message.has("method")) {
      writeError(id, UNREACHABLE, reason, null);
    }
  }

  private String transportReason(IOException e) {
    String reason;
    if (e.getCause() instanceof TokenSource.Unavailable unavailable) {
      reason = unavailable.getMessage();
    } else if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
      reason = "the Gatehouse server at " + url + " is unreachable (" + cause(e) + ")";
    } else if (e instanceof HttpTimeoutException) {
      reason = "the Gatehouse server at " + url + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
    } else if (rootCause(e) instanceof SSLException) {
      X509Certificate current = currentCertificate.get();
      boolean expired = current != null && Instant.now().isAfter(current.getNotAfter().toInstant());
      reason = "the TLS handshake with the Gatehouse server at " + url + " failed"
          + (expired ? ": this client's certificate expired at " + current.getNotAfter().toInstant()
              : " (" + cause(e) + "): the certificate may be expired, revoked or not trusted");
    } else {
      reason = "the Gatehouse server at " + url + " is unreachable (" + cause(e) + ")";
    }
    return reason;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable current = e;
    while (current.getCause() != null && current.getCause() != current) {
      if (current instanceof SSLException) {
        return current;
      }
      current = current.getCause();
    }
    return current;
  }

  private static String cause(Throwable e) {
    Throwable root = rootCause(e);
    String text = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return text.replaceAll("\\s+", " ");
  }

  private static ObjectNode data(int status, Long retryAfterSeconds) {
    ObjectNode data = JSON.createObjectNode().put("httpStatus", status);
    if (retryAfterSeconds != null) {
      data.put("retryAfterSeconds", retryAfterSeconds);
    }
    return data;
  }

  private static String idText(JsonNode id) {
    return id == null ? "" : "#" + id;
  }

  // stdout -------------------------------------------------------------------------------------

  private void writeError(JsonNode id, int code, String message, ObjectNode data) {
    ObjectNode error = JSON.createObjectNode().put("code", code).put("message", message);
    if (data != null) {
      error.set("data", data);
    }
    ObjectNode frame = JSON.createObjectNode().put("jsonrpc", "2.0");
    frame.set("id", id == null ? JSON.nullNode() : id);
    frame.set("error", error);
    writeFrame(frame, false);
  }

  /** One message, one line; the initialize result also fixes the protocol version of later requests. */
  private void writeFrame(JsonNode frame, boolean initialize) {
    if (initialize) {
      String version = frame.path("result").path("protocolVersion").asString("");
      if (!version.isEmpty()) {
        protocolVersion = version;
      }
    }
    String line = JSON.writeValueAsString(frame);   // compact: no raw newline inside
    synchronized (out) {
      out.print(line);
      out.print('\n');
      out.flush();
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
