package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.jwt.JwtKeys;
import io.gatehouse.transport.auth.revocation.RevocationChecker;
import io.gatehouse.transport.http.ReadinessCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readiness of the auth pipeline for {@code GET /readyz}: not ready while fail-closed revocation
 * cannot get a verified OCSP answer ({@value #REVOCATION}) or no JWT key is loaded ({@value
 * #JWT_KEYS}). Answers from the last probe's result, never blocking the event loop; a request
 * starts the next probe on this object's own thread, at most once per {@link #MIN_PROBE_INTERVAL}
 * and one at a time, so polling {@code /readyz} costs the responder and JWKS host at most one
 * request per second.
 */
final class AuthReadiness implements ReadinessCheck, AutoCloseable {
  /** Reason category: revocation status cannot be established under fail-closed. */
  static final String REVOCATION = "revocation_unavailable";
  /** Reason category: JWT auth is on but no verification key could be loaded. */
  static final String JWT_KEYS = "jwt_keys_unavailable";
  /** Shortest time between two probes, whatever the polling rate. */
  static final Duration MIN_PROBE_INTERVAL = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(AuthReadiness.class);

  private final RevocationChecker revocation; // null: not checked, or not fail-closed
  private final JwtKeys keys; // null: JWT off
  private final ExecutorService worker;
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile long lastProbeNanos;
  private volatile boolean revocationAvailable = true; // unknown counts as available
  private volatile boolean keysAvailable = true;

  AuthReadiness(RevocationChecker failClosedRevocation, JwtKeys keys) {
    this.revocation = failClosedRevocation;
    this.keys = keys;
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "gatehouse-readiness");
      t.setDaemon(true);
      return t;
    });
    this.lastProbeNanos = System.nanoTime() - MIN_PROBE_INTERVAL.toNanos();
  }

  @Override
  public List<String> notReadyReasons() {
    probeSoon();
    List<String> reasons = new ArrayList<>(2);
    if (!revocationAvailable) {
      reasons.add(REVOCATION);
    }
    if (!keysAvailable) {
      reasons.add(JWT_KEYS);
    }
    return reasons;
  }

  /** Starts a probe on the worker unless one ran within the interval or is still running. */
  void probeSoon() {
    if ((revocation == null && keys == null)
        || System.nanoTime() - lastProbeNanos < MIN_PROBE_INTERVAL.toNanos()
        || !probing.compareAndSet(false, true)) {
      return;
    }
    lastProbeNanos = System.nanoTime();
    try {
      worker.execute(this::probe);
    } catch (RejectedExecutionException closed) {
      probing.set(false);
    }
  }

  private void probe() {
    try {
      if (keys != null) {
        keysAvailable = keys.hasKeys();
      }
      if (revocation != null) {
        Boolean available = revocation.probe().join();
        if (available != null) {
          revocationAvailable = available;
        }
      }
    } catch (RuntimeException e) {
      log.debug("readiness probe failed: {}", e.toString());
    } finally {
      probing.set(false);
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
