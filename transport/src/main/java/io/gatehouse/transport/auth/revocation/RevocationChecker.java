package io.gatehouse.transport.auth.revocation;

import io.gatehouse.transport.setting.Setting;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks client certificates against their issuer's OCSP responder, with answers cached in a
 * bounded Caffeine cache keyed by (issuer key hash, serial). {@link OcspClient} fetches and
 * verifies; this class owns what follows from an answer: how long it is cached, when it is
 * refreshed, and whether a failure admits (soft-fail) or refuses (fail-closed).
 *
 * <p>Typical use by the pipeline: {@link #target} once per connection (after the TLS handshake),
 * then per request {@link #cachedDecision} (a hash lookup, no allocation, no I/O) and only on a miss
 * {@link #check}, whose future completes on a background thread. Network I/O never happens on the
 * caller's thread.
 *
 * <p>Freshness bound: an answer is used until {@code min(nextUpdate, fetch time + maxCacheTtl)}.
 * After two thirds of that lifetime a cache hit starts one background refresh; the old answer keeps
 * serving until the new one arrives or the entry expires. So a certificate revoked while its
 * connection is open is refused on its first request after the cached answer ends, at the latest
 * {@code min(nextUpdate, maxCacheTtl)} after that answer was fetched (sooner when a refresh picks up
 * the revocation).
 */
public final class RevocationChecker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RevocationChecker.class);

  private final RevocationPolicy policy;
  private final URI responderOverride;
  private final ExecutorService executor;
  private final OcspClient ocsp;
  private final Ticker ticker;
  private final Clock clock;
  private final long maxTtlMillis;
  private final AsyncLoadingCache<RevocationTarget, OcspAnswer> cache;
  private volatile RevocationTarget lastTarget; // what the readiness probe asks about

  private RevocationChecker(Builder b) {
    this.policy = b.policy;
    this.responderOverride = b.responderUrl;
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "gatehouse-ocsp");
              t.setDaemon(true);
              return t;
            });
    this.ocsp = new OcspClient(executor, b.connectTimeout, b.requestTimeout, b.useNonce, b.clock);
    this.clock = b.clock;
    this.maxTtlMillis = b.maxCacheTtl.toMillis();
    this.ticker = () -> nanos(clock.millis());
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(b.maxEntries)
            .ticker(ticker)
            .expireAfter(new AnswerExpiry())
            .buildAsync((target, unused) -> fetch(target));
  }

  /** The cache's ticker: wall-clock, because expiry follows the responder's wall-clock nextUpdate. */
  private static long nanos(long epochMillis) {
    return TimeUnit.MILLISECONDS.toNanos(epochMillis);
  }

  /** One exchange turned into a cache entry. Never completes exceptionally. */
  private CompletableFuture<OcspAnswer> fetch(RevocationTarget target) {
    return ocsp.query(target).thenApply(this::answer);
  }

  /**
   * Expiry and policy: a verified answer lives until min(nextUpdate, now + maxCacheTtl) and is
   * refreshed after two thirds of that; a failure is remembered for {@link OcspAnswer#FAILURE_MEMORY} and
   * admitted or refused by the policy.
   */
  private OcspAnswer answer(OcspResult result) {
    long nowMillis = clock.millis();
    long nowNanos = nanos(nowMillis);
    if (result instanceof OcspResult.Verified verified) {
      long lifetimeMillis =
          Math.max(0, Math.min(verified.validUntil().toEpochMilli() - nowMillis, maxTtlMillis));
      long lifetimeNanos = nanos(lifetimeMillis);
      return OcspAnswer.verified(verified.decision(), nowNanos + lifetimeNanos, nowNanos + lifetimeNanos * 2 / 3);
    }
    OcspResult.Failed failed = (OcspResult.Failed) result;
    return OcspAnswer.failed(
        RevocationDecision.unavailable(failed.detail(), policy), nowNanos + OcspAnswer.FAILURE_MEMORY.toNanos());
  }

  /** A builder with the defaults: fail-closed, 5 min max cache TTL, 2 s connect, 5 s request. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Prepares {@code leaf} for checks; do it once per connection and keep the result.
   *
   * @param issuer the certificate that issued {@code leaf}, taken from the path validated to the
   *     trust bundle (never from the chain as the client sent it): OCSP answers are accepted only
   *     when signed by it or by a responder it delegated
   * @throws IllegalArgumentException if {@code issuer} did not issue {@code leaf} (name and
   *     signature)
   */
  public RevocationTarget target(X509Certificate leaf, X509Certificate issuer) {
    RevocationTarget target =
        RevocationTarget.prepare(Objects.requireNonNull(leaf), Objects.requireNonNull(issuer), responderOverride);
    if (target.responder != null) {
      lastTarget = target;
    }
    return target;
  }

  /**
   * Whether revocation can be checked right now, for readiness: a real OCSP exchange (bypassing
   * the cache) for the most recent certificate prepared with {@link #target}, where a verified
   * answer, good or revoked, means yes; before any, whether the configured responder answers HTTP.
   * Completes off the caller's thread, never exceptionally; with null when there is nothing to ask
   * (no certificate seen yet and no {@code responderUrl}).
   */
  public CompletableFuture<Boolean> probe() {
    RevocationTarget target = lastTarget;
    if (target != null) {
      return ocsp.query(target).thenApply(result -> result instanceof OcspResult.Verified);
    }
    if (responderOverride != null) {
      return ocsp.reachable(responderOverride);
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The decision from the cache, if there is one: a valid answer, or a failure remembered for a
   * few seconds. Never blocks and never does I/O. Empty means "ask {@link #check}". May start a
   * background refresh when the answer is aging.
   */
  public Optional<RevocationDecision> cachedDecision(RevocationTarget target) {
    CompletableFuture<OcspAnswer> entry = cache.getIfPresent(target);
    if (entry == null || !entry.isDone() || entry.isCompletedExceptionally()) {
      return Optional.empty();
    }
    OcspAnswer answer = entry.join();
    long now = ticker.read();
    if (answer.expiredAt(now)) {
      return Optional.empty();
    }
    if (answer.claimRefresh(now)) {
      refresh(target);
    }
    return answer.decision;
  }

  /**
   * The decision for {@code target}: from the cache, else from the responder. Never completes
   * exceptionally; a failure becomes {@link RevocationDecision.Status#UNAVAILABLE}, refused or
   * admitted with a warning according to the policy. Do not block an event loop on it.
   */
  public CompletableFuture<RevocationDecision> check(RevocationTarget target) {
    Optional<RevocationDecision> cached = cachedDecision(target);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get());
    }
    CompletableFuture<OcspAnswer> entry = cache.get(target);
    if (expired(entry)) {
      // Caffeine sets an async entry's expiry in a completion callback that can run after the
      // answer was already handed out and the clock moved on; until then it counts the entry as
      // unexpired. Our own expiry time decides: drop the stale entry and load once more.
      cache.asMap().remove(target, entry);
      entry = cache.get(target);
    }
    return entry
        .handle(
            (answer, error) ->
                answer != null
                    ? answer.decision.get()
                    : RevocationDecision.unavailable(
                        "OCSP check failed (" + error.getClass().getSimpleName() + ")", policy));
  }

  private boolean expired(CompletableFuture<OcspAnswer> entry) {
    return entry.isDone() && !entry.isCompletedExceptionally() && entry.join().expiredAt(ticker.read());
  }

  /** Shorthand for {@code check(target(leaf, issuer))}. */
  public CompletableFuture<RevocationDecision> check(X509Certificate leaf, X509Certificate issuer) {
    return check(target(leaf, issuer));
  }

  /** The configured policy for unavailable answers. */
  public RevocationPolicy policy() {
    return policy;
  }

  private void refresh(RevocationTarget target) {
    fetch(target)
        .thenAccept(
            answer -> {
              if (answer.verified) {
                cache.put(target, CompletableFuture.completedFuture(answer));
              } else {
                // The old answer keeps serving until it expires; then check() reports the failure.
                log.debug("OCSP refresh for {} failed: {}", target, answer.decision.get().detail());
              }
            });
  }

  /** Stops the background threads; pending checks complete as unavailable. */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** Each answer expires at its own time: min(nextUpdate, fetch + max TTL). */
  private static final class AnswerExpiry implements Expiry<RevocationTarget, OcspAnswer> {
    @Override
    public long expireAfterCreate(RevocationTarget key, OcspAnswer value, long currentTime) {
      return Math.max(0, value.expiresAtNanos - currentTime);
    }

    @Override
    public long expireAfterUpdate(RevocationTarget key, OcspAnswer value, long currentTime, long currentDuration) {
      return expireAfterCreate(key, value, currentTime);
    }

    @Override
    public long expireAfterRead(RevocationTarget key, OcspAnswer value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /** Longest an OCSP answer is trusted, whatever its nextUpdate. */
  public static final Setting<Duration> MAX_CACHE_TTL = Setting.duration(
      "auth.revocation.maxCacheTtl", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofHours(24));
  /** OCSP answers cached (one per certificate). */
  public static final Setting<Long> CACHE_SIZE =
      Setting.count("auth.revocation.cacheSize", 100_000, 1, null);
  /** TCP connect timeout to the responder. */
  public static final Setting<Duration> CONNECT_TIMEOUT = Setting.duration(
      "auth.revocation.connectTimeout", Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofSeconds(60));
  /** Deadline of a whole OCSP exchange. */
  public static final Setting<Duration> REQUEST_TIMEOUT = Setting.duration(
      "auth.revocation.requestTimeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(60));

  /** Settings for a {@link RevocationChecker}; every one has a safe default. */
  public static final class Builder {
    private RevocationPolicy policy = RevocationPolicy.FAIL_CLOSED;
    private URI responderUrl;
    private Duration maxCacheTtl = MAX_CACHE_TTL.defaultValue();
    private long maxEntries = CACHE_SIZE.defaultValue();
    private Duration connectTimeout = CONNECT_TIMEOUT.defaultValue();
    private Duration requestTimeout = REQUEST_TIMEOUT.defaultValue();
    private boolean useNonce;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** What to do without a valid answer; default {@link RevocationPolicy#FAIL_CLOSED}. */
    public Builder policy(RevocationPolicy policy) {
      this.policy = Objects.requireNonNull(policy);
      return this;
    }

    /** Ask this responder instead of the one in each certificate's AIA extension. */
    public Builder responderUrl(URI url) {
      String scheme = url.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme)) {
        throw new IllegalArgumentException("OCSP responder URL must be http or https: " + url);
      }
      this.responderUrl = url;
      return this;
    }

    /** Upper bound on how long an answer is trusted, whatever its nextUpdate; 1 s to 24 h. */
    public Builder maxCacheTtl(Duration ttl) {
      this.maxCacheTtl = MAX_CACHE_TTL.check(ttl);
      return this;
    }

    /** Most cached answers (one per certificate); default 100,000. */
    public Builder maxEntries(long maxEntries) {
      this.maxEntries = CACHE_SIZE.check(maxEntries);
      return this;
    }

    /** TCP connect timeout to the responder; 100 ms to 60 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = CONNECT_TIMEOUT.check(timeout);
      return this;
    }

    /** Timeout for the whole exchange; 100 ms to 60 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = REQUEST_TIMEOUT.check(timeout);
      return this;
    }

    /**
     * Send a nonce and require the response to echo it. Off by default: RFC 5019 responders serve
     * pre-signed answers without nonces, and the nextUpdate checks already bound replay.
     */
    public Builder useNonce(boolean useNonce) {
      this.useNonce = useNonce;
      return this;
    }

    /** The clock for freshness checks and cache expiry (tests move it). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public RevocationChecker build() {
      return new RevocationChecker(this);
    }
  }
}
