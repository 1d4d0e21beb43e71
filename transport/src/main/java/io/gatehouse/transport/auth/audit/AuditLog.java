package io.gatehouse.transport.auth.audit;

import io.gatehouse.transport.setting.Setting;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The audit trail: one JSON line per authentication decision and per authorization decision
 * (tool call or HTTP resource), to a rolling file (mode 0600, one write per line, {@code backups}
 * old files kept) and to the SLF4J logger {@code gatehouse.audit}.
 *
 * <p>Refusals (failed authentications and TLS handshakes, which anyone can cause without a
 * credential) are aggregated: one line per (second, source, reason) with a {@code count}, written
 * to their own rolling file next to the main one ({@link #refusalsFile}: {@code audit.log} becomes
 * {@code audit.refusals.log}) with its own size budget. So a refusal flood can only rotate the
 * refusals file: it never deletes the main file's allow/deny decisions of authenticated principals
 * (docs/security.md, "Lockout and audit under flood"). Pending aggregates are bounded by the
 * queue capacity (the same memory budget as queued events); past that, refusals of new keys share
 * one line with source {@code *}.
 *
 * <p>The methods take a {@link Principal} and plain fields, never headers or credentials, so a
 * token, key or secret cannot reach the log. They never block: events go to a bounded queue
 * drained in batches by one background thread (one file write per batch). When the queue is full
 * the event is dropped and counted ({@link #dropped()}); the writer then records an {@code audit_dropped} line with the count, so
 * the trail shows the gap rather than hiding it.
 */
public final class AuditLog implements AutoCloseable {
  /** The SLF4J logger every audit line also goes to. */
  public static final String LOGGER = "gatehouse.audit";

  /** The outcome of a decision. */
  public enum Decision {
    ALLOW,
    DENY
  }

  /** Created at the first audit line, not when config loading touches this class's Settings:
   *  slf4j-simple fixes a logger's level at creation, and an application (the demo) sets it after
   *  reading its config. */
  private static final class AuditLogger {
    static final Logger INSTANCE = LoggerFactory.getLogger(LOGGER);
  }
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  private static final String OVERFLOW_SOURCE = "*";
  /** Events the writer takes from the queue at once (one file write). */
  private static final int MAX_BATCH = 512;
  /**
   * How long the writer sleeps after writing a batch, so events gather (an event reaches the file
   * at most this much later; {@link #close} still writes everything queued).
   */
  private static final long BATCH_PAUSE_MILLIS = 5;

  private final Clock clock;
  private final BlockingQueue<AuditEvent> queue;
  /** Distinct (second, source, reason) aggregates held before new keys fold into source "*". */
  private final int maxPendingRefusals;
  private final AtomicLong dropped = new AtomicLong();
  private final RollingFile file; // null: logger only
  private final RollingFile refusalsFile; // null: logger only
  private final ConcurrentHashMap<RefusalKey, RefusalCount> refusals = new ConcurrentHashMap<>();
  private final Thread writer;
  private final AuditLines lines = new AuditLines(); // the writer thread's
  private volatile boolean running = true;
  private long refusalsFlushedAt = Long.MIN_VALUE; // the writer thread's last flush, clock seconds

  private AuditLog(Builder b) throws IOException {
    this.clock = b.clock;
    this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
    this.maxPendingRefusals = b.queueCapacity;
    this.file = b.file == null ? null : new RollingFile(b.file, b.maxFileBytes, b.backups);
    this.refusalsFile =
        b.file == null ? null : new RollingFile(refusalsFile(b.file), b.maxFileBytes, b.backups);
    this.writer = new Thread(this::drain, "gatehouse-audit");
    writer.setDaemon(true);
    writer.start();
  }

  /** Defaults: logger only, 10,000 queued events; add {@link Builder#file} for the rolling file. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Where the aggregated refusal lines of the audit file {@code file} go: {@code audit.log} →
   * {@code audit.refusals.log}, {@code audit} → {@code audit.refusals}.
   */
  public static Path refusalsFile(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String refusals = dot > 0
        ? name.substring(0, dot) + ".refusals" + name.substring(dot) : name + ".refusals";
    return file.resolveSibling(refusals);
  }

  /** A caller proved its identity. */
  public void authenticated(Principal principal, SocketAddress remote) {
    enqueue("authentication", Decision.ALLOW, principal, principal.method(), null, null, remote, "", "");
  }

  /** A caller was admitted although a check could not complete (revocation soft-fail). */
  public void authenticatedWithWarning(Principal principal, SocketAddress remote, String warning) {
    enqueue("authentication", Decision.ALLOW, principal, principal.method(), null, null, remote, "", warning);
  }

  /**
   * A caller whose credential carried no usable identity was refused: no or malformed credential,
   * bad signature, expired token, unknown API key, locked-out source.
   *
   * @param attempted the method whose credential was refused ({@link AuthMethod#NONE} if none was sent)
   * @param reason one line such as "token expired"; never the credential itself
   */
  public void authenticationRefused(AuthMethod attempted, SocketAddress remote, String reason) {
    refused("authentication", attempted, null, remote, reason);
  }

  /**
   * A caller whose identity is known was refused, e.g. a valid certificate that is revoked or whose
   * revocation status is unavailable under fail-closed.
   */
  public void authenticationRefused(Principal identified, SocketAddress remote, String reason) {
    refused("authentication", identified.method(), identified, remote, reason);
  }

  /**
   * A TLS handshake failed: a client certificate refused at the handshake (no certificate under
   * REQUIRE, another CA, expired, without EKU clientAuth), a timeout or a protocol error.
   *
   * @param certificate whether the failure concerns the client certificate
   * @param cause a short cause such as {@code untrusted}
   */
  public void tlsHandshakeRefused(SocketAddress remote, boolean certificate, String cause) {
    refused("tls_handshake", certificate ? AuthMethod.CERTIFICATE : AuthMethod.NONE, null, remote,
        cause);
  }

  /** An authorization decision on {@code tools/call} of {@code tool} (reason e.g. "rate limited"). */
  public void toolCall(Principal principal, String tool, Decision decision, String reason, SocketAddress remote) {
    enqueue("tool_call", decision, principal, principal.method(), tool, null, remote, reason, "");
  }

  /** An authorization decision on an HTTP resource such as {@code metrics}. */
  public void resourceAccess(
      Principal principal, String resource, Decision decision, String reason, SocketAddress remote) {
    enqueue("resource", decision, principal, principal.method(), null, resource, remote, reason, "");
  }

  /** Events dropped so far because the queue was full or the file could not be written. */
  public long dropped() {
    return dropped.get();
  }

  /** Counts a refusal into its (second, source, reason) aggregate; never blocks for long. */
  private void refused(
      String kind, AuthMethod method, Principal identified, SocketAddress remote, String reason) {
    if (!running) {
      dropped.incrementAndGet();
      return;
    }
    RefusalKey key = new RefusalKey(clock.instant().getEpochSecond(), kind, method,
        identified == null ? null : identified.id(),
        identified == null ? "" : identified.credentialId(), AuditEvent.remote(remote),
        reason == null ? "" : reason);
    if (refusals.size() >= maxPendingRefusals && !refusals.containsKey(key)) {
      key = key.overflow();
    }
    // compute() and the writer's remove() take the same bin lock, so no count is lost.
    refusals.compute(key, (k, count) -> {
      RefusalCount c = count == null ? new RefusalCount() : count;
      c.count++;
      return c;
    });
  }

  /**
   * Writes the aggregates whose second has passed on the clock; all of them when {@code all}. (A
   * refusal counted just as its second is flushed starts a second line for that key: counts are
   * never lost, and the lines of a key still sum to its total.)
   */
  private void flushRefusals(boolean all) {
    long second = clock.instant().getEpochSecond();
    // Once per clock second at most: the writer must not scan the aggregates after every event.
    if (refusals.isEmpty() || (!all && second <= refusalsFlushedAt)) {
      return;
    }
    refusalsFlushedAt = second;
    List<Map.Entry<RefusalKey, Long>> done = new ArrayList<>();
    for (Map.Entry<RefusalKey, RefusalCount> e : refusals.entrySet()) {
      if (all || e.getKey().second() < second) {
        RefusalCount removed = refusals.remove(e.getKey());
        if (removed != null) {
          done.add(Map.entry(e.getKey(), removed.count));
        }
      }
    }
    done.sort(Comparator.comparingLong(e -> e.getKey().second()));
    for (Map.Entry<RefusalKey, Long> e : done) {
      writeRefusal(e.getKey().toJson(e.getValue()));
    }
  }

  private void enqueue(
      String kind,
      Decision decision,
      Principal principal,
      AuthMethod method,
      String tool,
      String resource,
      SocketAddress remote,
      String reason,
      String warning) {
    AuditEvent event =
        new AuditEvent(clock.instant(), kind, decision, principal, method, tool, resource, remote, reason, warning);
    if (!running || !queue.offer(event)) {
      dropped.incrementAndGet();
    }
  }

  private void drain() {
    long reportedDrops = 0;
    List<AuditEvent> batch = new ArrayList<>(MAX_BATCH);
    while (running || !queue.isEmpty()) {
      reportedDrops = reportDrops(reportedDrops);
      try {
        AuditEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, MAX_BATCH - 1);
          write(batch);
          batch.clear();
        }
        flushRefusals(false);
        if (first != null && running) {
          // Let events gather: while the writer sleeps rather than waits on the queue, an
          // enqueue signals no one, so the request path never pays for waking this thread up.
          Thread.sleep(BATCH_PAUSE_MILLIS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    flushRefusals(true);
    reportDrops(reportedDrops);
  }

  /**
   * One line per event to the logger; to the file in one write (rolling where it must). The
   * lines are written into the writer's one reused buffer and encoded from there: no string per
   * line unless the logger takes it.
   */
  private void write(List<AuditEvent> batch) {
    lines.clear();
    boolean logged = AuditLogger.INSTANCE.isInfoEnabled();
    for (AuditEvent event : batch) {
      lines.add(event);
      if (logged) {
        AuditLogger.INSTANCE.info(lines.line(lines.count() - 1));
      }
    }
    if (file != null) {
      try {
        file.append(lines.text(), lines.count(), lines::end);
      } catch (IOException e) {
        dropped.incrementAndGet();
        log.error("cannot write the audit file: {}", e.toString());
      }
    }
  }

  private long reportDrops(long reported) {
    long drops = dropped.get();
    if (drops > reported) {
      write(AuditEvent.JSON.createObjectNode().put("time", clock.instant().toString()).put("event", "audit_dropped")
          .put("count", drops - reported).toString());
    }
    return drops;
  }

  private void write(String line) {
    AuditLogger.INSTANCE.info(line);
    append(file, line);
  }

  private void writeRefusal(String line) {
    AuditLogger.INSTANCE.info(line);
    append(refusalsFile, line);
  }

  private void append(RollingFile target, String line) {
    if (target != null) {
      try {
        target.append(line);
      } catch (IOException e) {
        dropped.incrementAndGet();
        log.error("cannot write the audit file: {}", e.toString());
      }
    }
  }

  /** Writes what is queued, then stops the writer and closes the file. */
  @Override
  public void close() {
    running = false;
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (file != null) {
      file.close();
      refusalsFile.close();
    }
  }

  /** What refusals are aggregated by: the second, the source and the reason (and who, if known). */
  private record RefusalKey(long second, String kind, AuthMethod method, String principal,
      String credentialId, String source, String reason) {
    RefusalKey overflow() {
      return new RefusalKey(second, kind, AuthMethod.NONE, null, "", OVERFLOW_SOURCE,
          "aggregates full: refusals of many sources");
    }

    String toJson(long count) {
      ObjectNode line = AuditEvent.JSON.createObjectNode();
      line.put("time", Instant.ofEpochSecond(second).toString());
      line.put("event", kind);
      line.put("decision", "deny");
      if (principal != null) {
        line.put("principal", AuditEvent.text(principal));
      }
      line.put("method", method.name().toLowerCase(Locale.ROOT));
      if (principal != null && !credentialId.isEmpty()) {
        line.put(AuditEvent.credentialField(method), AuditEvent.text(credentialId));
      }
      if (!reason.isEmpty()) {
        line.put("reason", AuditEvent.text(reason));
      }
      line.put("remote", source);
      line.put("count", count);
      return line.toString();
    }
  }

  /** A refusal count; touched only inside the map's compute() and after its remove(). */
  private static final class RefusalCount {
    long count;
  }

  /** Roll the file when it would grow past this size. */
  public static final Setting<Long> MAX_FILE_BYTES =
      Setting.count("auth.audit.maxFileBytes", 10L << 20, 4096, null);
  /** Rolled files kept ({@code audit.log.1} newest); at least one, so a roll never loses events. */
  public static final Setting<Integer> BACKUPS = Setting.integer("auth.audit.backups", 5, 1, 100);
  /** Events waiting for the writer before new ones are dropped. */
  public static final Setting<Integer> QUEUE_CAPACITY =
      Setting.integer("auth.audit.queueCapacity", 10_000, 1, 1_000_000);

  /** Settings for an {@link AuditLog}. */
  public static final class Builder {
    private Path file;
    private long maxFileBytes = MAX_FILE_BYTES.defaultValue();
    private int backups = BACKUPS.defaultValue();
    private int queueCapacity = QUEUE_CAPACITY.defaultValue();
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Also write to this file (created with mode 0600, and its directory if missing; appended to if it exists). */
    public Builder file(Path file) {
      this.file = Objects.requireNonNull(file);
      return this;
    }

    /**
     * Roll the file when it would grow past this size; at least 4 KiB. Default 10 MiB. The
     * refusals file has the same budget, separately.
     */
    public Builder maxFileBytes(long maxFileBytes) {
      this.maxFileBytes = MAX_FILE_BYTES.check(maxFileBytes);
      return this;
    }

    /** Rolled files kept ({@code audit.log.1} newest); 1 to 100. Default 5. */
    public Builder backups(int backups) {
      this.backups = BACKUPS.check(backups);
      return this;
    }

    /** Events waiting for the writer before new ones are dropped; 1 to 1,000,000. Default 10,000. */
    public Builder queueCapacity(int queueCapacity) {
      this.queueCapacity = QUEUE_CAPACITY.check(queueCapacity);
      return this;
    }

    /** The clock stamping events. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Opens the file (if any) and starts the writer thread. */
    public AuditLog build() throws IOException {
      return new AuditLog(this);
    }
  }
}
