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
      lockout.recordFailure(attacker);
    }
    assertThat(lockout.check(attacker).allowed()).isTrue();
    lockout.recordFailure(attacker);
    RateLimitDecision locked = lockout.check(attacker);
    assertThat(locked.allowed()).isFalse();
    assertThat(locked.retryAfterSeconds()).isEqualTo(300);
    assertThat(lockout.check(InetAddress.getByName("192.0.2.8")).allowed()).isTrue();

    ticker.advance(Duration.ofSeconds(299));
    assertThat(lockout.check(attacker).retryAfterSeconds()).isEqualTo(1);
    ticker.advance(Duration.ofSeconds(1));
    assertThat(lockout.check(attacker).allowed()).isTrue();
  }

  @Test
  void failuresSpreadBeyondTheWindowDoNotLock() throws Exception {
    InetAddress client = InetAddress.getByName("198.51.100.1");
    for (int i = 0; i < 20; i++) {
      lockout.recordFailure(client);
      ticker.advance(Duration.ofSeconds(20)); // 3 per window at most
    }
    assertThat(lockout.check(client).allowed()).isTrue();
  }

  @Test
  void ipv6SourcesAreGroupedBySlash64() throws Exception {
    for (int i = 1; i <= 5; i++) {
      lockout.recordFailure(InetAddress.getByName("2001:db8:1:2::" + i));
    }
    assertThat(lockout.check(InetAddress.getByName("2001:db8:1:2:ffff::1")).allowed()).isFalse();
    assertThat(lockout.check(InetAddress.getByName("2001:db8:1:3::1")).allowed()).isTrue();
  }

  @Test
  void memoryIsBounded() throws Exception {
    AuthFailureLockout small = AuthFailureLockout.builder().maxSources(100).ticker(ticker).build();
    for (int i = 0; i < 5_000; i++) {
      small.recordFailure(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}));
    }
    assertThat(small.size()).isLessThanOrEqualTo(100);
  }
}
