package io.gatehouse.transport.auth.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.policy.Policy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final FakeTicker ticker = new FakeTicker();
  private final RateLimiter limiter = RateLimiter.create(1_000, ticker);
  private final Principal alice = principal("alice", "viewer");
  private final Principal bob = principal("bob", "viewer");

  private static Principal principal(String name, String... roles) {
    return new Principal("spiffe://gatehouse.local/client/" + name, Set.of(roles), AuthMethod.CERTIFICATE, name);
  }

  private static Policy policy(int viewerPerMinute) throws Exception {
    return Policy.fromYaml(
        "roles: {viewer: {tools: ['*']}, admin: {}}\n"
            + "rate_limits: {roles: {viewer: " + viewerPerMinute + "}, tools: {hr.export: 2}}");
  }

  @Test
  void aBurstOfOneMinuteIsAllowedThenTheBucketRefillsContinuously() throws Exception {
    Policy policy = policy(60);
    for (int i = 0; i < 60; i++) {
      assertThat(limiter.acquire(alice, policy).allowed()).as("request %d", i).isTrue();
    }
    RateLimitDecision refused = limiter.acquire(alice, policy);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);

    assertThat(limiter.acquire(bob, policy).allowed()).as("other principals are unaffected").isTrue();

    ticker.advance(Duration.ofSeconds(1));
    assertThat(limiter.acquire(alice, policy).allowed()).isTrue();
    assertThat(limiter.acquire(alice, policy).allowed()).isFalse();
  }

  @Test
  void concurrentCallersGetExactlyTheBudget() throws Exception {
    Policy policy = policy(60);
    AtomicInteger allowed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 100; i++) {
            if (limiter.acquire(alice, policy).allowed()) {
              allowed.incrementAndGet();
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(allowed.get()).isEqualTo(60); // time stands still: no refill
  }

  @Test
  void toolLimitsArePerPrincipalAndTool() throws Exception {
    Policy policy = policy(1000);
    assertThat(limiter.acquireTool(alice, "hr.export", policy).allowed()).isTrue();
    assertThat(limiter.acquireTool(alice, "hr.export", policy).allowed()).isTrue();
    RateLimitDecision third = limiter.acquireTool(alice, "hr.export", policy);
    assertThat(third.allowed()).isFalse();
    assertThat(third.retryAfterSeconds()).isEqualTo(30);
    assertThat(limiter.acquireTool(bob, "hr.export", policy).allowed()).isTrue();
    assertThat(limiter.acquireTool(alice, "hr.list", policy).allowed()).as("no limit for hr.list").isTrue();
  }

  @Test
  void noConfiguredLimitMeansNoBucket() throws Exception {
    Policy policy = policy(60);
    Principal admin = principal("root", "admin");
    for (int i = 0; i < 1_000; i++) {
      assertThat(limiter.acquire(admin, policy).allowed()).isTrue();
    }
    assertThat(limiter.size()).isZero();
  }

  @Test
  void aReloadedPolicyAppliesAtOnce() throws Exception {
    for (int i = 0; i < 5; i++) {
      limiter.acquire(alice, policy(60));
    }
    assertThat(limiter.acquire(alice, policy(3)).allowed()).as("bucket clamped to the new capacity").isTrue();
    assertThat(limiter.acquire(alice, policy(3)).allowed()).isTrue();
    assertThat(limiter.acquire(alice, policy(3)).allowed()).isTrue();
    assertThat(limiter.acquire(alice, policy(3)).allowed()).isFalse();
  }

  @Test
  void memoryIsBoundedAndIdleBucketsExpire() throws Exception {
    RateLimiter small = RateLimiter.create(100, ticker);
    Policy policy = policy(60);
    for (int i = 0; i < 5_000; i++) {
      small.acquire(principal("p" + i, "viewer"), policy);
    }
    assertThat(small.size()).isLessThanOrEqualTo(100);
    ticker.advance(Duration.ofMinutes(2));
    assertThat(small.size()).isZero();
  }
}
