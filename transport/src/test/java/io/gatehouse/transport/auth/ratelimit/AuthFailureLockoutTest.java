package io.gatehouse.transport.auth.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthFailureLockoutTest {
  private final FakeTicker ticker = new FakeTicker();
  private final AuthFailureLockout lockout =
      AuthFailureLockout.builder()
          .maxFailures(5)
          .window(Duration.ofMinutes(1))
          .lockout(Duration.ofMinutes(5))
          .ticker(ticker)
          .build();

  @Test
  void nFailuresWithinTheWindowLockTheSourceForTheLockout() throws Exception {
    InetAddress attacker = InetAddress.getByName("192.0.2.7");
    for (int i = 0; i < 4; i++) {
      lockout.recordFailure(attacker, "jwt:sub=alice");
    }
    assertThat(lockout.checkIdentity(attacker, "jwt:sub=alice").allowed()).isTrue();
    lockout.recordFailure(attacker, "jwt:sub=alice");
    RateLimitDecision locked = lockout.checkIdentity(attacker, "jwt:sub=alice");
    assertThat(locked.allowed()).isFalse();
    assertThat(locked.retryAfterSeconds()).isEqualTo(300);
    assertThat(lockout.checkIdentity(InetAddress.getByName("192.0.2.8"), "jwt:sub=alice").allowed())
        .isTrue();
    assertThat(lockout.checkIdentity(attacker, "jwt:sub=bob").allowed()).isTrue();
    assertThat(lockout.checkSource(attacker).allowed()).isTrue();

    ticker.advance(Duration.ofSeconds(299));
    assertThat(lockout.checkIdentity(attacker, "jwt:sub=alice").retryAfterSeconds()).isEqualTo(1);
    ticker.advance(Duration.ofSeconds(1));
    assertThat(lockout.checkIdentity(attacker, "jwt:sub=alice").allowed()).isTrue();
  }

  @Test
  void failuresSpreadBeyondTheWindowDoNotLock() throws Exception {
    InetAddress client = InetAddress.getByName("198.51.100.1");
    for (int i = 0; i < 20; i++) {
      lockout.recordFailure(client, "apikey:1");
      ticker.advance(Duration.ofSeconds(20)); // 3 per window at most
    }
    assertThat(lockout.checkIdentity(client, "apikey:1").allowed()).isTrue();
  }

  @Test
  void ipv6SourcesAreGroupedBySlash64() throws Exception {
    for (int i = 1; i <= 5; i++) {
      lockout.recordFailure(InetAddress.getByName("2001:db8:1:2::" + i), "x");
    }
    assertThat(lockout.checkIdentity(InetAddress.getByName("2001:db8:1:2:ffff::1"), "x").allowed()).isFalse();
    assertThat(lockout.checkIdentity(InetAddress.getByName("2001:db8:1:3::1"), "x").allowed()).isTrue();
  }

  @Test
  void memoryIsBounded() throws Exception {
    AuthFailureLockout small = AuthFailureLockout.builder().maxSources(100).ticker(ticker).build();
    for (int i = 0; i < 5_000; i++) {
      small.recordFailure(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}), "id" + i);
    }
    assertThat(small.size()).isLessThanOrEqualTo(100);
  }

  @Test
  void theSourceCapShedsASourceTryingManyIdentities() throws Exception {
    AuthFailureLockout capped = AuthFailureLockout.builder().maxFailures(5).maxFailuresPerSource(20)
        .window(Duration.ofMinutes(1)).lockout(Duration.ofMinutes(2)).ticker(ticker).build();
    InetAddress sprayer = InetAddress.getByName("203.0.113.5");
    for (int i = 0; i < 19; i++) {
      capped.recordFailure(sprayer, "jwt:sub=user" + i);
    }
    assertThat(capped.checkSource(sprayer).allowed()).isTrue();
    assertThat(capped.checkIdentity(sprayer, "jwt:sub=user0").allowed()).isTrue(); // 1 each
    capped.recordFailure(sprayer, "jwt:sub=user19");
    assertThat(capped.checkSource(sprayer).retryAfterSeconds()).isEqualTo(120);
    assertThat(capped.checkSource(InetAddress.getByName("203.0.113.6")).allowed()).isTrue();
    assertThat(capped.checkIdentity(sprayer, "jwt:sub=user19").allowed()).isTrue();
  }

  @Test
  void hugeAttemptedIdentitiesAreCutToABoundedKey() throws Exception {
    InetAddress source = InetAddress.getByName("192.0.2.1");
    String huge = "jwt:sub=" + "x".repeat(100_000);
    for (int i = 0; i < 5; i++) {
      lockout.recordFailure(source, huge + i); // same first 128 characters: one counter
    }
    assertThat(lockout.checkIdentity(source, huge).allowed()).isFalse();
  }
}
